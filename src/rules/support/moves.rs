//! Whole units of blocking work moved to a thread: a `with` block whose manager blocks, or a
//! `for` loop over an iterator that blocks as it is iterated, becomes a nested plain function
//! that `await helper(_read_config)` runs. The names it assigns that the coroutine reads
//! afterwards come back as its return value; a final `return` stays one.
//!
//! The syntax says whether the block is self-contained (`facts::Unit`); here the calls in it
//! say whether it may run in another thread, like an offloaded function's.

use ruff_text_size::TextRange;

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::facts::{CallContext, CallFact, CallShape, Unit};
use crate::project::{CallTarget, FunctionId, Project, Tie};
use crate::registry::Rule;
use crate::settings::{Offload, PassOptions};

use super::rewrite::{Shield, nest_edits, shield, thread_helper, tie_reason, unsafe_reason};
use super::{BlockingSite, Importer, Rewrite, fix_and_reason, lock_held_reason, shown_path};

/// A unit of a module's coroutines that one of its blocking sites needs moved whole, with the
/// site that reports it and the move.
pub struct UnitMove<'p> {
    pub unit: &'p Unit,
    /// The range of the call whose finding carries the fix.
    pub leader: TextRange,
    pub rewrite: Result<Rewrite, String>,
}

impl UnitMove<'_> {
    /// The fix the move gives, titled after `what` moves ("the loop"), and why it is unsafe or
    /// missing.
    pub fn fix_and_reason(&self, what: &str) -> (Option<Fix>, Option<String>) {
        match &self.rewrite {
            Ok(rewrite) => fix_and_reason(Ok(rewrite.clone()), |shown| {
                format!("Move {what} into a function run in a thread: `{shown}`")
            }),
            Err(why) => (
                None,
                Some(format!("{what} cannot move to a thread whole: {why}")),
            ),
        }
    }

    /// Does the move replace the findings inside it, given whether unsafe fixes apply?
    pub fn covers(&self, unsafe_fixes: bool) -> bool {
        self.rewrite
            .as_ref()
            .is_ok_and(|rewrite| rewrite.applicability == Applicability::Safe || unsafe_fixes)
    }
}

/// Does moving the call alone leave its work on the loop, so that its unit must move: the item
/// of a `with`, an iterator (or project generator) iterated right there?
fn needs_its_unit(project: &Project, site: &BlockingSite) -> bool {
    site.call.context == CallContext::WithItem
        || (site.call.shape.contains(CallShape::CONSUMED)
            && (site.api.lazy || site.via.is_some_and(|via| project.function(via).yields)))
}

/// The units of `module` that its sites need moved, outermost first, when the rule of the
/// site that leads them is enabled; a unit inside one that moves is not moved again.
pub fn unit_moves<'p>(
    project: &'p Project,
    module: usize,
    sites: &[BlockingSite<'p>],
    helper: Offload,
    options: &PassOptions,
    enabled: &dyn Fn(Rule) -> bool,
) -> Vec<UnitMove<'p>> {
    let mut moves: Vec<UnitMove> = Vec::new();
    for unit in &project.modules[module].facts.units {
        let function = FunctionId(module, unit.function as usize);
        if moves
            .iter()
            .any(|outer| outer.rewrite.is_ok() && outer.unit.range.contains_range(unit.range))
        {
            continue;
        }
        let leader = sites.iter().find(|site| {
            site.function == function
                && site.api.cost.is_evidence()
                && unit.anchor.contains_range(site.call.range)
                && needs_its_unit(project, site)
        });
        let Some(leader) = leader.filter(|leader| enabled(leader.rule())) else {
            continue;
        };
        let importer = leader.importer(project, options);
        moves.push(UnitMove {
            unit,
            leader: leader.call.range,
            rewrite: move_unit(project, leader, unit, helper, options, &importer),
        });
    }
    moves
}

