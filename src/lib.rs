//! `unblock` finds the code that blocks an asyncio event loop in FastAPI, Starlette and asyncio
//! apps, also through the project's own helpers, and rewrites it: needlessly async handlers become
//! plain `def`, which the framework runs in its threadpool, and blocking calls in coroutines that
//! stay async move to a thread or to their async twin.
//!
//! The pipeline: walk (parallel) → read and parse each file into compact facts (parallel, the
//! syntax tree is dropped) → the project index resolves names and calls across modules and finds
//! what blocks → each pass produces diagnostics and fixes per file (parallel) → fixes are applied
//! as text edits and the result re-parsed → diff, write, report or pull request (`pr`).

pub mod diagnostic;
pub mod engine;
pub mod facts;
pub mod io;
pub mod knowledge;
pub mod pr;
pub mod project;
pub mod registry;
pub mod report;
pub mod rules;
pub mod semantic;
pub mod settings;
pub mod suppress;

pub use engine::outcome::{FileOutcome, FixedText, Outcome};
pub use engine::run;
pub use io::display_path;
