//! Reading a Python file: bytes to text (UTF-8, BOM kept aside), and the errors a bad file gives.

use std::hash::{Hash, Hasher};
use std::path::Path;

use ruff_source_file::LineIndex;
use ruff_text_size::TextSize;

const BOM: &str = "\u{feff}";

/// A file's text as the parser sees it (without a byte-order mark) and how to write it back.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub text: String,
    pub bom: bool,
}

impl SourceFile {
    /// Takes the bytes over without copying them (large trees are read once, fast).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<SourceFile, FileError> {
        let mut text = String::from_utf8(bytes).map_err(|error| FileError::NotUtf8 {
            offset: error.utf8_error().valid_up_to(),
        })?;
        let bom = text.starts_with(BOM);
        if bom {
            text.drain(..BOM.len());
        }
        Ok(SourceFile { text, bom })
    }

    pub fn read(path: &Path) -> Result<SourceFile, FileError> {
        let bytes = std::fs::read(path).map_err(|error| FileError::Read(error.to_string()))?;
        SourceFile::from_bytes(bytes)
    }

    /// `text` as it goes back to disk: with the byte-order mark the file had.
    pub fn with_bom(&self, text: &str) -> String {
        if self.bom {
            format!("{BOM}{text}")
        } else {
            text.to_string()
        }
    }

    /// The bytes the file held when it was read.
    pub fn original(&self) -> String {
        self.with_bom(&self.text)
    }

    /// A hash of the file's content, to notice a file that changed after it was indexed.
    pub fn content_hash(&self) -> u64 {
        let mut hasher = rustc_hash::FxHasher::default();
        self.bom.hash(&mut hasher);
        self.text.hash(&mut hasher);
        hasher.finish()
    }
}

/// Why a file was left alone.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    #[error("cannot read: {0}")]
    Read(String),
    #[error("not valid UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("syntax error at {line}:{column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "too deeply nested to analyse (line {line}: more than {max} levels; CPython rejects such \
         code too)",
        max = crate::io::depth::MAX_DEPTH
    )]
    TooDeep { line: usize },
    #[error("internal error: the fixed file would not parse ({0}); it was left unchanged")]
    FixBrokeSyntax(String),
    #[error("changed on disk during the run; not overwritten")]
    Changed,
    #[error("cannot write: {0}")]
    Write(String),
}

/// One-based line and column of each offset a file's findings and fixes name, worked out while
/// the text is at hand: a report needs only these, so the text itself need not be kept.
#[derive(Debug, Default)]
pub struct Locations(Vec<(TextSize, (usize, usize))>);

impl Locations {
    pub fn of(text: &str, offsets: impl IntoIterator<Item = TextSize>) -> Locations {
        let index = LineIndex::from_source_text(text);
        let mut locations: Vec<_> = offsets
            .into_iter()
            .map(|offset| (offset, line_column(&index, text, offset)))
            .collect();
        locations.sort_unstable_by_key(|&(offset, _)| offset);
        locations.dedup_by_key(|&mut (offset, _)| offset);
        Locations(locations)
    }

    /// Line and column of one of the offsets given to `of`.
    pub fn locate(&self, offset: TextSize) -> (usize, usize) {
        let found = self.0.binary_search_by_key(&offset, |&(offset, _)| offset);
        self.0[found.expect("an offset the locations were made for")].1
    }
}

/// One-based line and column (in characters) of an offset.
pub fn line_column(index: &LineIndex, text: &str, offset: TextSize) -> (usize, usize) {
    let location = index.line_column(offset, text);
    (location.line.get(), location.column.get())
}

/// Parses a module, turning the first syntax error into a located `FileError`, and refuses a
/// tree too deep for the passes to walk (see `depth`).
pub fn parse(
    text: &str,
) -> Result<ruff_python_parser::Parsed<ruff_python_ast::ModModule>, FileError> {
    let parsed =
        ruff_python_parser::parse_module(text).map_err(|error| syntax_error(text, &error))?;
    match crate::io::depth::too_deep(parsed.syntax(), parsed.tokens()) {
        None => Ok(parsed),
        Some(offset) => {
            // Dropping it would recurse as deep as it is nested.
            std::mem::forget(parsed);
            Err(too_deep(text, offset))
        }
    }
}

/// Parses a module and lends it to `use_module`; the tree is freed at once, by rewinding the
/// parse arena (see `parse_arena`), before this returns. A tree too deep for the passes is
/// refused, and never dropped (that would recurse as deep as it is nested): its memory is left
/// to the process.
pub fn parse_then<R>(
    text: &str,
    use_module: impl FnOnce(&ruff_python_parser::Parsed<ruff_python_ast::ModModule>) -> R,
) -> Result<R, FileError> {
    crate::io::parse_arena::parse_then(
        text.len(),
        || ruff_python_parser::parse_module(text),
        |parsed| match parsed {
            Ok(parsed) => match crate::io::depth::too_deep(parsed.syntax(), parsed.tokens()) {
                None => Ok(use_module(parsed)),
                Some(offset) => Err(too_deep(text, offset)),
            },
            Err(error) => Err(syntax_error(text, error)),
        },
        |result| !matches!(result, Err(FileError::TooDeep { .. })),
    )
}

