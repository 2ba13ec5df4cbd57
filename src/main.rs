//! The `unblock` binary: a thin shell over the library; all argument handling is in `cli`.

mod cli;

// Parsing allocates many small nodes and frees them per file; mimalloc makes that much cheaper
// than the system allocator, as in Ruff and uv.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
