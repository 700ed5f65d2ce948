//! The `flotilla` binary: everything lives in the library; this only hands
//! over to the CLI, which prints errors once and picks the exit code.

fn main() -> std::process::ExitCode {
    flotilla::cli::main()
}
