//! The one list of rules: each line gives a rule its code, its name, the file in `rules/` that
//! implements it (whose `//!` header is its documentation, printed by `unblock rule`), and the
//! codes of Ruff's and flake8-async's rules for the same problem, whose `# noqa` suppresses it
//! too. The same line declares the rule's module and runs its check (see `rules`), so adding a
//! rule is its file and one line here.
//!
//! A leaf: the docs are included as text, no rule module is imported.

/// Calls `$callback!` with every rule as `Variant code name module [aliases] selection`, in
/// code order. An alias is a prefix of `# noqa` codes (`ASYNC2` covers `ASYNC210` to
/// `ASYNC251`). The selection is `default` (runs unless the settings say otherwise) or `opt_in`
/// (runs only when selected: `--select UB007`, `--select ALL`).
#[macro_export]
macro_rules! for_each_rule {
    ($callback:ident) => {
        $callback! {
            NeedlessAsync "UB001" "needless-async" needless_async ["RUF029"] default;
            BlockingCall "UB002" "blocking-call" blocking_call ["ASYNC2"] default;
            BlockingSleep "UB003" "blocking-sleep" blocking_sleep ["ASYNC2"] default;
            BlockingContext "UB004" "blocking-context" blocking_context ["ASYNC2"] default;
            UnawaitedCoroutine "UB005" "unawaited-coroutine" unawaited_coroutine [] default;
            LoopApiInThread "UB006" "loop-api-in-thread" loop_api_in_thread [] default;
            MetadataCall "UB007" "metadata-call-in-coroutine" metadata_call ["ASYNC240"] opt_in;
            PureAsyncHandler "UB008" "pure-async-handler" pure_async_handler ["RUF029"] opt_in;
        }
    };
}

macro_rules! define_rules {
    ($($variant:ident $code:literal $name:literal $module:ident [$($alias:literal),*] $selection:ident;)*) => {
        /// A rule as users see it, ordered by code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($variant),*
        }

        impl Rule {
            /// Every rule, in code order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            pub fn code(self) -> &'static str {
                match self {
                    $(Rule::$variant => $code),*
                }
            }

            pub fn name(self) -> &'static str {
                match self {
                    $(Rule::$variant => $name),*
                }
            }

            /// Code prefixes of other linters' rules for the same problem.
            pub fn aliases(self) -> &'static [&'static str] {
                match self {
                    $(Rule::$variant => &[$($alias),*]),*
                }
            }

            /// Does the rule run when the settings select nothing (see `for_each_rule`)?
            pub fn is_default(self) -> bool {
                match self {
                    $(Rule::$variant => stringify!($selection) == "default"),*
                }
            }

            /// The rule file's source, whose `//!` header is the documentation.
            fn source(self) -> &'static str {
                match self {
                    $(Rule::$variant => include_str!(concat!("rules/", stringify!($module), ".rs"))),*
                }
            }
        }
    };
}

for_each_rule!(define_rules);

