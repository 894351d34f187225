fn main() -> std::process::ExitCode {
    recon::cli::main()
}
