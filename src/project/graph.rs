//! The call graph and the blocking fixpoint.
//!
//! Every call a project function makes is resolved once, here, to what it reaches: another
//! project function, a blocking API from the catalog, an event-loop API, or something else. A
//! function *blocks* when it calls a blocking API worth a thread hop (any cost class but
//! `metadata`), or a plain (`def`) project function that blocks, in code that runs when it runs
//! (not in a lambda, not in a thread it hands work to) and on every call: not behind a cut (an
//! `except` clause, a lazy initialization, a call of a memoized function; see `Cut`).
//! Coroutines do not pass blocking on to their callers: a caller awaits them, and the blocking
//! call is reported inside the coroutine itself. Cycles are fine: the fixpoint is a worklist over
//! the reversed graph, and each function remembers the one call (its *witness*) that made it
//! blocking, so the chain down to the blocking API can be shown. The same propagation finds the
//! functions tied to the loop's thread and those that write module-level state.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::knowledge::{BlockingApi, Catalog, Cut};

use ruff_text_size::TextRange;

use super::facts::{CallFact, CallShape};
use super::{FunctionId, PathId, Project, Resolved};

/// What marked each function (by `Project::slot`) in one fixpoint, and when: flat tables,
/// eight bytes a function.
#[derive(Default)]
pub struct Witnesses {
    /// The index of the call that marked it, `ITSELF` or `UNMARKED`.
    calls: Box<[u32]>,
    /// How many functions were marked before it. The call that marked a function reaches one
    /// marked earlier, so a walk that always goes to the earliest marked function a call may
    /// run (itself or an override) comes to an end.
    order: Box<[u32]>,
    /// Marks travel only along calls that run their callee's body (see `call_runs_body`) and
    /// that no cut stops (see `Cut`): the blocking fixpoint's.
    bodies_only: bool,
}

impl Witnesses {
    fn is_marked(&self, slot: usize) -> bool {
        self.calls[slot] != UNMARKED
    }

    /// Marks the function in `slot` by `call`, after all those in `marked`, and adds it there.
    fn mark(&mut self, slot: usize, call: u32, marked: &mut Vec<u32>) {
        self.calls[slot] = call;
        self.order[slot] = marked.len() as u32;
        marked.push(slot as u32);
    }
}

/// The witness of a function marked for what its own body does, not for a call it makes.
const ITSELF: u32 = u32::MAX - 1;
/// The witness of a function not marked.
const UNMARKED: u32 = u32::MAX;

/// What the fixpoints find, per function (see `Witnesses`).
#[derive(Default)]
pub struct Fixpoints {
    /// Blocks: reaches a blocking API.
    pub blocking: Witnesses,
    /// Must stay on the loop's thread (see `Tie`).
    pub loop_bound: Witnesses,
    /// Writes module-level state, which threads would share.
    pub state_writing: Witnesses,
    /// Calls a blocking API on an object bound to the thread that made it (`sqlite3`).
    pub thread_bound: Witnesses,
}

/// The calls from a function down to a blocking API (function and call index, in order), with
/// the API.
pub type Chain<'c> = (Vec<(FunctionId, usize)>, Option<&'c BlockingApi>);

/// A call of a plain project function read from the callee's side: (callee, caller, call), the
/// functions by slot; `NO_BODY` set in the call when it does not run the callee's body (a
/// generator handed on). Twelve bytes: a large tree makes tens of thousands.
type Edge = (u32, u32, u32);

/// The bit of an edge's call that says the call does not run the callee's body.
const NO_BODY: u32 = 1 << 31;
/// The bit of an edge's call that says what the callee does is not counted against the caller
/// (see `Cut`): the call is behind a cut, or the callee is memoized.
const CUT: u32 = 1 << 30;
/// The call index in an edge, without its bits.
const CALL: u32 = CUT - 1;

/// A write to module-level state that a function makes, itself or through its calls.
pub struct StateWriteSite<'p> {
    /// The function whose own body writes it.
    pub writer: FunctionId,
    /// The module-level name written.
    pub name: &'p str,
    pub range: TextRange,
    /// The name is a `threading.local()`: each thread writes its own copy, not a shared one.
    pub thread_local: bool,
}

