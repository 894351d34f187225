// Millions of small allocations made and freed on every core: mimalloc takes them
// faster than the system allocator and gives memory back as well (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    recon::cli::main()
}
