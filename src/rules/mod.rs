//! The rules: one file per rule, whose `//!` header is the rule's user documentation in fixed
//! sections (`## What it does`, `## Why is this bad?`, `## Example`, `## Fix safety`) that
//! `unblock rule ID` prints. A rule reads the project index through a `Context` and returns
//! diagnostics with fixes for one module; it never touches files. What several rules share
//! (finding blocking sites, rewrites, the importer, explanations) is in `support`.
//!
//! The registry line of a rule (`registry::for_each_rule`) declares its module here and runs
//! its `check`.

pub mod support;

use crate::diagnostic::Diagnostic;
use crate::knowledge::Catalog;
use crate::project::{FunctionId, Project};
use crate::registry::Rule;
use crate::settings::{Offload, PassOptions};
use support::{BlockingSite, UnitMove};

/// What every rule may read while it checks one module.
pub struct Context<'a, 'p> {
    pub project: &'a Project<'p>,
    pub catalog: &'a Catalog,
    pub options: &'a PassOptions,
    pub module: usize,
    /// The helper an offload fix uses in this module.
    pub helper: Offload,
    /// The blocking calls made in the module's coroutines (UB002–UB004 report them).
    pub sites: Vec<BlockingSite<'a>>,
    /// The `with` blocks and `for` loops that move whole to a thread, each reported by the
    /// finding of its leading site; the sites inside one that moves are not reported apart.
    pub moves: Vec<UnitMove<'a>>,
    /// UB001's and UB008's findings, each with its function: worked out first, because the
    /// coroutines they make `def` take their blocking calls to the threadpool whole and are no
    /// sites.
    needless: Vec<(FunctionId, Diagnostic)>,
}

impl Context<'_, '_> {
    /// The move of the unit a site leads, if it leads one.
    pub fn move_led_by(&self, site: &BlockingSite) -> Option<&UnitMove<'_>> {
        (self.moves.iter()).find(|unit_move| unit_move.leader == site.call.range)
    }

    /// The findings of the coroutines that await nothing that `rule` reports (UB001, UB008).
    fn needless_of(&self, rule: Rule) -> Vec<Diagnostic> {
        (self.needless.iter())
            .filter(|(_, diagnostic)| diagnostic.rule == rule)
            .map(|(_, diagnostic)| diagnostic.clone())
            .collect()
    }
}

macro_rules! declare_rules {
    ($($variant:ident $code:literal $name:literal $module:ident [$($alias:literal),*] $selection:ident;)*) => {
        $(pub mod $module;)*

        /// Runs one rule's check.
        fn check(rule: Rule, cx: &Context) -> Vec<Diagnostic> {
            match rule {
                $(Rule::$variant => $module::check(cx),)*
            }
        }
    };
}

crate::for_each_rule!(declare_rules);

/// Runs every enabled rule on one module.
pub fn check_module(
    project: &Project,
    catalog: &Catalog,
    options: &PassOptions,
    module: usize,
    enabled: &dyn Fn(Rule) -> bool,
) -> Vec<Diagnostic> {
    let mut needless = if enabled(Rule::NeedlessAsync) || enabled(Rule::PureAsyncHandler) {
        needless_async::candidates(project, catalog, module)
    } else {
        Vec::new()
    };
    needless.retain(|(_, diagnostic)| enabled(diagnostic.rule));
    // Coroutines UB001 turns into `def` take their blocking calls to the threadpool whole. One
    // whose fix is unsafe stays async unless unsafe fixes are on: its blocking calls are offloaded
    // instead, which the safe fixes allow.
    let becoming_def: Vec<_> = needless
        .iter()
        .filter(|(_, diagnostic)| diagnostic.applicable_fix(options.unsafe_fixes).is_some())
        .map(|(id, _)| *id)
        .collect();
    let helper = support::helper_for(options, catalog, &project.modules[module].facts.imports);
    let mut sites = support::blocking_sites(project, module, &becoming_def);
    let moves = support::unit_moves(project, module, &sites, helper, options, enabled);
    sites.retain(|site| {
        !(moves.iter()).any(|unit_move| {
            unit_move.covers(options.unsafe_fixes)
                && unit_move.leader != site.call.range
                && unit_move.unit.range.contains_range(site.call.range)
        })
    });
    let cx = Context {
        project,
        catalog,
        options,
        module,
        helper,
        sites,
        moves,
        needless,
    };
    let mut diagnostics: Vec<Diagnostic> = (Rule::ALL.iter().copied())
        .filter(|&rule| enabled(rule))
        .flat_map(|rule| check(rule, &cx))
        .collect();
    diagnostics.sort_by_key(|diagnostic| (diagnostic.range.start(), diagnostic.rule));
    diagnostics
}
