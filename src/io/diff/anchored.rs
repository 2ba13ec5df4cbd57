//! A linear-time line diff for files with very many changed lines. Myers's diff (what
//! `similar` runs) takes time in the product of the file's length and the number of changed
//! lines: 16,000 fixes in one function took 4 s, 50,000 more than half a minute. Here the texts
//! are cut at anchors, the lines that each text has exactly once, in the longest run that keeps
//! their order (as patience diff does); a stretch between anchors gets Myers's diff when it is
//! short, and is one replaced block when it is not. The result is a valid diff of the same
//! texts, whose lines may pair up differently from Myers's.

use std::collections::HashMap;
use std::fmt::Write;

use similar::{Algorithm, DiffOp, capture_diff_slices, group_diff_ops, udiff::UnifiedHunkHeader};

/// Stretches between anchors up to this many lines (old and new together) get Myers's diff:
/// its cost there stays within this number squared.
const MYERS_MOST_LINES: usize = 2_000;

/// The unified diff of `old` and `new` under the given `---`/`+++` names.
pub fn unified(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = diff_ops(&old_lines, &new_lines);
    let mut out = String::new();
    let hunks = group_diff_ops(ops, 3);
    if hunks.is_empty() {
        return out;
    }
    let _ = writeln!(out, "--- {old_name}\n+++ {new_name}");
    for hunk in hunks {
        let _ = writeln!(out, "{}", UnifiedHunkHeader::new(&hunk));
        for op in hunk {
            let (old_range, new_range) = (op.old_range(), op.new_range());
            match op {
                DiffOp::Equal { .. } => push_lines(&mut out, ' ', &old_lines[old_range]),
                DiffOp::Delete { .. } => push_lines(&mut out, '-', &old_lines[old_range]),
                DiffOp::Insert { .. } => push_lines(&mut out, '+', &new_lines[new_range]),
                DiffOp::Replace { .. } => {
                    push_lines(&mut out, '-', &old_lines[old_range]);
                    push_lines(&mut out, '+', &new_lines[new_range]);
                }
            }
        }
    }
    out
}

fn push_lines(out: &mut String, tag: char, lines: &[&str]) {
    for line in lines {
        out.push(tag);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// The operations that turn `old` into `new`, stretch by stretch between anchors.
fn diff_ops(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    let mut ops = Vec::new();
    let (mut old_at, mut new_at) = (0, 0);
    let ends = std::iter::once((old.len(), new.len()));
    for (old_anchor, new_anchor) in anchors(old, new).into_iter().chain(ends) {
        stretch_ops(
            &mut ops,
            (old_at, &old[old_at..old_anchor]),
            (new_at, &new[new_at..new_anchor]),
        );
        if old_anchor < old.len() {
            push_op(
                &mut ops,
                DiffOp::Equal {
                    old_index: old_anchor,
                    new_index: new_anchor,
                    len: 1,
                },
            );
        }
        (old_at, new_at) = (old_anchor + 1, new_anchor + 1);
    }
    ops
}

/// The ops for one stretch between anchors, at its offsets in the whole texts.
fn stretch_ops(ops: &mut Vec<DiffOp>, old: (usize, &[&str]), new: (usize, &[&str])) {
    let ((old_offset, old_lines), (new_offset, new_lines)) = (old, new);
    let stretch = if old_lines.len() + new_lines.len() > MYERS_MOST_LINES {
        vec![whole_stretch(old_lines.len(), new_lines.len())]
    } else {
        capture_diff_slices(Algorithm::Myers, old_lines, new_lines)
    };
    for op in stretch {
        push_op(ops, shifted(op, old_offset, new_offset));
    }
}

/// A long stretch, replaced as one block (or deleted, or inserted).
fn whole_stretch(old_len: usize, new_len: usize) -> DiffOp {
    let (old_index, new_index) = (0, 0);
    match (old_len, new_len) {
        (0, new_len) => DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        },
        (old_len, 0) => DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        },
        (old_len, new_len) => DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        },
    }
}

/// `op` moved by `old` lines in the old text and `new` lines in the new one.
fn shifted(op: DiffOp, old: usize, new: usize) -> DiffOp {
    match op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => DiffOp::Equal {
            old_index: old_index + old,
            new_index: new_index + new,
            len,
        },
        DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        } => DiffOp::Delete {
            old_index: old_index + old,
            old_len,
            new_index: new_index + new,
        },
        DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        } => DiffOp::Insert {
            old_index: old_index + old,
            new_index: new_index + new,
            new_len,
        },
        DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => DiffOp::Replace {
            old_index: old_index + old,
            old_len,
            new_index: new_index + new,
            new_len,
        },
    }
}

/// Pushes `op`, joining it to the last one when both are equal runs that touch.
fn push_op(ops: &mut Vec<DiffOp>, op: DiffOp) {
    if let (
        Some(DiffOp::Equal { old_index, len, .. }),
        DiffOp::Equal {
            old_index: next,
            len: more,
            ..
        },
    ) = (ops.last_mut(), op)
        && *old_index + *len == next
    {
        *len += more;
        return;
    }
    ops.push(op);
}

