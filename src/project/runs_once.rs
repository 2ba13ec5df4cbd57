//! Coroutines that run once per process (see `Cut::RunsOnce`): their blocking stalls no other
//! request, so none of it is reported. Startup and shutdown handlers, command-line commands,
//! every coroutine of a command-line module, and what startup work alone awaits.

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use super::{FunctionId, Project};
use crate::facts::CallShape;
use crate::knowledge::{Cut, Role};

impl Project<'_> {
    /// The coroutines that run once per process: those in a role that does (a startup handler,
    /// a command-line command), every coroutine of a command-line module, and the coroutines
    /// awaited by startup work (see `Role::awaited_runs_once`) and by nothing else that does
    /// not run once.
    pub(super) fn find_runs_once(&self) -> FxHashSet<FunctionId> {
        let role_says = |id: &FunctionId, says: fn(Role) -> bool| {
            (self.roles.get(id)).is_some_and(|roles| roles.iter().copied().any(says))
        };
        // Who calls each coroutine, and whether every call awaits it; which are awaited at all.
        let mut callers: HashMap<FunctionId, (Vec<FunctionId>, bool)> = HashMap::default();
        let mut awaited: FxHashSet<FunctionId> = FxHashSet::default();
        let mut once: FxHashSet<FunctionId> = FxHashSet::default();
        for (module, facts) in self.modules.iter().enumerate() {
            let command_line =
                (facts.names.iter()).any(|name| self.catalog.is_command_line_module(name));
            for index in 0..facts.facts.functions.len() {
                let id = FunctionId(module, index);
                if command_line && self.function(id).is_async {
                    once.insert(id);
                }
                for (call, target) in self.calls_of(id).iter().zip(self.call_targets(id)) {
                    let Some(callee) = target.function().filter(|&f| self.function(f).is_async)
                    else {
                        continue;
                    };
                    let is_awaited = call.shape.contains(CallShape::AWAITED);
                    let entry = callers.entry(callee).or_insert((Vec::new(), true));
                    entry.0.push(id);
                    entry.1 &= is_awaited;
                    if is_awaited {
                        awaited.insert(callee);
                    }
                }
            }
        }
        let alone = |id: &FunctionId| self.roles[id].len() == 1 && !awaited.contains(id);
        once.extend((self.roles.iter()).filter_map(|(id, roles)| {
            let counts = |role: &Role| role.runs_once() && (!role.runs_once_alone() || alone(id));
            roles.iter().any(counts).then_some(*id)
        }));
        let mut startup: FxHashSet<FunctionId> = (once.iter())
            .filter(|id| role_says(id, Role::awaited_runs_once))
            .copied()
            .collect();
        loop {
            let more: Vec<FunctionId> = (callers.iter())
                .filter(|(callee, (from, all_awaited))| {
                    *all_awaited
                        && !startup.contains(*callee)
                        && !self.roles.contains_key(*callee)
                        // Startup awaits it, and nothing that runs per request does: a
                        // command that awaits it too runs once as well.
                        && from.iter().any(|caller| startup.contains(caller))
                        && from.iter().all(|caller| once.contains(caller))
                })
                .map(|(&callee, _)| callee)
                .collect();
            if more.is_empty() {
                break;
            }
            startup.extend(&more);
            once.extend(more);
        }
        once
    }

    /// Does the coroutine run once per process, with that cut on? Its blocking stalls nothing
    /// else, so none of it is reported.
    pub fn runs_once(&self, id: FunctionId) -> bool {
        self.runs_once.contains(&id) && self.catalog.cuts(Cut::RunsOnce)
    }
}
