//! Text keys (order, statement, document numbers) as dense `u32` ids, made once
//! per check: joins and groups then work on integers (in polars, or as walks
//! over arrays indexed by id: `Chains`) instead of millions of copied strings.
//! Equal texts get equal ids, so a join on ids is the join on the texts.
//!
//! The keys are split in two halves by a hash of their text, each half with its
//! own table: a column is given its ids by two threads at once, each looking up
//! only the keys of its half. A key's id is `2 × (its number in its half) + half`.

use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// One half of the keys: an open-addressed table of their numbers, and where
/// each was first read, in number order. Linear probing over slots of 8 bytes
/// (`hash << 32 | number + 1`, 0 empty): a slot's full hash tells a key from
/// its neighbours without reading their texts, and a table that grows needs no
/// text to place its keys again.
#[derive(Default)]
struct Half {
    slots: Vec<u64>,
    /// `column << ROW_BITS | row` of each key's first reading: 4 bytes a key
    /// where its `&str` took 16. The text is read again from the column.
    at: Vec<u32>,
}

/// Rows of a column a key's place can name; the bits above name the column.
const ROW_BITS: u32 = 29;
const COLUMNS: usize = 1 << (32 - ROW_BITS);

/// The columns keys were read from, by number: `f(row)` is the key's text.
type Column<'k> = Box<dyn Fn(usize) -> &'k str + Sync + 'k>;

fn text<'k>(columns: &[Column<'k>], at: u32) -> &'k str {
    columns[(at >> ROW_BITS) as usize]((at & ((1 << ROW_BITS) - 1)) as usize)
}

/// Keys as ids. `'k`: how long the columns given to `ids_of` are borrowed.
#[derive(Default)]
pub struct Keys<'k> {
    halves: [Half; 2],
    columns: Vec<Column<'k>>,
}

/// A key's hash in 32 bits (the high half of FxHash's, its best mixed).
fn hash(key: &str) -> u32 {
    (FxBuildHasher.hash_one(key) >> 32) as u32
}

/// The 64 bits a slot is picked by, spread from the 32 (their high bits).
fn spread(hash: u32) -> u64 {
    u64::from(hash).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The half a key belongs to: the top bit of its hash.
fn half_of(hash: u32) -> usize {
    (hash >> 31) as usize
}

/// Keys looked up together (see `ids_at`).
const BATCH: usize = 16;

impl Half {
    fn with_capacity(n: usize) -> Self {
        Self {
            slots: vec![0; Self::slots_for(n)],
            at: Vec::with_capacity(n),
        }
    }

    /// Slots for `n` keys: at most 4 in 5 of them full, a power of two.
    fn slots_for(n: usize) -> usize {
        (n + n / 4).next_power_of_two().max(16)
    }

    /// The slot a hash's probe starts from.
    fn home(&self, hash: u32) -> usize {
        (spread(hash) >> (64 - self.slots.len().trailing_zeros())) as usize
    }

    /// The slot a lookup of `hash` reads first (to have it in cache before).
    fn first_slot(&self, hash: u32) -> u64 {
        self.slots.get(self.home(hash)).copied().unwrap_or(0)
    }

    /// The place of the key a slot holds, if its hash is `hash`.
    fn place_in(&self, slot: u64, hash: u32) -> Option<u32> {
        (slot != 0 && (slot >> 32) as u32 == hash).then(|| self.at[(slot as u32 - 1) as usize])
    }

    /// The id (`2 × number + half`) of `key`, read at `here`; given now if it
    /// has none yet.
    fn id(&mut self, half: usize, key: &str, hash: u32, here: u32, columns: &[Column]) -> u32 {
        if (self.at.len() + 1) * 8 > self.slots.len() * 7 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(hash);
        let number = loop {
            let slot = self.slots[i];
            if slot == 0 {
                let n = u32::try_from(self.at.len())
                    .ok()
                    .filter(|n| *n < 1 << 31)
                    .expect("fewer than 2³¹ keys per half");
                self.slots[i] = u64::from(hash) << 32 | u64::from(n + 1);
                self.at.push(here);
                break n;
            }
            if (slot >> 32) as u32 == hash {
                let n = slot as u32 - 1;
                if text(columns, self.at[n as usize]) == key {
                    break n;
                }
            }
            i = (i + 1) & mask;
        };
        2 * number + half as u32
    }

    /// Twice the slots, every key placed again by the hash its slot holds.
    fn grow(&mut self) {
        let twice = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![0; twice]);
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|&s| s != 0) {
            let mut i = self.home((slot >> 32) as u32);
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }
}

impl<'k> Keys<'k> {
    pub fn with_capacity(n: usize) -> Self {
        let half = || Half::with_capacity(n / 2 + n / 16);
        Self {
            halves: [half(), half()],
            columns: Vec::new(),
        }
    }