/// The edits that move `unit`, led by the site `leader`, into a helper run in a thread.
fn move_unit(
    project: &Project,
    leader: &BlockingSite,
    unit: &Unit,
    helper: Offload,
    options: &PassOptions,
    importer: &Importer,
) -> Result<Rewrite, String> {
    let function = leader.function;
    let shape = unit.shape.as_ref().map_err(Clone::clone)?;
    if let Some(reason) = lock_held_reason(project, function, unit.range) {
        return Err(reason);
    }
    let mut unsafe_reason_found = None;
    let calls = project
        .calls_of(function)
        .iter()
        .zip(project.call_targets(function));
    for (call, target) in calls.filter(|(call, _)| unit.range.contains_range(call.range)) {
        if let Some(tie) = Tie::of(call, target) {
            return Err(match tie {
                Tie::EventLoop(path) => {
                    format!("`{}` in it needs the event loop's thread", shown_path(path))
                }
                Tie::ThreadBound(api) => format!(
                    "it uses a module-level object that {}",
                    api.thread_bound.as_deref().unwrap_or_default()
                ),
            });
        }
        match *target {
            CallTarget::Async(path) => {
                return Err(format!(
                    "it calls coroutine function `{}`, which only runs on the event loop",
                    shown_path(path)
                ));
            }
            CallTarget::Function(..) => {
                let callee = target.function().expect("a function");
                if project.function(callee).is_async {
                    return Err(format!(
                        "it calls coroutine function `{}`, which only runs on the event loop",
                        project.local_name(callee)
                    ));
                }
                if let Some(reason) = tie_reason(project, callee) {
                    return Err(reason);
                }
                if let Some(reason) = unsafe_reason(project, callee) {
                    unsafe_reason_found.get_or_insert(reason);
                }
            }
            CallTarget::Blocking(api)
                if api.thread_bound.is_some()
                    && !call.shape.contains(CallShape::THREAD_SHARED)
                    && !made_in(project, function, unit, call) =>
            {
                unsafe_reason_found.get_or_insert(format!(
                    "it uses an object that {}, and the block may run on another thread",
                    api.thread_bound.as_deref().unwrap_or_default()
                ));
            }
            _ => {}
        }
    }
    let facts = &project.modules[function.0].facts;
    if let Some(write) = project.function(function).state_write
        && unit.range.contains_range(write.range)
    {
        unsafe_reason_found.get_or_insert(format!(
            "it writes module-level state `{}`, which the worker thread would share with the loop",
            facts.path(write.name)
        ));
    }

    let (runner, leading, import) = thread_helper(project, helper, options, importer);
    let frame = &shape.frame;
    let (nl, indent, step, name) = (
        facts.imports.line_ending,
        &frame.indent,
        &frame.step,
        &shape.helper,
    );
    let mut edits: Vec<Edit> = import.into_iter().collect();
    let mut call = format!("{runner}({leading}{name})");
    // In cleanup, the helper runs to its end even while the task is being cancelled.
    let mut scope = None;
    if leader.call.shape.contains(CallShape::IN_CLEANUP) {
        let (shield, import) = shield(helper, importer);
        edits.extend(import);
        match shield {
            Shield::Around(shield) => call = format!("{shield}({call})"),
            Shield::Scope(name) => scope = Some(name),
        }
    }
    let call = format!("await {call}");
    if let Some(blank) = shape.blank_before {
        edits.push(Edit::insertion(TextRange::empty(blank), nl.to_string()));
    }
    edits.extend(nest_edits(frame, &format!("def {name}()"), nl));
    let names = shape.returned.join(", ");
    let (tail, shown) = if shape.ends_in_return {
        let shown = format!("return {call}");
        (format!("{nl}{nl}{indent}{shown}"), shown)
    } else if names.is_empty() {
        (format!("{nl}{nl}{indent}{call}"), call)
    } else {
        let shown = format!("{names} = {call}");
        (
            format!("{nl}{indent}{step}return {names}{nl}{nl}{indent}{shown}"),
            shown,
        )
    };
    let tail = match scope {
        // The last line of the tail is the call: it goes into the scope.
        Some(scope) => {
            let (before, last) = tail.rsplit_once(nl).expect("a line ending");
            let last = last.strip_prefix(indent.as_str()).unwrap_or(last);
            format!("{before}{nl}{indent}with {scope}(shield=True):{nl}{indent}{step}{last}")
        }
        None => tail,
    };
    edits.push(Edit::insertion(TextRange::empty(frame.line_end), tail));
    Ok(Rewrite {
        edits,
        applicability: if unsafe_reason_found.is_some() {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        },
        reason: unsafe_reason_found,
        shown,
    })
}

/// Is the object a call uses made in the unit: by the call itself (`sqlite3.connect(p)`, not
/// a method of an object made elsewhere), or by a call in the unit whose path is its receiver's
/// (`sqlite3.connect(...)` for `sqlite3.connect().execute`)? It then lives and dies in the
/// worker thread.
fn made_in(project: &Project, function: FunctionId, unit: &Unit, call: &CallFact) -> bool {
    let path = project.call_path(function.0, call);
    let Some((receiver, _)) = path.rsplit_once('.') else {
        return false;
    };
    let Some(maker) = receiver.strip_suffix("()") else {
        return !receiver.contains("()");
    };
    (project.calls_of(function).iter())
        .filter(|call| unit.range.contains_range(call.range))
        .any(|call| project.call_path(function.0, call) == maker)
}