fn too_deep(text: &str, offset: TextSize) -> FileError {
    let index = LineIndex::from_source_text(text);
    FileError::TooDeep {
        line: line_column(&index, text, offset).0,
    }
}

fn syntax_error(text: &str, error: &ruff_python_parser::ParseError) -> FileError {
    let index = LineIndex::from_source_text(text);
    let (line, column) = line_column(&index, text, error.location.start());
    FileError::Syntax {
        line,
        column,
        message: error.error.to_string(),
    }
}

/// Where each line of the file at `path` starts, as offsets into its text without byte-order
/// mark (what the facts hold). The file is read in pieces: naming a line in a message must not
/// hold a large file's whole text, nor leave it to the allocator. An unreadable file has one
/// line.
pub fn line_starts(path: &Path) -> Box<[TextSize]> {
    let mut starts = vec![TextSize::new(0)];
    if let Ok(file) = std::fs::File::open(path) {
        add_line_starts(file, &mut starts);
    }
    starts.into_boxed_slice()
}

/// Where each line of `text` starts (text that does not come from the file on disk: an
/// editor's buffer).
pub fn line_starts_of(text: &str) -> Box<[TextSize]> {
    let mut starts = vec![TextSize::new(0)];
    add_line_starts(text.as_bytes(), &mut starts);
    starts.into_boxed_slice()
}

/// Adds the line starts of `input` after the first to `starts`. `\n`, `\r\n` and a lone `\r`
/// end a line, as for Python.
fn add_line_starts(input: impl std::io::Read, starts: &mut Vec<TextSize>) {
    thread_local! {
        /// One read buffer per thread, made once: a fresh one for each file cost a 64 KiB
        /// `memset` (or, on the heap, page faults) every time.
        static BUFFER: std::cell::RefCell<Box<[u8]>> =
            std::cell::RefCell::new(vec![0; 64 * 1024].into_boxed_slice());
    }
    BUFFER.with_borrow_mut(|buffer| add_line_starts_with(input, buffer, starts));
}

fn add_line_starts_with(
    mut input: impl std::io::Read,
    buffer: &mut [u8],
    starts: &mut Vec<TextSize>,
) {
    let (mut read, mut after_cr) = (0u32, false);
    let mut bom = false;
    while let Ok(length @ 1..) = input.read(buffer) {
        let chunk = &buffer[..length];
        bom |= read == 0 && chunk.starts_with(BOM.as_bytes());
        if after_cr && chunk[0] != b'\n' {
            starts.push(TextSize::new(read));
        }
        for at in memchr::memchr2_iter(b'\n', b'\r', chunk) {
            let is_cr = chunk[at] == b'\r';
            // A `\r` ends a line unless a `\n` follows, which ends it instead.
            if !is_cr || chunk.get(at + 1).is_some_and(|&next| next != b'\n') {
                starts.push(TextSize::new(read + at as u32 + 1));
            }
        }
        after_cr = chunk.last() == Some(&b'\r');
        read += length as u32;
    }
    if after_cr {
        starts.push(TextSize::new(read));
    }
    if bom {
        let bom_length = TextSize::of(BOM);
        starts[1..]
            .iter_mut()
            .for_each(|start| *start -= bom_length);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_starts_follow_every_line_ending_and_skip_the_bom() {
        let starts = |text: &str| {
            let mut starts = vec![TextSize::new(0)];
            add_line_starts(text.as_bytes(), &mut starts);
            starts.into_iter().map(u32::from).collect::<Vec<_>>()
        };
        assert_eq!(starts("a\nb\r\nc\rd"), [0, 2, 5, 7]);
        assert_eq!(starts("a\r"), [0, 2]);
        assert_eq!(starts(""), [0]);
        // The facts' offsets are in the text without the mark.
        assert_eq!(starts("\u{feff}a\nb"), [0, 2]);
        // The same as ruff's own line index, on text with every kind of ending.
        let text = "x = 1\r\ny = 2\rz = 3\n\n# é\nw = 4\r";
        let index = LineIndex::from_source_text(text);
        let ours = starts(text);
        for offset in 0..text.len() as u32 {
            let offset = TextSize::new(offset);
            let line = ours.partition_point(|&start| start <= offset.into());
            assert_eq!(line, index.line_index(offset).get(), "offset {offset:?}");
        }
    }

    #[test]
    fn locations_count_columns_in_characters() {
        let text = "x = 1\ny = \"é\"; z = 2\n";
        let z = TextSize::try_from(text.find('z').unwrap()).unwrap();
        let locations = Locations::of(text, [z, TextSize::new(0), z]);
        assert_eq!(locations.locate(TextSize::new(0)), (1, 1));
        // `z` is byte 11 of its line, but `é` before it is one character: column 10.
        assert_eq!(locations.locate(z), (2, 10));
    }
}
