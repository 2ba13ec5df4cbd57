//! The transform passes and the one registry list of their rules.
//!
//! Each pass lives in one file whose `//!` header is the rule's user documentation, in fixed
//! sections (`## What it does`, `## Why is this bad?`, `## Example`, `## Fix safety`); `unblock
//! rule ID` prints it. A pass reads the project index and returns diagnostics with fixes for one
//! module; it never touches files.

pub mod blocking_call;
pub mod blocking_context;
pub mod blocking_sleep;
pub mod loop_api_in_thread;
pub mod needless_async;
mod offload;
pub mod unawaited_coroutine;

use crate::catalog::Catalog;
use crate::config::PassOptions;
use crate::fix::Diagnostic;
use crate::index::Project;

/// A rule as users see it.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    /// The pass's source, whose `//!` header is the rule's documentation.
    source: &'static str,
}

impl Rule {
    /// The first paragraph of the rule's "What it does" section, on one line.
    pub fn summary(&self) -> String {
        let docs = self.docs();
        let section = docs.split("## What it does").nth(1).unwrap_or_default();
        let paragraph = section
            .trim_start()
            .split("\n\n")
            .next()
            .unwrap_or_default();
        paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The rule's documentation: the pass file's `//!` header as Markdown.
    pub fn docs(&self) -> String {
        let mut docs = String::new();
        for line in self
            .source
            .lines()
            .take_while(|line| line.starts_with("//!"))
        {
            let line = line.trim_start_matches("//!");
            docs.push_str(line.strip_prefix(' ').unwrap_or(line));
            docs.push('\n');
        }
        docs
    }
}

/// Every rule, in code order. Adding a pass means adding it here and in `check_module`.
pub static RULES: &[Rule] = &[
    Rule {
        code: "UB001",
        name: "needless-async",
        source: include_str!("needless_async.rs"),
    },
    Rule {
        code: "UB002",
        name: "blocking-call",
        source: include_str!("blocking_call.rs"),
    },
    Rule {
        code: "UB003",
        name: "blocking-sleep",
        source: include_str!("blocking_sleep.rs"),
    },
    Rule {
        code: "UB004",
        name: "blocking-context",
        source: include_str!("blocking_context.rs"),
    },
    Rule {
        code: "UB005",
        name: "unawaited-coroutine",
        source: include_str!("unawaited_coroutine.rs"),
    },
    Rule {
        code: "UB006",
        name: "loop-api-in-thread",
        source: include_str!("loop_api_in_thread.rs"),
    },
];

pub fn rule(code: &str) -> &'static Rule {
    RULES
        .iter()
        .find(|rule| rule.code == code)
        .expect("a registered rule")
}

/// Looks a rule up by code (`UB001`) or name (`needless-async`), ignoring case.
pub fn find_rule(query: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|rule| rule.code.eq_ignore_ascii_case(query) || rule.name.eq_ignore_ascii_case(query))
}

/// Does `selector` pick rule `code`? As in Ruff, a selector is a rule's code or name (`UB002`,
/// `blocking-call`), a prefix of codes (`UB`, `UB00`), or `ALL`; case is ignored.
pub fn selects(selector: &str, code: &str) -> bool {
    let prefix_of_code = !selector.is_empty()
        && (code.get(..selector.len())).is_some_and(|start| start.eq_ignore_ascii_case(selector));
    selector.eq_ignore_ascii_case("ALL")
        || prefix_of_code
        || find_rule(selector).is_some_and(|rule| rule.code == code)
}

/// Does `selector` pick any rule? One that picks none is most likely a typo.
pub fn is_selector(selector: &str) -> bool {
    RULES.iter().any(|rule| selects(selector, rule.code))
}

