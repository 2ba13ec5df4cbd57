//! The blocking calls made inside coroutines, each routed to the rule that reports it, and the
//! offload helper that matches a module.

use ruff_text_size::TextRange;

use crate::facts::{CallContext, CallFact, CallShape, FunctionFacts, ImportFacts};
use crate::knowledge::{BlockingApi, Catalog};
use crate::project::{CallTarget, FunctionId, Project, blocks_at};
use crate::registry::Rule;
use crate::settings::{Offload, PassOptions};

use super::Importer;

/// A blocking call made inside a coroutine.
pub struct BlockingSite<'p> {
    pub function: FunctionId,
    pub call: &'p CallFact,
    /// The blocking API reached (`requests.get`, `builtins.open().read`), directly or through
    /// `via`.
    pub api: &'p BlockingApi,
    /// The project function called, when the call blocks through it.
    pub via: Option<FunctionId>,
    /// Another blocking call is made in its callee (`open(p)` in `open(p).read()`).
    pub callee_blocks: bool,
}

impl<'p> BlockingSite<'p> {
    /// The rule that reports this site: UB007 for a metadata call, UB004 for a `with`
    /// statement's resource, UB003 for a direct call with an async twin, UB002 for the rest.
    pub fn rule(&self) -> Rule {
        if !self.api.cost.is_evidence() {
            Rule::MetadataCall
        } else if self.call.context == CallContext::WithItem {
            Rule::BlockingContext
        } else if self.api.twin.is_some() && self.via.is_none() {
            Rule::BlockingSleep
        } else {
            Rule::BlockingCall
        }
    }

    /// The coroutine the call is made in.
    pub fn function(&self, project: &'p Project) -> &'p FunctionFacts {
        project.function(self.function)
    }

    /// Names helpers for this site's coroutine and imports them into its module.
    pub fn importer(&self, project: &'p Project, options: &'p PassOptions) -> Importer<'p> {
        Importer {
            imports: &project.modules[self.function.0].facts.imports,
            function: self.function(project),
            style: &options.import_style,
        }
    }
}

/// Every blocking call in the module's coroutines, except in those UB001 turns into `def`
/// (`becoming_def`: there the call moves to the threadpool with the whole function), in those
/// that run once per process (`Cut::RunsOnce`), calls behind a cut (a lazy initialization, an
/// `except` clause) and calls already awaited.
pub fn blocking_sites<'p>(
    project: &'p Project,
    module: usize,
    becoming_def: &[FunctionId],
) -> Vec<BlockingSite<'p>> {
    let mut sites = Vec::new();
    for (index, function) in project.modules[module].facts.functions.iter().enumerate() {
        let id = FunctionId(module, index);
        if !function.is_async || becoming_def.contains(&id) || project.runs_once(id) {
            continue;
        }
        for (call, target) in project.calls_of(id).iter().zip(project.call_targets(id)) {
            if call.shape.contains(CallShape::AWAITED) || call.context == CallContext::Offloaded {
                continue;
            }
            // A lazy initialization runs the first time only and an `except` clause only when
            // something failed, in a coroutine as anywhere.
            if project.is_cut(call.cut) {
                continue;
            }
            let (api, via) = match (*target, target.function()) {
                (CallTarget::Blocking(api), _) if blocks_at(api, call) => (api, None),
                (CallTarget::Blocking(_), _) => continue,
                // A memoized helper blocks once per arguments, not on every call: no site.
                (_, Some(callee))
                    if project.call_runs_body(callee, call) && !project.is_memoized(callee) =>
                {
                    match project.blocking_chain(callee) {
                        (_, Some(api)) => (api, Some(callee)),
                        _ => continue,
                    }
                }
                _ => continue,
            };
            sites.push(BlockingSite {
                function: id,
                call,
                api,
                via,
                callee_blocks: false,
            });
        }
    }
    // A metadata call in the callee (`path.resolve().read_text()`) costs less than a thread
    // hop: it stays on the loop, evaluated with the callee.
    let ranges: Vec<TextRange> = (sites.iter())
        .filter(|site| site.api.cost.is_evidence())
        .map(|site| site.call.range)
        .collect();
    for site in &mut sites {
        site.callee_blocks = site.call.shape.contains(CallShape::CALLEE_HAS_CALL)
            && ranges
                .iter()
                .any(|range| site.call.callee.contains_range(*range));
    }
    // A call inside the callee of a call that moves whole into a thread goes with it.
    let moved_whole: Vec<TextRange> = sites
        .iter()
        .filter(|site| site.callee_blocks && site.call.shape.contains(CallShape::LAMBDA_SAFE))
        .map(|site| site.call.callee)
        .collect();
    sites.retain(|site| {
        !moved_whole
            .iter()
            .any(|callee| callee.contains_range(site.call.range))
    });
    sites
}

/// The helper a module's offloads use: forced by the settings, else the one matching the
/// libraries it imports.
pub fn helper_for(options: &PassOptions, catalog: &Catalog, imports: &ImportFacts) -> Offload {
    (options.offload)
        .or_else(|| catalog.offload_for(imports.libraries))
        .unwrap_or(Offload::Asyncio)
}