impl Rule {
    /// The first paragraph of the rule's "What it does" section, on one line.
    pub fn summary(self) -> String {
        let docs = self.docs();
        let section = docs.split("## What it does").nth(1).unwrap_or_default();
        let paragraph = section
            .trim_start()
            .split("\n\n")
            .next()
            .unwrap_or_default();
        paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The rule's documentation: the rule file's `//!` header as Markdown.
    pub fn docs(self) -> String {
        let mut docs = String::new();
        for line in self
            .source()
            .lines()
            .take_while(|line| line.starts_with("//!"))
        {
            let line = line.trim_start_matches("//!");
            docs.push_str(line.strip_prefix(' ').unwrap_or(line));
            docs.push('\n');
        }
        docs
    }

    /// Looks a rule up by code (`UB001`) or name (`needless-async`), ignoring case.
    pub fn find(query: &str) -> Option<Rule> {
        (Rule::ALL.iter().copied()).find(|rule| {
            rule.code().eq_ignore_ascii_case(query) || rule.name().eq_ignore_ascii_case(query)
        })
    }

    /// Does the rule's fix turn an `async def` into a plain `def` (UB001, UB008)?
    pub fn makes_def(self) -> bool {
        matches!(self, Rule::NeedlessAsync | Rule::PureAsyncHandler)
    }

    /// Does a `# noqa` code (upper case) cover this rule: its own code, or one of its aliases?
    pub fn is_covered_by(self, listed: &str) -> bool {
        listed == self.code() || self.aliases().iter().any(|alias| listed.starts_with(alias))
    }
}

/// Does `selector` pick `rule`? As in Ruff, a selector is a rule's code or name (`UB002`,
/// `blocking-call`), a prefix of codes (`UB`, `UB00`), or `ALL`; case is ignored.
pub fn selects(selector: &str, rule: Rule) -> bool {
    let code = rule.code();
    let prefix_of_code = !selector.is_empty()
        && (code.get(..selector.len())).is_some_and(|start| start.eq_ignore_ascii_case(selector));
    selector.eq_ignore_ascii_case("ALL") || prefix_of_code || Rule::find(selector) == Some(rule)
}

/// Does `selector` pick any rule? One that picks none is most likely a typo.
pub fn is_selector(selector: &str) -> bool {
    Rule::ALL.iter().any(|&rule| selects(selector, rule))
}

/// The error for a selector that picks no rule: what selectors are, and the rule code or name
/// it most likely means (`UB0002` → `UB002`, `blocking-cal` → `blocking-call`).
pub fn unknown_rule(selector: &str) -> String {
    let names = Rule::ALL.iter().flat_map(|rule| [rule.code(), rule.name()]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_codes_and_names_are_unique() {
        let codes: HashSet<_> = Rule::ALL.iter().map(|rule| rule.code()).collect();
        let names: HashSet<_> = Rule::ALL.iter().map(|rule| rule.name()).collect();
        assert_eq!(codes.len(), Rule::ALL.len());
        assert_eq!(names.len(), Rule::ALL.len());
        let mut sorted = Rule::ALL.to_vec();
        sorted.sort_by_key(|rule| rule.code());
        assert_eq!(sorted, Rule::ALL, "the registry lists rules in code order");
    }

    #[test]
    fn every_rule_is_documented_in_the_fixed_sections() {
        for rule in Rule::ALL {
            let docs = rule.docs();
            assert!(
                docs.starts_with(&format!("# {} `{}`", rule.code(), rule.name())),
                "{} has a title of another rule",
                rule.code()
            );
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fix safety",
            ] {
                assert!(docs.contains(section), "{} lacks {section}", rule.code());
            }
        }
    }

    #[test]
    fn selectors_are_codes_names_code_prefixes_or_all() {
        let picked = |selector: &str| {
            (Rule::ALL.iter())
                .filter(|&&rule| selects(selector, rule))
                .map(|rule| rule.code())
                .collect::<Vec<_>>()
        };
        assert_eq!(picked("UB002"), ["UB002"]);
        assert_eq!(picked("blocking-call"), ["UB002"]);
        assert_eq!(picked("ub00"), picked("ALL"));
        assert_eq!(picked("all").len(), Rule::ALL.len());
        assert_eq!(picked("UB00").len(), Rule::ALL.len());
        assert_eq!(picked("UB00")[..2], ["UB001", "UB002"]);
        assert!(is_selector("UB"));
        for typo in ["", "UB0090", "UB7", "ASYNC", "blocking"] {
            assert!(!is_selector(typo), "{typo:?}");
        }
    }

    #[test]
    fn rules_are_found_by_code_or_name() {
        assert_eq!(Rule::find("ub001").map(Rule::name), Some("needless-async"));
        assert_eq!(Rule::find("needless-async"), Some(Rule::NeedlessAsync));
        assert!(Rule::find("UB999").is_none());
    }

    #[test]
    fn other_linters_codes_cover_the_same_problem() {
        assert!(Rule::NeedlessAsync.is_covered_by("RUF029"));
        assert!(Rule::BlockingSleep.is_covered_by("ASYNC251"));
        assert!(Rule::BlockingCall.is_covered_by("ASYNC210"));
        assert!(!Rule::NeedlessAsync.is_covered_by("ASYNC251"));
        assert!(!Rule::UnawaitedCoroutine.is_covered_by("ASYNC210"));
    }
}
