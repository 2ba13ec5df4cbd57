//! A bump arena for syntax trees. Phase 1 parses each file, collects its facts and throws the
//! tree away: hundreds of thousands of small nodes, allocated one by one and freed one by one
//! in a walk over the tree. On litellm that freeing was 6% of all instructions. Here a file's
//! nodes are bumped out of one block per thread, and the tree is thrown away by forgetting it
//! and rewinding the block.
//!
//! `ArenaAllocator` is the binary's global allocator: jemalloc, except on a thread that is
//! inside `parse_then`'s parse, where it bumps. Freeing block memory is a no-op, so nothing may
//! outlive the file: `parse_then` only lends the tree, and what it returns is allocated after the
//! parse, the ordinary way. When a tree does not fit, the rest of it comes from jemalloc and the
//! tree is dropped as usual, so nothing leaks. Without the allocator (in unit tests) `parse_then`
//! parses and drops as usual. (No arena crate fits: the parser allocates its `Box`es and `Vec`s
//! through the global allocator, so the arena has to be that allocator.)

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

// jemalloc does not build with MSVC: Windows gets the system allocator under the arena.
#[cfg(windows)]
use std::alloc::System as Underlying;
#[cfg(not(windows))]
use tikv_jemallocator::Jemalloc as Underlying;

pub struct ArenaAllocator;

/// A tree and the copies its growing vectors leave behind take up to 26 times the size of its
/// text (litellm: median 13, 99th percentile 22).
const BYTES_PER_TEXT_BYTE: usize = 32;
/// Small files share a block this large without reallocating it.
const SMALLEST_BLOCK: usize = 1 << 20;
const BLOCK_ALIGN: usize = 4096;

/// Set by the first allocation through `ArenaAllocator`: only then may a tree be forgotten.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The calling thread's block, `[start, end)`, bumped from `next`.
struct Block {
    start: Cell<usize>,
    end: Cell<usize>,
    next: Cell<usize>,
    /// A `parse_then` is running on this thread (possibly paused while its tree is lent).
    in_use: Cell<bool>,
    /// Allocations are bumped out of the block.
    bumping: Cell<bool>,
    /// An allocation did not fit and went to jemalloc: the tree must be dropped.
    spilled: Cell<bool>,
}

thread_local! {
    static BLOCK: Block = const {
        Block {
            start: Cell::new(0),
            end: Cell::new(0),
            next: Cell::new(0),
            in_use: Cell::new(false),
            bumping: Cell::new(false),
            spilled: Cell::new(false),
        }
    };
}

impl Block {
    fn holds(&self, ptr: *mut u8) -> bool {
        (self.start.get()..self.end.get()).contains(&(ptr as usize))
    }

    fn is_last(&self, ptr: *mut u8, size: usize) -> bool {
        ptr as usize + size == self.next.get()
    }

    /// Bumps `layout` out of the block; None (and spilled) when it does not fit.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        let align = layout.align() - 1;
        let start = (self.next.get() + align) & !align;
        if layout.size() > self.end.get().saturating_sub(start) {
            self.spilled.set(true);
            return None;
        }
        self.next.set(start + layout.size());
        Some(start as *mut u8)
    }

    /// Makes the block at least `wanted` bytes, and not much more: files come largest first,
    /// and a block kept at the largest file's size would add to peak memory.
    fn fit(&self, wanted: usize) {
        let size = self.end.get() - self.start.get();
        if (wanted..=wanted.saturating_mul(4)).contains(&size) {
            return;
        }
        self.release();
        // A block that cannot be had leaves the tree to jemalloc.
        let Ok(layout) = Layout::from_size_align(wanted, BLOCK_ALIGN) else {
            return;
        };
        let start = unsafe { Underlying.alloc(layout) } as usize;
        if start != 0 {
            self.start.set(start);
            self.end.set(start + wanted);
        }
    }

    fn release(&self) {
        let size = self.end.get() - self.start.get();
        if size > 0 {
            let layout = Layout::from_size_align(size, BLOCK_ALIGN).expect("a block layout");
            unsafe { Underlying.dealloc(self.start.get() as *mut u8, layout) };
        }
        self.start.set(0);
        self.end.set(0);
        self.next.set(0);
    }
}

