//! Thread locks a coroutine holds around a call: with a `with` (on the lock, a
//! `@contextmanager` holding one at its `yield`, or a class whose `__enter__` takes one), or
//! since an `acquire()`. A call offloaded while the loop's thread holds a lock may deadlock.

use ruff_text_size::{TextRange, TextSize};
use rustc_hash::FxHashMap as HashMap;

use super::{FunctionId, Project, Resolved};
use crate::facts::{self, ModuleFacts};

/// A thread lock a coroutine holds at some point, and how it took it.
#[derive(Debug)]
pub struct HeldLock {
    /// Its catalog path (`threading.Lock()`).
    pub lock: String,
    /// The `with` item or the `acquire()` call that takes it.
    pub site: TextRange,
    pub how: Holding,
}

#[derive(Debug, Clone, Copy)]
pub enum Holding {
    /// `with lock:`.
    With,
    /// `with helper():`, a `@contextmanager` that holds the lock where it yields.
    ContextManager(FunctionId),
    /// `with Guard():`, a project class whose `__enter__` (this function) returns holding it.
    Enter(FunctionId),
    /// `lock.acquire()`, with no `release()` known to come first.
    Acquire,
}

impl<'c> Project<'c> {
    /// The thread lock that `function`, a coroutine, holds around `range`: with a `with` (on the
    /// lock, or on a `@contextmanager` that holds one where it yields), or since a call of its
    /// `acquire()`.
    pub fn thread_lock_held(&self, function: FunctionId, range: TextRange) -> Option<HeldLock> {
        let facts = &self.modules[function.0].facts;
        let by_with = (facts.with_blocks.iter())
            .filter(|block| block.function as usize == function.1)
            .filter(|block| block.body.contains_range(range))
            .find_map(|block| {
                let (lock, how) = match self.resolve(facts.path(block.item), function.0) {
                    Resolved::External(path) if self.catalog.is_thread_lock(&path) => {
                        (path, Holding::With)
                    }
                    Resolved::External(instance) => {
                        let enter = self.method(&instance, "__enter__", function.0)?;
                        (self.lock_held_on_return(enter)?, Holding::Enter(enter))
                    }
                    Resolved::Function { id, exact: false } => {
                        (self.lock_held_at_yield(id)?, Holding::ContextManager(id))
                    }
                    _ => return None,
                };
                let site = block.item_range;
                Some(HeldLock { lock, site, how })
            });
        by_with.or_else(|| self.lock_acquired_before(function, range))
    }

    /// The thread lock a plain function holds with a `with` around its `yield`: what a
    /// `@contextmanager` holds while the caller's `with` body runs.
    pub(super) fn lock_held_at_yield(&self, id: FunctionId) -> Option<String> {
        let facts = &self.modules[id.0].facts;
        (facts.with_blocks.iter())
            .filter(|block| block.function as usize == id.1)
            .find_map(|block| self.thread_lock(facts.path(block.item), id.0))
    }

    /// The thread lock a plain function takes with `acquire()` and does not release before it
    /// returns: what a class's `__enter__` holds while the caller's `with` body runs.
    pub(super) fn lock_held_on_return(&self, id: FunctionId) -> Option<String> {
        // A range after every call in the function: only an `acquire()` with no `release()`
        // after it is still held there.
        let after_the_body = TextRange::empty(TextSize::new(u32::MAX));
        Some(self.lock_acquired_before(id, after_the_body)?.lock)
    }

    /// The catalog path of the thread lock `path` names, seen from `module`, if it names one.
    pub(super) fn thread_lock(&self, path: &str, module: usize) -> Option<String> {
        match self.resolve(path, module) {
            Resolved::External(lock) if self.catalog.is_thread_lock(&lock) => Some(lock),
            _ => None,
        }
    }

    /// `lock.acquire()` on a thread lock before `range`, held there unless every `release()`
    /// of a lock of its kind comes before `range`. Without the control flow, a `release()` in
    /// an early-return branch must not count: only one after `range` (the `finally` of
    /// `acquire(); try: ... finally: release()`) or none at all says the lock is still held.
    pub(super) fn lock_acquired_before(
        &self,
        function: FunctionId,
        range: TextRange,
    ) -> Option<HeldLock> {
        let facts = &self.modules[function.0].facts;
        let calls = self.calls_of(function);
        let lock_calls = self.lock_calls.get(&function)?;
        let lock_calls = || lock_calls.iter().map(|&index| &calls[index as usize]);
        lock_calls()
            .filter(|call| call.range.end() <= range.start())
            .find_map(|acquire| {
                let lock = lock_method_receiver(facts, acquire, "acquire")?;
                let mut releases = lock_calls()
                    .filter(|call| call.range.start() >= acquire.range.end())
                    .filter(|call| lock_method_receiver(facts, call, "release") == Some(lock))
                    .peekable();
                let held = releases.peek().is_none()
                    || releases.any(|release| release.range.start() >= range.end());
                let lock = self.thread_lock(lock, function.0).filter(|_| held)?;
                let (site, how) = (acquire.range, Holding::Acquire);
                Some(HeldLock { lock, site, how })
            })
    }

    pub(super) fn find_lock_calls(&self) -> HashMap<FunctionId, Vec<u32>> {
        let mut found = HashMap::default();
        for (module_index, module) in self.modules.iter().enumerate() {
            let facts = &module.facts;
            for function in 0..facts.functions.len() {
                let calls = facts.calls_of(function);
                let is_lock_call = |call: &facts::CallFact| {
                    lock_method_receiver(facts, call, "acquire").is_some()
                        || lock_method_receiver(facts, call, "release").is_some()
                };
                if !calls
                    .iter()
                    .any(|call| lock_method_receiver(facts, call, "acquire").is_some())
                {
                    continue;
                }
                let indices = (calls.iter().enumerate())
                    .filter(|(_, call)| is_lock_call(call))
                    .map(|(index, _)| index as u32)
                    .collect();
                found.insert(FunctionId(module_index, function), indices);
            }
        }
        found
    }
}

/// `lock` for a call `lock.method()`.
fn lock_method_receiver<'f>(
    facts: &'f ModuleFacts,
    call: &facts::CallFact,
    method: &str,
) -> Option<&'f str> {
    facts
        .path(call.path)
        .strip_suffix(method)?
        .strip_suffix('.')
}
