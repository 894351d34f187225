// Millions of small allocations made and freed on every core: mimalloc takes them
// faster than the system allocator (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc.h (v3): milliseconds freed memory is kept
/// before it goes back to the system. The bindings name no constant for it; the
/// test below checks the number against the option's documented default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// No transparent huge pages for this process. mimalloc asks for them on its
/// arenas; where the kernel then has to find (and compact) 2 MB of contiguous
/// memory on a page fault, a million-line run spent 2.5–5 s in the kernel instead
/// of ~1 s (docs/PERFORMANCE.md), and held more memory.
#[cfg(target_os = "linux")]
fn no_transparent_huge_pages() {
    // SAFETY: prctl(PR_SET_THP_DISABLE) takes integers only and changes nothing
    // but this process's page-fault policy; if refused, the run goes on as before.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> std::process::ExitCode {
    #[cfg(target_os = "linux")]
    no_transparent_huge_pages();
    // Memory a stage frees goes back to the system after 100 ms rather than a
    // second, so the peak is close to what a run holds at once rather than all it
    // ever touched; not sooner, or the next stage faults the same pages in again
    // (a million-line run: 1.84 s / 470 MB at 1 s, 1.89 s / 430 MB at 100 ms,
    // 2.03 s / 395 MB at 10 ms; docs/PERFORMANCE.md).
    // MIMALLOC_PURGE_DELAY, when set, is the operator's choice and kept.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets a plain integer option; mimalloc reads options atomically.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 100) };
    }
    recon::cli::main()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads a plain integer option.
        let default = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(
            default, 1000,
            "mimalloc's purge_delay is not option 15 any more"
        );
    }
}