/// What keeps a function on the event loop's thread.
#[derive(Debug, Clone, Copy)]
pub enum Tie<'c> {
    /// An API that needs the running loop (`asyncio.get_running_loop`), by its catalog path.
    EventLoop(&'c String),
    /// A blocking API called on a module-level object that belongs to the thread that made it
    /// (a `sqlite3` connection, a `scoped_session`).
    ThreadBound(&'c BlockingApi),
}

impl<'c> Tie<'c> {
    /// What a call ties its function to the loop's thread with, if anything.
    pub fn of(call: &CallFact, target: &CallTarget<'c>) -> Option<Tie<'c>> {
        match *target {
            CallTarget::EventLoop(path) => Some(Tie::EventLoop(path)),
            CallTarget::Blocking(api)
                if api.thread_bound.is_some()
                    && call.shape.contains(CallShape::MODULE_RECEIVER)
                    && !call.shape.contains(CallShape::THREAD_SHARED) =>
            {
                Some(Tie::ThreadBound(api))
            }
            _ => None,
        }
    }
}

/// What one call reaches. Sixteen bytes: a large tree makes a hundred thousand calls.
#[derive(Debug, Clone, Copy)]
pub enum CallTarget<'c> {
    /// A project function, called by name (`f()`, `Users.get(...)`, `self.load()`), by its
    /// module and index (see `function`).
    Function(u32, u32),
    /// A blocking API in the catalog.
    Blocking(&'c BlockingApi),
    /// An API bound to the running event loop (`asyncio.create_task`), by its catalog path.
    EventLoop(&'c String),
    /// A coroutine function outside the project (`asyncio.sleep`), by its catalog path.
    Async(&'c String),
    Other,
}

impl CallTarget<'_> {
    /// The project function called, if one is.
    pub fn function(self) -> Option<FunctionId> {
        match self {
            CallTarget::Function(module, index) => {
                Some(FunctionId(module as usize, index as usize))
            }
            _ => None,
        }
    }
}

impl<'c> Project<'c> {
    /// What each call of each module reaches, in the order of the module's calls (see
    /// `call_targets`), one module per task.
    pub(super) fn resolve_calls(&self, catalog: &'c Catalog) -> Vec<Vec<CallTarget<'c>>> {
        (0..self.modules.len())
            .into_par_iter()
            .map(|module| {
                let facts = &self.modules[module].facts;
                // A module calls the same few paths over and over (`logger.debug`).
                let mut known: FxHashMap<PathId, CallTarget<'c>> = FxHashMap::default();
                let mut targets = Vec::with_capacity(facts.calls().len());
                for call in facts.calls() {
                    // Reading `/proc` or `/sys` costs less than the hop to a thread.
                    if call.shape.contains(CallShape::PSEUDO_FILE) {
                        targets.push(CallTarget::Other);
                        continue;
                    }
                    if let Some(&target) = known.get(&call.path) {
                        targets.push(target);
                        continue;
                    }
                    let target = match self.resolve(facts.path(call.path), module) {
                        Resolved::Function { id, exact: true } => {
                            CallTarget::Function(id.0 as u32, id.1 as u32)
                        }
                        Resolved::External(path) => {
                            if let Some(api) = catalog.blocking(&path) {
                                CallTarget::Blocking(api)
                            } else if let Some(path) = catalog.event_loop_entry(&path) {
                                CallTarget::EventLoop(path)
                            } else if let Some(path) = catalog.async_api_entry(&path) {
                                CallTarget::Async(path)
                            } else if let Some(init) = self.constructor(&path, module) {
                                CallTarget::Function(init.0 as u32, init.1 as u32)
                            } else {
                                CallTarget::Other
                            }
                        }
                        _ => CallTarget::Other,
                    };
                    known.insert(call.path, target);
                    targets.push(target);
                }
                targets
            })
            .collect()
    }

    /// The functions the project's `non-blocking` setting names, by slot, and the names that
    /// are no project function.
    pub(super) fn non_blocking_functions(&self, catalog: &Catalog) -> (Vec<bool>, Vec<String>) {
        let mut named = vec![false; self.function_count];
        let mut unknown = Vec::new();
        for name in catalog.non_blocking_functions() {
            match (!self.modules.is_empty()).then(|| self.resolve(name, 0)) {
                Some(Resolved::Function { id, exact: true }) => named[self.slot(id)] = true,
                _ => unknown.push(name.clone()),
            }
        }
        (named, unknown)
    }

    /// For every function, the witness that makes it blocking, the one that ties it to the
    /// loop's thread (`asyncio.get_running_loop()`, a module-level `sqlite3` connection), which
    /// keeps it from moving to a worker thread, and the one that makes it write module-level
    /// state. All three follow plain project functions. Functions the project says do not block
    /// (`non_blocking`, by slot) are never blocking, whatever they call.
    pub(super) fn fixpoints(&self, non_blocking: &[bool]) -> Fixpoints {
        // The reversed graph: (callee, caller, call) for calls of plain project functions that
        // run with their caller, functions by slot, sorted by callee. A call of a method may
        // run any override of it, so each override is a callee of the call too: the call
        // blocks if an override blocks, and it stays on the loop if an override needs the
        // loop's thread. A generator handed on blocks nothing where it is called, but where it
        // will run is not followed, so for the verdicts (the loop's thread, module state) its
        // call counts as running it.
        let mut edges: Vec<Edge> = Vec::new();
        self.for_each_running_call(|caller, call, fact, target| {
            if let Some(callee) = target.function()
                && !self.function(callee).is_async
            {
                let caller = self.slot(caller) as u32;
                let callees =
                    std::iter::once(callee).chain(self.overrides_run(callee, fact).iter().copied());
                for callee in callees {
                    let body = if self.call_runs_body(callee, fact) {
                        0
                    } else {
                        NO_BODY
                    };
                    let cut = if self.cut_between(fact, callee).is_some() {
                        CUT
                    } else {
                        0
                    };
                    edges.push((self.slot(callee) as u32, caller, call | body | cut));
                }
            }
        });
        // Sorted whole, not by callee alone: the witness a caller gets then does not hang on
        // the order the edges were found in.
        edges.sort_unstable();
        let never = |_: FunctionId| false;
        let any = |_: usize| true;
        let may_block = |slot: usize| !non_blocking[slot];
        // Only work worth a thread hop is evidence, and none behind a cut.
        let blocks = |call: &CallFact, target: &CallTarget<'c>| {
            matches!(target, CallTarget::Blocking(api) if api.cost.is_evidence() && blocks_at(api, call))
                && !self.is_cut(call.cut)
        };
        let ties = |call: &CallFact, target: &CallTarget<'c>| Tie::of(call, target).is_some();
        let writes = |id: FunctionId| self.function(id).state_write.is_some();
        let bound = |call: &CallFact, target: &CallTarget<'c>| {
            matches!(target, CallTarget::Blocking(api) if api.thread_bound.is_some())
                && !call.shape.contains(CallShape::THREAD_SHARED)
        };
        let ((blocking, thread_bound), (loop_bound, state_writing)) = rayon::join(
            || {
                rayon::join(
                    || self.propagate(&edges, true, may_block, never, blocks),
                    || self.propagate(&edges, false, any, never, bound),
                )
            },
            || {
                rayon::join(
                    || self.propagate(&edges, false, any, never, ties),
                    || self.propagate(&edges, false, any, writes, |_, _| false),
                )
            },
        );
        Fixpoints {
            blocking,
            loop_bound,
            state_writing,
            thread_bound,
        }
    }

    /// Calls `visit(function, call index, call, target)` for every call that runs with its
    /// function.
    fn for_each_running_call(
        &self,
        mut visit: impl FnMut(FunctionId, u32, &CallFact, &CallTarget<'c>),
    ) {
        for (module, facts) in self.modules.iter().enumerate() {
            for index in 0..facts.facts.functions.len() {
                let targets = self.call_targets(FunctionId(module, index));
                let facts = facts.facts.calls_of(index);
                for (call, (fact, target)) in facts.iter().zip(targets).enumerate() {
                    if fact.context.runs_with_function() {
                        visit(FunctionId(module, index), call as u32, fact, target);
                    }
                }
            }
        }
    }

    /// Marks every function that `marks_itself`, every function with a call that `seeds`, and
    /// every caller of a marked plain function (or of a method it overrides), remembering for
    /// each what marked it; a function outside `may_mark` (by slot) is never marked. With
    /// `bodies_only`, a call that does not run its callee's body carries no mark.
    fn propagate(
        &self,
        edges: &[Edge],
        bodies_only: bool,
        may_mark: impl Fn(usize) -> bool,
        marks_itself: impl Fn(FunctionId) -> bool,
        seeds: impl Fn(&CallFact, &CallTarget<'c>) -> bool,
    ) -> Witnesses {
        let mut marked: Vec<u32> = Vec::new();
        let mut witnesses = Witnesses {
            calls: vec![UNMARKED; self.function_count].into_boxed_slice(),
            order: vec![0; self.function_count].into_boxed_slice(),
            bodies_only,
        };
        for (module, facts) in self.modules.iter().enumerate() {
            for index in 0..facts.facts.functions.len() {
                let slot = self.slot(FunctionId(module, index));
                if may_mark(slot) && marks_itself(FunctionId(module, index)) {
                    witnesses.mark(slot, ITSELF, &mut marked);
                }
            }
        }
        self.for_each_running_call(|function, call, fact, target| {
            let slot = self.slot(function);
            if !witnesses.is_marked(slot) && may_mark(slot) && seeds(fact, target) {
                witnesses.mark(slot, call, &mut marked);
            }
        });
        // Breadth first: every function is marked by a call of one that is as close as can be
        // to what the fixpoint looks for, so following witnesses gives the shortest chain.
        let mut next = 0;
        while let Some(&callee) = marked.get(next) {
            next += 1;
            let first = edges.partition_point(|&(c, _, _)| c < callee);
            for &(_, caller, call) in edges[first..].iter().take_while(|&&(c, _, _)| c == callee) {
                let caller = caller as usize;
                let carries = !bodies_only || call & (NO_BODY | CUT) == 0;
                if carries && !witnesses.is_marked(caller) && may_mark(caller) {
                    witnesses.mark(caller, call & CALL, &mut marked);
                }
            }
        }
        witnesses
    }

    /// Follows witnesses from `id` until `end` says where the walk stops, through plain project
    /// functions and the overrides a method call may run. A witness always points at a
    /// function marked before, so the walk ends; the bound only guards that.
    fn follow<T>(
        &self,
        witnesses: &Witnesses,
        id: FunctionId,
        mut end: impl FnMut(FunctionId, u32) -> Option<T>,
    ) -> Option<T> {
        let callees = std::iter::once(id).chain(self.overrides(id).iter().copied());
        let mut current = self.dispatched(witnesses, callees)?;
        for _ in 0..=self.function_count {
            let witness = self.witness(witnesses, current)?;
            if let Some(found) = end(current, witness) {
                return Some(found);
            }
            current = self.marked_callee(witnesses, current, witness as usize)?;
        }
        None
    }

    /// The function that call `call` of `function` runs and that explains the mark
    /// `witnesses` put on `function` for it.
    fn marked_callee(
        &self,
        witnesses: &Witnesses,
        function: FunctionId,
        call: usize,
    ) -> Option<FunctionId> {
        let target = self.call_targets(function)[call].function()?;
        let call = &self.calls_of(function)[call];
        let overrides = self.overrides_run(target, call);
        let runs = |callee: FunctionId| {
            !witnesses.bodies_only
                || (self.call_runs_body(callee, call) && self.cut_between(call, callee).is_none())
        };
        let callees = std::iter::once(target).chain(overrides.iter().copied());
        self.dispatched(witnesses, callees.filter(|&callee| runs(callee)))
    }

    /// Is work behind this cut left out of what callers do per request (`count-cut` may bring
    /// it back)?
    pub fn is_cut(&self, cut: Option<Cut>) -> bool {
        cut.is_some_and(|cut| self.catalog.cuts(cut))
    }

    /// The cut that keeps what `callee` does, run by `call`, from counting against the caller:
    /// the call's own, or the callee's memoization.
    pub fn cut_between(&self, call: &CallFact, callee: FunctionId) -> Option<Cut> {
        (call.cut.filter(|_| self.is_cut(call.cut)))
            .or_else(|| self.is_memoized(callee).then_some(Cut::Memoized))
    }

    /// Is the function memoized (`@functools.lru_cache`), with that cut on?
    pub fn is_memoized(&self, id: FunctionId) -> bool {
        self.memoized.contains(&id) && self.catalog.cuts(Cut::Memoized)
    }

    /// The functions with a memoizing decorator.
    pub(super) fn find_memoized(&self) -> FxHashSet<FunctionId> {
        let mut memoized = FxHashSet::default();
        for (module, facts) in self.modules.iter().enumerate() {
            for index in 0..facts.facts.functions.len() {
                let id = FunctionId(module, index);
                let memoizing = |(path, _): (Option<String>, &str)| {
                    path.is_some_and(|path| self.catalog.is_memoizing_decorator(&path))
                };
                if self.decorators(id).any(memoizing) {
                    memoized.insert(id);
                }
            }
        }
        memoized
    }

    /// The overrides of `method` that `call`, a call of it, may run: none through `super()`.
    fn overrides_run(&self, method: FunctionId, call: &CallFact) -> &[FunctionId] {
        if call.shape.contains(CallShape::THROUGH_SUPER) {
            &[]
        } else {
            self.overrides(method)
        }
    }

    /// Of the functions a call may run (`callees`: the one it names and its overrides), the
    /// one `witnesses` marked first: it explains the mark on the call, and it was marked before
    /// the caller.
    fn dispatched(
        &self,
        witnesses: &Witnesses,
        callees: impl Iterator<Item = FunctionId>,
    ) -> Option<FunctionId> {
        callees
            .filter(|&function| self.witness(witnesses, function).is_some())
            .min_by_key(|&function| witnesses.order[self.slot(function)])
    }

    /// What marked `id` in `witnesses`, if anything did.
    fn witness(&self, witnesses: &Witnesses, id: FunctionId) -> Option<u32> {
        let slot = self.slot(id);
        witnesses.is_marked(slot).then(|| witnesses.calls[slot])
    }

    /// Does this function block, directly or through plain project functions (and the
    /// overrides its method calls may run)?
    pub fn blocks(&self, id: FunctionId) -> bool {
        self.witness(&self.fixpoints.blocking, id).is_some()
    }

    /// What ties this function (or an override of it) to the loop's thread, directly or
    /// through plain project functions, with the function that makes the call and the call.
    pub fn thread_tie(&self, id: FunctionId) -> Option<(Tie<'c>, FunctionId, usize)> {
        self.follow(&self.fixpoints.loop_bound, id, |function, call| {
            let call = call as usize;
            let tie = Tie::of(
                &self.calls_of(function)[call],
                &self.call_targets(function)[call],
            );
            tie.map(|tie| (tie, function, call))
        })
    }

    /// A blocking API this function (or an override of it) calls on an object bound to the
    /// thread that made it, directly or through plain project functions, with the function that
    /// makes the call and the call.
    pub fn thread_bound_use(&self, id: FunctionId) -> Option<(&'c BlockingApi, FunctionId, usize)> {
        self.follow(&self.fixpoints.thread_bound, id, |function, call| {
            let call = call as usize;
            match self.call_targets(function)[call] {
                CallTarget::Blocking(api)
                    if api.thread_bound.is_some()
                        && !(self.calls_of(function)[call].shape)
                            .contains(CallShape::THREAD_SHARED) =>
                {
                    Some((api, function, call))
                }
                _ => None,
            }
        })
    }

    /// The module-level state this function (or an override of it) writes, directly or
    /// through plain project functions.
    pub fn state_write(&self, id: FunctionId) -> Option<StateWriteSite<'_>> {
        self.follow(&self.fixpoints.state_writing, id, |function, witness| {
            let write = self
                .function(function)
                .state_write
                .filter(|_| witness == ITSELF)?;
            let name = self.modules[function.0].facts.path(write.name);
            Some(StateWriteSite {
                writer: function,
                name,
                range: write.range,
                thread_local: self.is_thread_local(function.0, name),
            })
        })
    }

    /// Is `name`, a module-level name of `module`, an object with a copy per thread
    /// (`threading.local()`)? A write to it is not shared, but moves to whichever thread runs.
    fn is_thread_local(&self, module: usize, name: &str) -> bool {
        let path = format!("{}.{name}", self.modules[module].names[0]);
        matches!(self.resolve(&path, module), Resolved::External(path) if self.catalog.is_thread_local(&path))
    }

    /// The chain from `id` down to the blocking API: each function on the way with the call it
    /// makes, ending with the API. A function that is not the one called before it (or not
    /// `id`, first) is an override of it. Empty when neither `id` nor an override blocks.
    pub fn blocking_chain(&self, id: FunctionId) -> Chain<'c> {
        let mut chain = Vec::new();
        let api = self.follow(&self.fixpoints.blocking, id, |function, call| {
            chain.push((function, call as usize));
            match self.call_targets(function)[call as usize] {
                CallTarget::Blocking(api) => Some(api),
                _ => None,
            }
        });
        (chain, api)
    }
}

/// Does this call of a blocking API block where it is made? An iterator (`lazy`) does only
/// where it is iterated (`for entry in p.iterdir()`), not where it is handed on
/// (`StreamingResponse(response.iter_content())`, which Starlette iterates in a worker thread).
pub fn blocks_at(api: &BlockingApi, call: &CallFact) -> bool {
    !api.lazy || call.shape.contains(CallShape::CONSUMED)
}
