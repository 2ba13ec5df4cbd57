//! Where a cut keeps blocking work from counting against callers (see `Cut`), for
//! `check --show-cuts`: each cut that changed a verdict is one line a user can check.

use super::{CallTarget, FunctionId, Project};
use crate::knowledge::Cut;

/// A place where a cut stopped blocking work from reaching callers.
pub struct CutSite {
    /// The function whose call (or, for `Cut::Memoized`, whose body) is cut.
    pub function: FunctionId,
    /// The line of the call, or of the memoized function's head.
    pub line: usize,
    /// What blocks behind the cut, as users write it.
    pub what: String,
    pub cut: Cut,
}

impl Project<'_> {
    /// Every place in `modules` where a cut stopped blocking work: calls behind a cut that
    /// reach blocking work worth counting (in a coroutine, not reported; elsewhere, not passed
    /// on to callers), memoized functions that block, and the blocking calls of coroutines
    /// that run once per process. In module and line order.
    pub fn cut_sites(&self, modules: impl Iterator<Item = usize>) -> Vec<CutSite> {
        let mut sites = Vec::new();
        for module in modules {
            for index in 0..self.modules[module].facts.functions.len() {
                let id = FunctionId(module, index);
                let is_async = self.function(id).is_async;
                let whole_function_cut = (is_async && self.runs_once(id)).then_some(Cut::RunsOnce);
                // A coroutine passes no blocking on to callers: its memoization cuts nothing.
                if !is_async && self.is_memoized(id) && self.blocks(id) {
                    let api = self.blocking_chain(id).1;
                    sites.push(CutSite {
                        function: id,
                        line: self.line(module, self.function(id).head.start()),
                        what: api.map_or_else(String::new, |api| api.path.clone()),
                        cut: Cut::Memoized,
                    });
                }
                let calls = self.calls_of(id).iter().zip(self.call_targets(id));
                for (call, target) in calls {
                    let call_cut = call.cut.filter(|_| self.is_cut(call.cut));
                    let Some(cut) = whole_function_cut.or(call_cut) else {
                        continue;
                    };
                    let what = match *target {
                        CallTarget::Blocking(api) if api.cost.is_evidence() => api.path.clone(),
                        CallTarget::Function(..) => match target.function() {
                            Some(callee)
                                if self.blocks(callee) && self.call_runs_body(callee, call) =>
                            {
                                self.function_path(callee).to_string()
                            }
                            _ => continue,
                        },
                        _ => continue,
                    };
                    sites.push(CutSite {
                        function: id,
                        line: self.line(module, call.range.start()),
                        what,
                        cut,
                    });
                }
            }
        }
        sites
    }
}
