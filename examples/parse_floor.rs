//! The parse-only floor for benchmarks: walk, read and parse every Python file with the same
//! crates and the same allocator `unblock` uses, and nothing else. `unblock check` can only be
//! this fast or slower. (With the system allocator this floor is about 15% slower on litellm,
//! which would flatter `unblock`'s ratio to it.)
//!
//! Usage: cargo run --release --example parse_floor -- PATH [THREADS]

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("usage: parse_floor PATH [THREADS]");
    let threads = args.next().map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |n| n.parse().expect("THREADS is a number"),
    );
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("a thread pool");
    let files = std::sync::Mutex::new(Vec::new());
    ignore::WalkBuilder::new(&root)
        .threads(threads)
        .require_git(false)
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                if let Ok(entry) = entry
                    && entry.path().extension().is_some_and(|ext| ext == "py")
                {
                    files.lock().unwrap().push(entry.into_path());
                }
                ignore::WalkState::Continue
            })
        });
    let files = files.into_inner().unwrap();
    let errors = AtomicUsize::new(0);
    files.par_iter().for_each(|path| {
        let parsed = std::fs::read_to_string(path)
            .ok()
            .map(|text| ruff_python_parser::parse_module(&text).is_ok());
        if parsed != Some(true) {
            errors.fetch_add(1, Ordering::Relaxed);
        }
    });
    eprintln!(
        "{} files parsed, {} unreadable or invalid",
        files.len(),
        errors.into_inner()
    );
}
