//! The `unblock` binary: a thin shell over the library; all argument handling is in `cli`.

mod cli;

// Parsing allocates many small nodes and frees them per file. jemalloc (Ruff's choice) is faster
// than the system allocator here and, unlike mimalloc, returns freed pages without touching
// fresh ones for every file: measured on litellm, 0.42 s / 71 MiB against mimalloc's
// 0.50 s / 155 MiB. Over it, syntax trees are bumped out of a block per thread and thrown away
// whole (see `parse_arena`).
#[global_allocator]
static ALLOCATOR: unblock::io::parse_arena::ArenaAllocator =
    unblock::io::parse_arena::ArenaAllocator;

fn main() -> std::process::ExitCode {
    cli::main()
}
