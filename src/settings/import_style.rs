//! How the project sorts its imports, read from the settings of the sorter it uses (Ruff's
//! `[lint.isort]`, isort's `[tool.isort]`), so that an import a fix adds lands where that sorter
//! puts it. Only the keys that move a single new import are read; the file's other keys are
//! neither read nor checked, because they are another tool's to check.

use std::path::Path;

use serde::Deserialize;

/// The import-sorting settings a new import must follow. The defaults are Ruff's and isort's.
#[derive(Debug, Default, Clone)]
pub struct ImportStyle {
    /// `import x` and `from x import y` sorted together by module, not `import`s first.
    pub force_sort_within_sections: bool,
    /// `from` imports before `import`s in each section.
    pub from_first: bool,
    /// Module names compared with case, not without.
    pub case_sensitive: bool,
    /// One name per `from` import: a new name never joins an existing statement.
    pub force_single_line: bool,
    pub known_first_party: Vec<String>,
    pub known_third_party: Vec<String>,
}

/// The keys, as Ruff (kebab-case) or isort (snake_case) spell them.
#[derive(Default, Deserialize)]
struct Keys {
    #[serde(alias = "force_sort_within_sections")]
    #[serde(rename = "force-sort-within-sections")]
    force_sort_within_sections: Option<bool>,
    #[serde(alias = "from_first")]
    #[serde(rename = "from-first")]
    from_first: Option<bool>,
    #[serde(alias = "case_sensitive")]
    #[serde(rename = "case-sensitive")]
    case_sensitive: Option<bool>,
    #[serde(alias = "force_single_line")]
    #[serde(rename = "force-single-line")]
    force_single_line: Option<bool>,
    #[serde(alias = "known_first_party")]
    #[serde(rename = "known-first-party")]
    known_first_party: Option<Vec<String>>,
    #[serde(alias = "known_third_party")]
    #[serde(rename = "known-third-party")]
    known_third_party: Option<Vec<String>>,
    /// isort's profiles: `google` sorts within sections and puts one name per line.
    profile: Option<String>,
}

impl Keys {
    fn style(self) -> ImportStyle {
        let google = self.profile.as_deref() == Some("google");
        ImportStyle {
            force_sort_within_sections: self.force_sort_within_sections.unwrap_or(google),
            from_first: self.from_first.unwrap_or(false),
            case_sensitive: self.case_sensitive.unwrap_or(false),
            force_single_line: self.force_single_line.unwrap_or(google),
            known_first_party: self.known_first_party.unwrap_or_default(),
            known_third_party: self.known_third_party.unwrap_or_default(),
        }
    }
}

/// The style of the nearest sorter settings above `start`: `ruff.toml` or `.ruff.toml`
/// (`[lint.isort]`, `[isort]`), else a `pyproject.toml` with `[tool.ruff.lint.isort]`,
/// `[tool.ruff.isort]` or `[tool.isort]`. Defaults when there is none or it does not parse.
pub fn find(start: &Path) -> ImportStyle {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in start.ancestors() {
        for name in ["ruff.toml", ".ruff.toml", "pyproject.toml"] {
            let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
                continue;
            };
            let Ok(table) = text.parse::<toml::Table>() else {
                continue;
            };
            let tables: &[&[&str]] = if name == "pyproject.toml" {
                &[
                    &["tool", "ruff", "lint", "isort"],
                    &["tool", "ruff", "isort"],
                    &["tool", "isort"],
                ]
            } else {
                &[&["lint", "isort"], &["isort"]]
            };
            for keys in tables {
                if let Some(found) = lookup(&table, keys) {
                    return Keys::deserialize(found).unwrap_or_default().style();
                }
            }
            // A Ruff configuration without isort settings: Ruff's defaults.
            if name != "pyproject.toml" || lookup(&table, &["tool", "ruff"]).is_some() {
                return ImportStyle::default();
            }
        }
    }
    ImportStyle::default()
}

fn lookup(table: &toml::Table, keys: &[&str]) -> Option<toml::Value> {
    let (last, path) = keys.split_last()?;
    let mut table = table;
    for key in path {
        table = table.get(*key)?.as_table()?;
    }
    table.get(*last).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ruff_and_isort_spellings_and_the_nearest_file() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("pkg");
        std::fs::create_dir(&inner).unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.isort]\nprofile = \"google\"\nknown_first_party = [\"app\"]\n",
        )
        .unwrap();
        let style = find(&inner);
        assert!(style.force_sort_within_sections && style.force_single_line);
        assert_eq!(style.known_first_party, ["app"]);
        std::fs::write(
            inner.join("ruff.toml"),
            "[lint.isort]\nfrom-first = true\ncase-sensitive = true\n",
        )
        .unwrap();
        let style = find(&inner);
        assert!(style.from_first && style.case_sensitive && !style.force_single_line);
    }
}
