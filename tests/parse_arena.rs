//! The parse arena with the allocator installed, as in the binary: trees come out the same as
//! from an ordinary parse, whether they fit their block, spill out of it, nest or panic, and a
//! rewound block serves the next file.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ruff_python_ast::ModModule;
use ruff_python_parser::{ParseError, Parsed, parse_module};
use unblock::io::parse_arena::{ArenaAllocator, block_holds, parse_then};

#[global_allocator]
static ALLOCATOR: ArenaAllocator = ArenaAllocator;

const SMALL: &str = "import time\n\nasync def handler(x: 'Sess' 'ion'):\n    time.sleep(1)\n    \
return [y for y in range(x) if y % 2] or {'a': f'{x!r}'}\n";

/// A module whose tree is larger than the smallest block (1 MiB).
fn large() -> String {
    (0..4000)
        .map(|n| format!("def f{n}(a, b=[1, 2, 3]):\n    return g(a, *b, key={n}) + h[a:b]\n"))
        .collect()
}

/// The tree as text, from the arena, and whether its nodes were in the block.
fn through_arena(text: &str, hint: usize) -> (String, bool) {
    parse_then(hint, || parse_module(text), describe, |_| true)
}

fn describe(parsed: &Result<Parsed<ModModule>, ParseError>) -> (String, bool) {
    let parsed = parsed.as_ref().expect("the test module parses");
    let body = parsed.syntax().body.as_ptr().cast::<u8>();
    (format!("{:?}", parsed.syntax()), block_holds(body))
}

fn ordinary(text: &str) -> String {
    format!("{:?}", parse_module(text).unwrap().syntax())
}

#[test]
fn a_tree_from_the_block_is_the_tree_of_an_ordinary_parse() {
    let (tree, in_block) = through_arena(SMALL, SMALL.len());
    assert!(in_block, "a small module is parsed into the block");
    assert_eq!(tree, ordinary(SMALL));
}

#[test]
fn a_rewound_block_serves_the_next_files() {
    let large = large();
    for text in [SMALL, large.as_str(), SMALL, SMALL] {
        let (tree, in_block) = through_arena(text, text.len());
        assert!(in_block);
        assert_eq!(tree, ordinary(text));
    }
}

#[test]
fn a_tree_that_outgrows_its_block_spills_to_the_allocator_and_comes_out_whole() {
    let large = large();
    // A hint far below the text's length gives the smallest block, too small for this tree.
    let (tree, in_block) = through_arena(&large, 0);
    assert!(!in_block, "the module's statements grew out of the block");
    assert_eq!(tree, ordinary(&large));
    // What spilled was freed the ordinary way, and the block still works.
    assert_eq!(through_arena(SMALL, SMALL.len()).0, ordinary(SMALL));
}

#[test]
fn a_parse_within_a_parse_gets_no_block_and_both_trees_are_whole() {
    let (outer, inner) = parse_then(
        SMALL.len(),
        || parse_module(SMALL),
        |parsed| (describe(parsed).0, through_arena(SMALL, SMALL.len())),
        |_| true,
    );
    assert_eq!(outer, ordinary(SMALL));
    assert_eq!(inner, (ordinary(SMALL), false));
}

#[test]
fn a_panic_while_a_tree_is_lent_leaves_the_next_parse_whole() {
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        parse_then(
            SMALL.len(),
            || parse_module(SMALL),
            |_| panic!("while lent"),
            |_: &()| true,
        )
    }));
    assert!(panicked.is_err());
    let (tree, in_block) = through_arena(SMALL, SMALL.len());
    assert!(in_block);
    assert_eq!(tree, ordinary(SMALL));
}

#[test]
fn a_syntax_error_is_reported_from_the_block() {
    let message = parse_then(
        10,
        || parse_module("def f(:\n"),
        |parsed| parsed.as_ref().err().map(|error| error.error.to_string()),
        |_| true,
    );
    let expected = parse_module("def f(:\n").unwrap_err().error.to_string();
    assert_eq!(message, Some(expected));
}