    /// Every id given so far is below this.
    pub fn id_bound(&self) -> usize {
        2 * self.halves[0].at.len().max(self.halves[1].at.len())
    }

    /// Whether each id occurs more than once in `column`, indexed by id: one
    /// byte an id, where counts took four.
    pub fn repeated(&self, column: &[u32]) -> Vec<bool> {
        let mut seen = vec![0u8; self.id_bound()];
        for &id in column {
            let n = &mut seen[id as usize];
            *n = n.saturating_add(1);
        }
        seen.into_iter().map(|n| n > 1).collect()
    }

    /// Ids of a column, in order.
    #[cfg(test)]
    pub fn ids(&mut self, keys: impl IntoIterator<Item = &'k str>) -> Vec<u32> {
        let keys: Vec<&'k str> = keys.into_iter().collect();
        self.ids_of(keys.len(), move |i| keys[i])
    }

    /// Ids of the column `key(0) .. key(n − 1)`, given by two threads, one per
    /// half (see `ids_at`).
    pub fn ids_of(&mut self, n: usize, key: impl Fn(usize) -> &'k str + Sync + 'k) -> Vec<u32> {
        self.ids_at(n, n, |i| i, key)
    }

    /// Ids of the keys `key(place(0)) .. key(place(n − 1))`, where `key` reads a
    /// column of `places` rows (every `place(i)` below it) and `place` picks
    /// some of them: a key is remembered by its place, so reading it back costs
    /// one lookup in the column, not two. Every key's half is found first, on
    /// every core (a bit a key: its hash is made again by its half's thread,
    /// cheaper than holding 4 bytes a key at the checks' peak); each half's
    /// thread then reads only its own keys. A key equal to the one before it
    /// (rows of one statement, one vendor, a blank column) is not looked up
    /// again. The column is kept (borrowed, not copied) to read a key's text
    /// again.
    pub fn ids_at(
        &mut self,
        n: usize,
        places: usize,
        place: impl Fn(usize) -> usize + Sync,
        key: impl Fn(usize) -> &'k str + Sync + 'k,
    ) -> Vec<u32> {
        use rayon::prelude::*;
        use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
        let column = self.columns.len();
        assert!(column < COLUMNS, "at most {COLUMNS} key columns");
        assert!(
            places < 1 << ROW_BITS,
            "fewer than 2^{ROW_BITS} keys a column"
        );
        self.columns.push(Box::new(key));
        let Keys { halves, columns } = self;
        let columns: &[Column<'k>] = columns;
        let key = &columns[column];
        let halves_of: Vec<u64> = (0..n.div_ceil(64))
            .into_par_iter()
            .with_min_len(1 << 8)
            .map(|w| {
                (w * 64..(w * 64 + 64).min(n))
                    .filter(|&i| half_of(hash(key(place(i)))) == 1)
                    .fold(0u64, |bits, i| bits | 1 << (i % 64))
            })
            .collect();
        let half_at = |i: usize| (halves_of[i / 64] >> (i % 64)) as usize & 1;
        // One column both threads write, each only the slots of its half.
        let out: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
        let [first, second] = halves;
        let base = (column as u32) << ROW_BITS;
        // A lookup is three reads that miss the cache one after the other (its
        // slot, the place of the key there, that key's text): they are made
        // for a batch of keys first, independent of each other so that their
        // misses overlap, and the lookups then find what they read in cache.
        let run = |half: usize, table: &mut Half| {
            let mut last: Option<(&str, u32)> = None;
            let mut batch: Vec<(usize, usize, &str, u32)> = Vec::with_capacity(BATCH);
            let mut mine = (0..n).filter(|&i| half_at(i) == half).peekable();
            while mine.peek().is_some() {
                batch.clear();
                batch.extend(mine.by_ref().take(BATCH).map(|i| {
                    let at = place(i);
                    assert!(at < places, "a place beyond the column");
                    let k = key(at);
                    (i, at, k, hash(k))
                }));
                let mut slots = [0u64; BATCH];
                for (s, &(.., h)) in slots.iter_mut().zip(&batch) {
                    *s = table.first_slot(h);
                }
                let mut found = [None; BATCH];
                for ((f, &s), &(.., h)) in found.iter_mut().zip(&slots).zip(&batch) {
                    *f = table.place_in(s, h);
                }
                for f in found.iter().flatten() {
                    std::hint::black_box(text(columns, *f).as_ptr());
                }
                for &(i, at, k, h) in &batch {
                    let id = match last {
                        Some((l, id)) if l == k => id,
                        _ => {
                            let id = table.id(half, k, h, base | at as u32, columns);
                            last = Some((k, id));
                            id
                        }
                    };
                    out[i].store(id, Relaxed);
                }
            }
        };
        rayon::join(|| run(0, first), || run(1, second));
        // Collected in place: the same allocation, read as plain integers.
        out.into_iter().map(AtomicU32::into_inner).collect()
    }
}

/// The rows of each id of a column, in row order: the ids are dense, so a join
/// on them is a walk from an array slot instead of a hash table. 4 bytes per id
/// and 4 per row, where polars' join on the same ids held its partitioned copies
/// and tables (docs/PERFORMANCE.md).
pub struct Chains {
    first: Vec<u32>,
    next: Vec<u32>,
}

const END: u32 = u32::MAX;

impl Chains {
    /// `bound`: every id of `column` is below it (`Keys::id_bound`).
    pub fn of(column: &[u32], bound: usize) -> Self {
        let mut first = vec![END; bound];
        let mut next = vec![END; column.len()];
        // Backwards, so that each chain runs in row order.
        for (row, &id) in column.iter().enumerate().rev() {
            let slot = &mut first[id as usize];
            next[row] = *slot;
            *slot = u32::try_from(row).expect("fewer than 2³² rows");
        }
        Self { first, next }
    }

