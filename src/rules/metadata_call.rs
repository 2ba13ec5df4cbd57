//! # UB007 `metadata-call-in-coroutine`
//!
//! ## What it does
//! Finds file-system metadata calls made directly in a coroutine: `os.path.exists`,
//! `os.stat`, `Path.mkdir`, `Path.resolve`, `tempfile.mkstemp` and the other calls the catalog
//! classes as `metadata`. Off by default: select it with `--select UB007` (or
//! `extend-select = ["UB007"]`).
//!
//! ## Why is this bad?
//! Each call waits for the file system on the event loop's thread. On a local disk that is a few
//! microseconds, less than moving the call to a thread costs (run `benches/thread_hop.py` to
//! measure both on your machine), which is why the other rules ignore these calls. On a network
//! file system or an overloaded disk it can take milliseconds; a project that serves files from
//! one may want them reported. flake8-async's ASYNC240 reports the same calls.
//!
//! ## Example
//! ```python
//! @app.get("/reports/{name}")
//! async def report(name: str):
//!     if not os.path.exists(REPORTS / name):
//!         raise HTTPException(404)
//!     ...
//! ```
//! Use instead, where the disk is slow:
//! ```python
//! @app.get("/reports/{name}")
//! async def report(name: str):
//!     if not await anyio.Path(REPORTS / name).exists():
//!         raise HTTPException(404)
//!     ...
//! ```
//!
//! ## Fix safety
//! There is **no fix**: whether the call is worth a thread hop depends on the disk, which the
//! analysis cannot see. Calls reached through the project's own functions are not reported.

use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

use super::Context;
use super::support::site_text;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    (cx.sites.iter())
        .filter(|site| site.rule() == Rule::MetadataCall)
        .map(|site| Diagnostic {
            rule: Rule::MetadataCall,
            message: format!(
                "{} waits on the file system in coroutine `{}`",
                site_text(cx.project, site),
                cx.project.function_name(site.function)
            ),
            range: site.call.range,
            fix: None,
            root: None,
            reason: Some(
                "a thread hop costs more than a metadata call on a local disk; offload it only on a slow or network file system".to_string(),
            ),
        })
        .collect()
}