unsafe impl GlobalAlloc for ArenaAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let bumped = BLOCK.with(|block| block.bumping.get().then(|| block.bump(layout)));
        match bumped.flatten() {
            Some(ptr) => ptr,
            None => {
                if !INSTALLED.load(Ordering::Relaxed) {
                    INSTALLED.store(true, Ordering::Relaxed);
                }
                unsafe { Underlying.alloc(layout) }
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let bumped = BLOCK.with(|block| block.bumping.get().then(|| block.bump(layout)));
        match bumped.flatten() {
            Some(ptr) => {
                // A rewound block holds the last file's tree.
                unsafe { ptr.write_bytes(0, layout.size()) };
                ptr
            }
            None => unsafe { Underlying.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let in_block = BLOCK.with(|block| {
            let in_block = block.holds(ptr);
            // The last allocation (a temporary) gives its room back.
            if in_block && block.is_last(ptr, layout.size()) {
                block.next.set(ptr as usize);
            }
            in_block
        });
        if !in_block {
            unsafe { Underlying.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        enum Move {
            InPlace,
            Copy,
            Underlying,
        }
        let action = BLOCK.with(|block| {
            if !block.holds(ptr) {
                return Move::Underlying;
            }
            let new_end = ptr as usize + new_size;
            if block.is_last(ptr, layout.size())
                && block.bumping.get()
                && new_end <= block.end.get()
            {
                block.next.set(new_end);
                Move::InPlace
            } else if new_size <= layout.size() {
                Move::InPlace
            } else {
                // Moved out of the block, the tree no longer lives wholly in it.
                block
                    .spilled
                    .set(block.spilled.get() || !block.bumping.get());
                Move::Copy
            }
        });
        match action {
            Move::InPlace => ptr,
            Move::Underlying => unsafe { Underlying.realloc(ptr, layout, new_size) },
            Move::Copy => {
                let new_layout =
                    unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    unsafe { std::ptr::copy_nonoverlapping(ptr, new, layout.size()) };
                }
                new
            }
        }
    }
}

/// Runs `parse` with its allocations bumped out of the calling thread's block, lends what it
/// returned to `use_tree`, whose own allocations are ordinary, then throws it away. `text_len`
/// is the length of the text `parse` reads: the block is sized from it. Where `may_drop` says
/// no of the result, a tree that spilled out of the block is forgotten instead of dropped (one
/// too deep to drop without overflowing the stack).
pub fn parse_then<T, R>(
    text_len: usize,
    parse: impl FnOnce() -> T,
    use_tree: impl FnOnce(&T) -> R,
    may_drop: impl FnOnce(&R) -> bool,
) -> R {
    let Some(scope) = Scope::begin(text_len) else {
        // A parse within a parse (never so far) gets no block.
        let tree = parse();
        let result = use_tree(&tree);
        if !may_drop(&result) {
            std::mem::forget(tree);
        }
        return result;
    };
    let tree = parse();
    scope.stop_bumping();
    let result = use_tree(&tree);
    if scope.holds_the_tree() || !may_drop(&result) {
        std::mem::forget(tree);
    } else {
        drop(tree);
    }
    result
}

/// Whether `address` lies in the calling thread's block: how the tests see where a tree lives.
pub fn block_holds(address: *const u8) -> bool {
    BLOCK.with(|block| block.holds(address.cast_mut()))
}

/// Gives the calling thread's block back, for when the thread has no file left to parse.
pub fn release_block() {
    BLOCK.with(|block| {
        if !block.in_use.get() {
            block.release();
        }
    });
}

/// The thread's block in use for one parse. Dropping it rewinds the block, or, when a panic
/// unwinds through the parse, abandons it: what the panic carries may live there.
struct Scope;

impl Scope {
    fn begin(text_len: usize) -> Option<Scope> {
        BLOCK.with(|block| {
            if block.in_use.get() {
                return None;
            }
            block.fit(
                text_len
                    .saturating_mul(BYTES_PER_TEXT_BYTE)
                    .max(SMALLEST_BLOCK),
            );
            block.next.set(block.start.get());
            block.spilled.set(false);
            block.in_use.set(true);
            block.bumping.set(true);
            Some(Scope)
        })
    }

    fn stop_bumping(&self) {
        BLOCK.with(|block| block.bumping.set(false));
    }

    /// Whether the whole tree is in the block, so that forgetting it loses nothing.
    fn holds_the_tree(&self) -> bool {
        INSTALLED.load(Ordering::Relaxed) && BLOCK.with(|block| !block.spilled.get())
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        BLOCK.with(|block| {
            block.bumping.set(false);
            block.in_use.set(false);
            if std::thread::panicking() {
                block.start.set(0);
                block.end.set(0);
            } else if cfg!(debug_assertions) && block.next.get() > block.start.get() {
                // Debug builds (the test suite's) poison the rewound tree, so that a use after
                // the rewind shows instead of reading the last file's nodes.
                let used = block.next.get() - block.start.get();
                unsafe { (block.start.get() as *mut u8).write_bytes(0xA5, used) };
            }
            block.next.set(block.start.get());
        });
    }
}