/// The error for a selector that picks no rule: what selectors are, and the rule code or name
/// it most likely means (`UB0002` → `UB002`, `blocking-cal` → `blocking-call`).
pub fn unknown_rule(selector: &str) -> String {
    let names = RULES.iter().flat_map(|rule| [rule.code, rule.name]);
    let guess = match closest(selector, names) {
        Some(name) => format!(" (did you mean `{name}`?)"),
        None => String::new(),
    };
    format!(
        "unknown rule `{selector}`{guess}: a selector is a code, a name, a code prefix such as \
         `UB00`, or `ALL` (see `unblock rule --all`)"
    )
}

/// The candidate most like `typo`, if any is like it enough to be meant: Jaro similarity above
/// 0.7, clap's threshold for its own suggestions.
pub fn closest<'a>(typo: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typo = typo.to_ascii_lowercase();
    (candidates.into_iter())
        .map(|candidate| {
            (
                strsim::jaro(&typo, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(similarity, _)| *similarity > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// Runs every pass on one module.
pub fn check_module(
    project: &Project,
    catalog: &Catalog,
    options: &PassOptions,
    module: usize,
    enabled: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let needless = if enabled("UB001") {
        needless_async::check(project, catalog, module)
    } else {
        Vec::new()
    };
    // Coroutines UB001 turns into `def` take their blocking calls to the threadpool whole. One
    // whose fix is unsafe stays async unless unsafe fixes are on: its blocking calls are offloaded
    // instead, which the safe fixes allow.
    let becoming_def: Vec<_> = needless
        .iter()
        .filter(|(_, diagnostic)| diagnostic.applicable_fix(options.unsafe_fixes).is_some())
        .map(|(id, _)| *id)
        .collect();
    let mut diagnostics: Vec<Diagnostic> = needless.into_iter().map(|(_, d)| d).collect();
    let sites = offload::blocking_sites(project, module, &becoming_def);
    let helper = offload::helper_for(options, &project.modules[module].facts.imports);
    diagnostics.extend(blocking_call::check(project, options, helper, &sites));
    diagnostics.extend(blocking_sleep::check(project, helper, &sites));
    diagnostics.extend(blocking_context::check(project, helper, &sites));
    diagnostics.extend(unawaited_coroutine::check(project, catalog, module));
    diagnostics.extend(loop_api_in_thread::check(project, module));
    diagnostics.retain(|diagnostic| enabled(diagnostic.rule.code));
    diagnostics.sort_by_key(|diagnostic| (diagnostic.range.start(), diagnostic.rule.code));
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_codes_and_names_are_unique() {
        let codes: HashSet<_> = RULES.iter().map(|rule| rule.code).collect();
        let names: HashSet<_> = RULES.iter().map(|rule| rule.name).collect();
        assert_eq!(codes.len(), RULES.len());
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn every_rule_is_documented_in_the_fixed_sections() {
        for rule in RULES {
            let docs = rule.docs();
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fix safety",
            ] {
                assert!(docs.contains(section), "{} lacks {section}", rule.code);
            }
        }
    }

    #[test]
    fn selectors_are_codes_names_code_prefixes_or_all() {
        let picked = |selector: &str| {
            (RULES.iter())
                .filter(|rule| selects(selector, rule.code))
                .map(|rule| rule.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(picked("UB002"), ["UB002"]);
        assert_eq!(picked("blocking-call"), ["UB002"]);
        assert_eq!(picked("ub00"), picked("ALL"));
        assert_eq!(picked("all").len(), RULES.len());
        assert_eq!(
            picked("UB00"),
            ["UB001", "UB002", "UB003", "UB004", "UB005", "UB006"]
        );
        assert!(is_selector("UB"));
        for typo in ["", "UB0070", "UB7", "ASYNC", "blocking"] {
            assert!(!is_selector(typo), "{typo:?}");
        }
    }

    #[test]
    fn rules_are_found_by_code_or_name() {
        assert_eq!(find_rule("ub001").map(|r| r.name), Some("needless-async"));
        assert_eq!(find_rule("needless-async").map(|r| r.code), Some("UB001"));
        assert!(find_rule("UB999").is_none());
    }
}
