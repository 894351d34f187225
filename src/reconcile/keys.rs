//! Text keys (order, statement, document numbers) as dense `u32` ids, made once
//! per check: polars then joins and groups integers instead of millions of
//! copied strings. Equal texts get equal ids, so a join on ids is the join on
//! the texts.

use rustc_hash::FxHashMap;

#[derive(Default)]
pub struct Keys<'a> {
    ids: FxHashMap<&'a str, u32>,
}

impl<'a> Keys<'a> {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            ids: FxHashMap::with_capacity_and_hasher(n, Default::default()),
        }
    }

    /// How many distinct keys have ids: every id is below it.
    pub fn distinct(&self) -> usize {
        self.ids.len()
    }

    /// How often each id occurs in `column`, indexed by id.
    pub fn counts(&self, column: &[u32]) -> Vec<u32> {
        let mut counts = vec![0u32; self.distinct()];
        for &id in column {
            counts[id as usize] += 1;
        }
        counts
    }

    pub fn id(&mut self, key: &'a str) -> u32 {
        let next = u32::try_from(self.ids.len()).expect("fewer than 2³² distinct keys");
        *self.ids.entry(key).or_insert(next)
    }

    /// Ids of a column. A key equal to the one before it (rows of one statement,
    /// one vendor, a blank column) is not looked up again.
    pub fn ids(&mut self, keys: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
        let mut last: Option<(&str, u32)> = None;
        keys.into_iter()
            .map(|k| match last {
                Some((l, id)) if l == k => id,
                _ => {
                    let id = self.id(k);
                    last = Some((k, id));
                    id
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_an_id_and_different_texts_do_not() {
        let mut k = Keys::default();
        let ids = k.ids(["A", "B", "A", "", "b"]);
        assert_eq!(ids[0], ids[2]);
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 4);
        assert_eq!(k.distinct(), 4);
        assert_eq!(k.counts(&ids)[ids[0] as usize], 2);
    }
}