    /// The rows whose id is `id`, in row order (none for an id the column lacks).
    pub fn rows(&self, id: u32) -> impl Iterator<Item = usize> + '_ {
        let mut at = self.first.get(id as usize).copied().unwrap_or(END);
        std::iter::from_fn(move || {
            (at != END).then(|| {
                let row = at as usize;
                at = self.next[row];
                row
            })
        })
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
        assert!(ids.iter().all(|&id| (id as usize) < k.id_bound()));
        let repeated = k.repeated(&ids);
        assert!(repeated[ids[0] as usize] && !repeated[ids[1] as usize]);
    }

    #[test]
    fn ids_given_by_two_threads_are_the_ids_given_one_by_one() {
        let texts: Vec<String> = (0..20_000).map(|i| format!("D{}", i % 7_001)).collect();
        let mut both = Keys::with_capacity(10);
        let fast = both.ids_of(texts.len(), |i| texts[i].as_str());
        // The same keys again, one by one, after: the ids already given.
        let again = both.ids(texts.iter().map(String::as_str));
        assert_eq!(fast, again);
        // Equal texts, equal ids; different texts, different ids.
        let mut seen = std::collections::HashMap::new();
        for (t, id) in texts.iter().zip(&fast) {
            assert_eq!(*seen.entry(id).or_insert(t), t);
        }
        assert_eq!(seen.len(), 7_001);
        assert!(fast.iter().all(|&id| (id as usize) < both.id_bound()));
    }

    #[test]
    fn keys_of_one_hash_keep_their_own_ids_through_growth() {
        let texts: Vec<String> = (0..100).map(|i| format!("K{i}")).collect();
        let columns: Vec<Column> = vec![Box::new(|i| texts[i].as_str())];
        let mut half = Half::default();
        // Every key with the same hash: told apart by their texts alone, and
        // placed again by that hash as the table grows from 16 slots.
        let ids: Vec<u32> = (0..texts.len())
            .map(|i| half.id(0, &texts[i], 7, i as u32, &columns))
            .collect();
        assert_eq!(ids, (0..100).map(|n| 2 * n).collect::<Vec<_>>());
        assert!(half.slots.len() >= 128);
        for (i, t) in texts.iter().enumerate().rev() {
            assert_eq!(half.id(0, t, 7, 999, &columns), ids[i]);
        }
        assert_eq!(half.at.len(), 100);
    }

    #[test]
    fn keys_picked_by_place_get_the_ids_of_their_texts() {
        let column = ["A", "x", "B", "y", "A"];
        let picked = [0usize, 2, 4];
        let mut k = Keys::default();
        let ids = k.ids_at(picked.len(), column.len(), |i| picked[i], |p| column[p]);
        assert_eq!(ids[0], ids[2]);
        assert_ne!(ids[0], ids[1]);
        // Read back from its place: the same texts find the same ids.
        let again = k.ids(["B", "A", "x"]);
        assert_eq!(&again[..2], &[ids[1], ids[0]]);
        assert!(again[2] != ids[0] && again[2] != ids[1]);
    }

    #[test]
    fn chains_list_the_rows_of_each_id_in_row_order() {
        let mut k = Keys::default();
        let ids = k.ids(["A", "B", "A", "C", "A"]);
        let other = k.ids(["D"])[0];
        let chains = Chains::of(&ids, k.id_bound());
        assert_eq!(chains.rows(ids[0]).collect::<Vec<_>>(), vec![0, 2, 4]);
        assert_eq!(chains.rows(ids[1]).collect::<Vec<_>>(), vec![1]);
        assert_eq!(chains.rows(other).count(), 0);
        assert_eq!(chains.rows(u32::MAX - 1).count(), 0);
    }
}