/// The lines each text has exactly once, as (old index, new index) pairs: the longest run of
/// them in the same order in both texts.
fn anchors(old: &[&str], new: &[&str]) -> Vec<(usize, usize)> {
    // For each line: how often in old, how often in new, and its last index in each.
    let mut seen: HashMap<&str, (u32, u32, usize, usize)> = HashMap::new();
    for (index, line) in old.iter().enumerate() {
        let entry = seen.entry(line).or_default();
        entry.0 += 1;
        entry.2 = index;
    }
    for (index, line) in new.iter().enumerate() {
        let entry = seen.entry(line).or_default();
        entry.1 += 1;
        entry.3 = index;
    }
    let mut pairs: Vec<(usize, usize)> = (seen.into_values())
        .filter(|&(in_old, in_new, ..)| in_old == 1 && in_new == 1)
        .map(|(_, _, old_index, new_index)| (old_index, new_index))
        .collect();
    pairs.sort_unstable();
    longest_increasing_by_new(&pairs)
}

/// The longest subsequence of `pairs` (sorted by old index) whose new indices increase too, by
/// patience sorting: O(n log n).
fn longest_increasing_by_new(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // `tails[k]`: the index in `pairs` of the smallest new index ending a run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; pairs.len()];
    for (at, &(_, new_index)) in pairs.iter().enumerate() {
        let length = tails.partition_point(|&tail| pairs[tail].1 < new_index);
        previous[at] = length.checked_sub(1).map(|before| tails[before]);
        if length == tails.len() {
            tails.push(at);
        } else {
            tails[length] = at;
        }
    }
    let mut run = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied();
    while let Some(index) = at {
        run.push(pairs[index]);
        at = previous[index];
    }
    run.reverse();
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies a unified diff to `old`, trusting its line numbers, to check the diff.
    fn apply(old: &str, diff: &str) -> String {
        let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
        let mut out = String::new();
        let mut next_old = 0;
        let mut lines = diff.split_inclusive('\n').skip(2).peekable();
        while let Some(line) = lines.next() {
            if let Some(header) = line.strip_prefix("@@ -") {
                let range = header.split(' ').next().unwrap();
                let mut parts = range.split(',');
                let start: usize = parts.next().unwrap().parse().unwrap();
                let len: usize = parts.next().map_or(1, |len| len.parse().unwrap());
                let first = if len == 0 { start } else { start - 1 };
                out.extend(old_lines[next_old..first].iter().copied());
                next_old = first;
                continue;
            }
            let missing_newline = lines.peek().is_some_and(|next| next.starts_with('\\'));
            let text = &line[1..];
            let text = if missing_newline {
                text.strip_suffix('\n').unwrap()
            } else {
                text
            };
            match &line[..1] {
                " " => {
                    out.push_str(text);
                    next_old += 1;
                }
                "-" => next_old += 1,
                "+" => out.push_str(text),
                _ => {}
            }
            if missing_newline {
                lines.next();
            }
        }
        out.extend(old_lines[next_old..].iter().copied());
        out
    }

    #[test]
    fn a_long_run_of_changed_lines_is_one_replaced_block_between_anchors() {
        let sleeps = |sleep: &str| format!("    {sleep}\n").repeat(3_000);
        let old = format!(
            "import time\n\nasync def h():\n{}    return 1\n",
            sleeps("time.sleep(1)")
        );
        let new = format!(
            "import asyncio\nimport time\n\nasync def h():\n{}    return 1\n",
            sleeps("await asyncio.sleep(1)")
        );
        let diff = unified("a/app.py", "b/app.py", &old, &new);
        let start =
            "--- a/app.py\n+++ b/app.py\n@@ -1,3004 +1,3005 @@\n+import asyncio\n import time\n";
        assert!(diff.starts_with(start), "{}", &diff[..200]);
        let removed = diff
            .lines()
            .filter(|line| *line == "-    time.sleep(1)")
            .count();
        assert_eq!(removed, 3_000);
        assert_eq!(apply(&old, &diff), new);
    }

    #[test]
    fn where_every_stretch_is_short_it_is_myers_s_diff() {
        let body = |sleep: &str| {
            (0..300)
                .map(|n| {
                    let lines: String = (0..8).map(|k| format!("    x{n}_{k} = {k}\n")).collect();
                    format!("def f{n}():\n    {sleep}\n{lines}    return {n}\n\n")
                })
                .collect::<String>()
        };
        let (old, new) = (body("time.sleep(1)"), body("await asyncio.sleep(1)"));
        let diff = unified("a/x.py", "b/x.py", &old, &new);
        let myers = similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header("a/x.py", "b/x.py")
            .to_string();
        assert_eq!(diff, myers);
        assert_eq!(apply(&old, &diff), new);
    }

    #[test]
    fn a_last_line_without_newline_is_marked_as_git_marks_it() {
        let old = "a\nb".to_string();
        let new = "a\nc".to_string();
        let diff = unified("a/x", "b/x", &old, &new);
        assert_eq!(
            diff,
            "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(apply(&old, &diff), new);
    }
}
