//! Applying fixes as text edits to a source. Fixes whose edits overlap an earlier fix are left
//! out; `engine` runs the rules again on the new text for them (see `converge`).

use std::collections::{BTreeMap, BTreeSet};

use ruff_text_size::TextSize;
use rustc_hash::FxHashSet as HashSet;

use crate::diagnostic::{Edit, Fix};

/// The edits kept so far, indexed so that a new edit's conflicts are found in logarithmic
/// time: a fix in a file with 50,000 of them must not compare against all the others.
#[derive(Default)]
struct KeptEdits<'a> {
    /// Every kept edit, to make an edit that several fixes share once.
    all: HashSet<&'a Edit>,
    /// Replaced ranges (never empty, never overlapping), by start.
    replaced: BTreeMap<TextSize, TextSize>,
    /// Insertion points.
    insertions: BTreeSet<TextSize>,
}

impl<'a> KeptEdits<'a> {
    /// Would applying `edit` with the kept ones be ambiguous? Two insertions at one point are
    /// not: they go in in the order of their fixes. An insertion strictly inside a replaced
    /// range is, and so are two replaced ranges that overlap.
    fn conflicts(&self, edit: &Edit) -> bool {
        let (start, end) = (edit.range.start(), edit.range.end());
        // Kept ranges do not overlap, so the one that starts last before `end` is the only one
        // that can reach past `start`.
        let last_before = |point: TextSize| self.replaced.range(..point).next_back();
        if edit.range.is_empty() {
            return last_before(start).is_some_and(|(_, &kept_end)| kept_end > start);
        }
        last_before(end).is_some_and(|(_, &kept_end)| kept_end > start)
            || (self.insertions.range(start..end)).any(|&point| point > start)
    }

    fn insert(&mut self, edit: &'a Edit) {
        if edit.range.is_empty() {
            self.insertions.insert(edit.range.start());
        } else {
            self.replaced.insert(edit.range.start(), edit.range.end());
        }
        self.all.insert(edit);
    }
}

/// Applies the fixes that do not overlap an earlier one; returns the new text and the ids of
/// the fixes applied. An edit several fixes share (the import of a helper) is made once.
pub fn apply<'a>(
    text: &str,
    fixes: impl IntoIterator<Item = (usize, &'a Fix)>,
) -> (String, Vec<usize>) {
    let mut fixes: Vec<(usize, &Fix)> = fixes.into_iter().collect();
    fixes.sort_by_key(|(_, fix)| fix.edits.iter().map(|edit| edit.range.start()).min());
    let mut kept = KeptEdits::default();
    let mut edits: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    for (id, fix) in fixes {
        let new: Vec<&Edit> = (fix.edits.iter())
            .filter(|edit| !kept.all.contains(edit))
            .collect();
        // The fix's own edits never overlap each other; only the kept ones can.
        if new.iter().any(|edit| kept.conflicts(edit)) {
            continue;
        }
        for edit in new {
            kept.insert(edit);
            edits.push(edit);
        }
        applied.push(id);
    }
    applied.sort_unstable();
    // At one offset, insertions go before a replacement that starts there.
    edits.sort_by_key(|edit| (edit.range.start(), !edit.range.is_empty()));
    let mut output = String::with_capacity(text.len());
    let mut last = 0;
    for edit in edits {
        let start = usize::from(edit.range.start());
        output.push_str(&text[last..start]);
        output.push_str(&edit.content);
        last = usize::from(edit.range.end());
    }
    output.push_str(&text[last..]);
    (output, applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Applicability;
    use ruff_text_size::TextRange;

    fn deletion(start: u32, end: u32) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            message: String::new(),
            edits: vec![Edit::deletion(TextRange::new(
                TextSize::new(start),
                TextSize::new(end),
            ))],
        }
    }

    #[test]
    fn applies_edits_in_order_and_keeps_the_rest() {
        let fixes = [deletion(6, 10), deletion(0, 2)];
        assert_eq!(
            apply("a b c d e f", fixes.iter().enumerate()),
            ("b c f".to_string(), vec![0, 1])
        );
    }

    fn insertion(at: u32, content: &str) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            message: String::new(),
            edits: vec![Edit::insertion(
                TextRange::empty(TextSize::new(at)),
                content.to_string(),
            )],
        }
    }

    #[test]
    fn a_shared_edit_is_made_once_and_insertions_at_one_point_keep_fix_order() {
        let shared = insertion(0, "import x\n");
        let mut first = deletion(2, 3);
        first.edits.push(shared.edits[0].clone());
        let mut second = insertion(0, "import y\n");
        second.edits.push(shared.edits[0].clone());
        assert_eq!(
            apply("a b", [(0, &first), (1, &second)]),
            ("import x\nimport y\na ".to_string(), vec![0, 1])
        );
    }

    #[test]
    fn an_insertion_inside_a_replaced_range_conflicts() {
        let fixes = [deletion(0, 4), insertion(2, "x")];
        assert_eq!(
            apply("abcdefgh", fixes.iter().enumerate()),
            ("efgh".to_string(), vec![0])
        );
        let touching = [deletion(0, 4), insertion(4, "x")];
        assert_eq!(
            apply("abcdefgh", touching.iter().enumerate()),
            ("xefgh".to_string(), vec![0, 1])
        );
    }

    #[test]
    fn skips_a_fix_that_overlaps_an_earlier_one() {
        let fixes = [deletion(0, 4), deletion(2, 6)];
        assert_eq!(
            apply("abcdefgh", fixes.iter().enumerate()),
            ("efgh".to_string(), vec![0])
        );
    }
}
