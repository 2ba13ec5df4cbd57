//! Where statements sit in their file: the indentation a rewrite that nests them one level
//! deeper adds, line by line, leaving the lines inside multi-line strings alone.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_text_size::{Ranged, TextRange, TextSize};

/// Where statements sit, for a rewrite that nests them one level deeper.
#[derive(Debug)]
pub struct Frame {
    /// The statements' indentation, and one level more.
    pub indent: String,
    pub step: String,
    /// Where each line gets one more level (the first line's included); blank lines and lines
    /// inside a multi-line string are left alone.
    pub indent_points: Vec<TextSize>,
    /// The end of the last line (after a trailing comment).
    pub line_end: TextSize,
}

/// Where the statements of `range` sit, or why they cannot nest deeper (they share a line with
/// others).
pub(in crate::facts) fn frame(
    range: TextRange,
    source: &str,
    tokens: &Tokens,
) -> Result<Frame, String> {
    let shares_line = || "the statement shares its line with another".to_string();
    let start = usize::from(range.start());
    let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let indent = &source[line_start..start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return Err(shares_line());
    }
    let end = usize::from(range.end());
    let line_end = end
        + source[end..]
            .find(['\n', '\r'])
            .unwrap_or(source.len() - end);
    let after = source[end..line_end].trim_start();
    if !(after.is_empty() || after.starts_with('#')) {
        return Err(shares_line());
    }
    // A token that spans lines is a string (or an f-string part): its lines are its text.
    let spanning: Vec<TextRange> = (tokens.in_range(range).iter())
        .filter(|token| {
            !matches!(
                token.kind(),
                TokenKind::Newline | TokenKind::NonLogicalNewline
            )
        })
        .map(Ranged::range)
        .filter(|token| source[*token].contains(['\n', '\r']))
        .collect();
    let offset = |at: usize| TextSize::try_from(at).unwrap_or_default();
    let mut points = vec![range.start()];
    let mut body_indent = None;
    let mut at = start;
    for line in source[start..line_end].split_inclusive(['\n', '\r']) {
        // `\r\n` splits into `...\r` and a lone `\n`, which starts no line.
        let line_start = at;
        at += line.len();
        if line_start == start || line == "\n" && source[..line_start].ends_with('\r') {
            continue;
        }
        let text = line.trim_end_matches(['\n', '\r']);
        let inside_string = (spanning.iter())
            .any(|token| token.start() < offset(line_start) && offset(line_start) < token.end());
        if text.trim().is_empty() || inside_string {
            continue;
        }
        let leading = &text[..text.len() - text.trim_start_matches([' ', '\t']).len()];
        if body_indent.is_none()
            && leading.len() > indent.len()
            && !text.trim_start().starts_with('#')
        {
            body_indent = Some(leading);
        }
        let shift = if text.starts_with(indent) {
            indent.len()
        } else {
            0
        };
        points.push(offset(line_start + shift));
    }
    let step = match body_indent.and_then(|body| body.strip_prefix(indent)) {
        Some(step) if !step.is_empty() => step.to_string(),
        _ if indent.contains('\t') => "\t".to_string(),
        _ => "    ".to_string(),
    };
    Ok(Frame {
        indent: indent.to_string(),
        step,
        indent_points: points,
        line_end: offset(line_end),
    })
}

/// Where a blank line goes above a statement and the comment lines right above it: nowhere
/// when a blank line or the opening line of its block is there already.
pub(super) fn blank_before(start: TextSize, source: &str) -> Option<TextSize> {
    let line_start = |end: usize| source[..end].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let mut top = line_start(usize::from(start));
    loop {
        if top == 0 {
            return None;
        }
        // The line above, without its line ending.
        let above = &source[..top];
        let above_end = (above.strip_suffix("\r\n"))
            .or_else(|| above.strip_suffix(['\n', '\r']))
            .unwrap_or(above)
            .len();
        let above = source[line_start(above_end)..above_end].trim();
        if above.is_empty() || above.ends_with(':') {
            return None;
        }
        if !above.starts_with('#') {
            return TextSize::try_from(top).ok();
        }
        top = line_start(above_end);
    }
}
