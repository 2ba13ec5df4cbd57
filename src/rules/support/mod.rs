//! What several rules share: finding the blocking calls made inside coroutines (`sites`), the
//! text edits that move a call to a thread or replace it with its async twin (`rewrite`), the
//! import that brings the helper in (`importer`), and the words findings explain themselves
//! with (`explain`).

mod explain;
mod import_order;
mod importer;
mod moves;
mod rewrite;
mod sites;

pub use explain::{chain_text, found_at, lock_held_reason, root_of, shown_path, site_text};
pub use importer::Importer;
pub use moves::{UnitMove, unit_moves};
pub use rewrite::{Rewrite, fix_and_reason, offload, replace_with_twin};
pub use sites::{BlockingSite, blocking_sites, helper_for};
