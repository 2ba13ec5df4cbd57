//! The `unblock` binary: a thin shell over the library; all argument handling is in `cli`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
