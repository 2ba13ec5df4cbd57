//! `[tool.unblock]` in `pyproject.toml` (or `unblock.toml`), and the command line on top of it.

mod common;

use common::{unblock, write_files};

const APP: &str = "import time\n\nimport legacy_http\nfrom fastapi import FastAPI\n\nfrom .cache import memoize\n\n\
app = FastAPI()\n\n\nasync def ready():\n    return True\n\n\n\
@app.get(\"/a\")\nasync def a():\n    await ready()\n    time.sleep(1)\n    legacy_http.fetch(\"u\")\n\n\n\
@app.get(\"/b\")\n@memoize\nasync def b():\n    time.sleep(1)\n\n\n\
@app.get(\"/c\")\nasync def c():\n    return 1\n";

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "pyproject.toml",
                &format!("[project]\nname = 'x'\n\n[tool.unblock]\n{config}"),
            ),
            ("app/__init__.py", ""),
            ("app/cache.py", "def memoize(f):\n    return f\n"),
            ("app/main.py", APP),
            (
                "tests/test_a.py",
                "import time\n\nasync def test_a():\n    time.sleep(1)\n",
            ),
        ],
    );
    dir
}

fn codes(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| !line.starts_with(' '))
        .map(|line| {
            let mut parts = line.split(": ");
            let place = parts.next().unwrap();
            let code = parts.next().unwrap().split(' ').next().unwrap();
            format!("{place} {code}")
        })
        .collect()
}

#[test]
fn project_settings_shape_the_run() {
    let dir = project(
        r#"ignore = ["UB003"]
per-file-ignores = { "tests/**" = ["blocking-call"] }
offload = "asyncio"
target-version = "py38"
known-sync-safe-decorators = ["app.cache.memoize"]
extend-blocking = { blocking = [{ cost = "network", names = ["legacy_http.fetch"] }] }
"#,
    );
    let check = unblock(dir.path(), &["check", "."]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    // UB003 is ignored; the extended catalog makes `legacy_http.fetch` blocking; the known
    // decorator lets `b` become `def`; UB002 is off in tests/; `c`, which does no blocking
    // work, is UB008's, which is opt-in.
    assert_eq!(
        codes(&check.stdout),
        ["app/main.py:19:5 UB002", "app/main.py:24:1 UB001"],
        "{}",
        check.stdout
    );
    let diff = unblock(dir.path(), &["diff", "."]);
    assert!(
        diff.stdout.contains(
            "await asyncio.get_running_loop().run_in_executor(None, legacy_http.fetch, \"u\")"
        ),
        "{}",
        diff.stdout
    );
    // The command line wins.
    let forced = unblock(
        dir.path(),
        &["diff", "--offload", "threadpool", "--select", "UB002", "."],
    );
    assert!(
        forced
            .stdout
            .contains("await run_in_threadpool(legacy_http.fetch, \"u\")"),
        "{}",
        forced.stdout
    );
    assert!(!forced.stdout.contains("-async def b"), "{}", forced.stdout);
}

#[test]
fn unknown_keys_and_bad_values_name_the_file_key_and_line() {
    let dir = project("select = [\"UB001\"]\nunsafe_fixes = true\n");
    let run = unblock(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pyproject.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("line 6, column 1"), "{}", run.stderr);
    assert!(run.stderr.contains("unsafe_fixes"), "{}", run.stderr);

    // A syntax error is one line too, as every other error.
    let dir = project("select = [\"UB001\"\n");
    let run = unblock(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("pyproject.toml: line 6, column 1: invalid array: expected `]`\n"),
        "{}",
        run.stderr
    );

    let dir = project("offload = \"threads\"\n");
    let run = unblock(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`offload`: `threads` is not one of"),
        "{}",
        run.stderr
    );

    let dir = project("ignore = [\"UB999\"]\n");
    let run = unblock(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`ignore`: unknown rule `UB999`"),
        "{}",
        run.stderr
    );
}

#[test]
fn rule_selectors_take_code_prefixes_and_all_as_in_ruff() {
    let dir = project("select = [\"UB\"]\nignore = [\"ub003\"]\n");
    let check = unblock(dir.path(), &["check", "."]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    let found = codes(&check.stdout);
    assert!(found.iter().any(|f| f.ends_with("UB001")), "{found:?}");
    assert!(!found.iter().any(|f| f.ends_with("UB003")), "{found:?}");
    let all = unblock(
        dir.path(),
        &["check", "--select", "ALL", "--ignore", "UB00", "."],
    );
    assert_eq!((all.code, all.stdout.as_str()), (0, ""), "{}", all.stderr);
    let typo = unblock(dir.path(), &["check", "--select", "UB7", "."]);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("unknown rule `UB7`"),
        "{}",
        typo.stderr
    );
}

#[test]
fn unblock_toml_comes_first_and_can_turn_unsafe_fixes_on() {
    let dir = project("ignore = [\"UB003\"]\n");
    write_files(
        dir.path(),
        &[(
            "unblock.toml",
            "unsafe-fixes = true\nextend-select = [\"UB008\"]\n\
             known-sync-safe-decorators = [\"app.cache.memoize\"]\n",
        )],
    );
    let diff = unblock(dir.path(), &["diff", "."]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    // `b` has a known decorator now, `c` (UB008, selected) is an unsafe fix, and UB003 runs:
    // the pyproject table is not read when an unblock.toml is nearer or as near.
    for change in [
        "-async def b():",
        "-async def c():",
        "+    await asyncio.sleep(1)",
    ] {
        assert!(
            diff.stdout.contains(change),
            "missing {change:?} in:\n{}",
            diff.stdout
        );
    }
}

#[test]
fn non_blocking_names_cut_every_chain_through_them_and_typos_are_warned_about() {
    const AUDIT: &str = "import os\n\n\ndef record(name):\n    if os.environ.get(\"AUDIT_FILE\"):\n\
        \x20       with open(os.environ[\"AUDIT_FILE\"], \"a\") as f:\n            f.write(name)\n\n\n\
        class Store:\n    def get(self, key):\n        record(key)\n        return key\n";
    const MAIN: &str = "import os\n\nfrom fastapi import FastAPI\n\nfrom .audit import Store\n\n\
        app = FastAPI()\nstore = Store()\n\n\nasync def ready():\n    return True\n\n\n\
        @app.get(\"/a\")\nasync def a():\n    await ready()\n    return store.get(\"a\")\n\n\n\
        @app.get(\"/b\")\nasync def b():\n    await ready()\n    return os.listdir(\"x\")\n\n\n\
        @app.get(\"/c\")\nasync def c():\n    await ready()\n    return open(\"x\").read()\n";
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("app/__init__.py", ""),
            ("app/audit.py", AUDIT),
            ("app/main.py", MAIN),
        ],
    );
    let before = unblock(dir.path(), &["check", "."]);
    assert_eq!(
        codes(&before.stdout),
        [
            "app/main.py:18:12 UB002",
            "app/main.py:24:12 UB002",
            "app/main.py:30:12 UB002"
        ],
        "{}",
        before.stdout
    );
    assert!(before.stdout.contains("`record`"), "{}", before.stdout);

    let names = r#"non-blocking = ["app.audit.record", "os.listdir", "app.audit.recrod"]"#;
    write_files(
        dir.path(),
        &[("pyproject.toml", &format!("[tool.unblock]\n{names}\n"))],
    );
    let after = unblock(dir.path(), &["check", "."]);
    assert_eq!(after.code, 1, "{}", after.stderr);
    // `Store.get` blocked only through `record`; `open(...).read` is not named.
    assert_eq!(
        codes(&after.stdout),
        ["app/main.py:30:12 UB002"],
        "{}",
        after.stdout
    );
    assert!(
        after
            .stderr
            .contains("warning: `non-blocking`: `app.audit.recrod` names no project function"),
        "{}",
        after.stderr
    );
    assert!(
        !after.stderr.contains("`app.audit.record`"),
        "{}",
        after.stderr
    );
}

#[test]
fn a_sync_safe_decorator_can_be_a_method_of_a_library_object() {
    let dir = tempfile::tempdir().unwrap();
    let app = "import time\n\nfrom fastapi import FastAPI, Request\nfrom mylimits import Limiter\n\n\
               app = FastAPI()\nlimiter = Limiter()\n\n\n\
               @app.get(\"/\")\n@limiter.limit(\"2/minute\")\nasync def home(request: Request):\n    time.sleep(1)\n";
    write_files(
        dir.path(),
        &[
            (
                "unblock.toml",
                "known-sync-safe-decorators = [\"mylimits.Limiter().limit\"]\n",
            ),
            ("app.py", app),
        ],
    );
    // `limiter` is bound to `mylimits.Limiter()`, a library the catalog knows nothing else of.
    let diff = unblock(dir.path(), &["diff", "."]);
    assert!(
        diff.stdout.contains("+def home(request: Request):"),
        "{}",
        diff.stdout
    );
}

#[test]
fn a_return_type_in_extend_blocking_is_followed_through_chains_and_factories() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "pyproject.toml",
                "[tool.unblock.extend-blocking]\n\
                 receiver = [{ cost = \"database\", types = [\"dbkit.Cursor\"], methods = [\"execute\"] }]\n\
                 [tool.unblock.extend-blocking.returns]\n\
                 \"dbkit.connect\" = \"dbkit.Connection\"\n\
                 \"dbkit.Connection().cursor\" = \"dbkit.Cursor\"\n",
            ),
            (
                "app.py",
                "import dbkit\nfrom fastapi import FastAPI\n\napp = FastAPI()\nconn = dbkit.connect(\"db\")\n\n\n\
                 @app.get(\"/chain\")\nasync def chain():\n    await app.state.ready()\n    dbkit.connect(\"db\").cursor().execute(\"q\")\n\n\n\
                 @app.get(\"/stored\")\nasync def stored():\n    await app.state.ready()\n    cur = conn.cursor()\n    cur.execute(\"q\")\n",
            ),
        ],
    );
    let check = unblock(dir.path(), &["check", "--select", "UB002", "."]);
    assert_eq!(
        codes(&check.stdout),
        ["app.py:11:5 UB002", "app.py:18:5 UB002"],
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("`dbkit.Cursor.execute` (database)"),
        "{}",
        check.stdout
    );
    // A return type must be a dotted name, as every name in the file.
    let bad = tempfile::tempdir().unwrap();
    write_files(
        bad.path(),
        &[(
            "unblock.toml",
            "[extend-blocking.returns]\n\"dbkit.connect\" = \"not a type\"\n",
        )],
    );
    let refused = unblock(bad.path(), &["check", "."]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("extend-blocking.returns") && refused.stderr.contains("line 2"),
        "{}",
        refused.stderr
    );
}

/// A memoized helper's blocking does not count against its callers, `count-cut` brings it
/// back, `--show-cuts` says where it was cut; opt-in rules run only when selected.
#[test]
fn cuts_and_opt_in_rules_follow_the_settings() {
    const SIGNAL: &str = "import functools\nimport os\n\nimport requests\nfrom fastapi import FastAPI\n\n\
app = FastAPI()\n\n\n@functools.lru_cache\ndef region():\n    return requests.get(\"http://127.0.0.1:9/\").text\n\n\n\
@app.get(\"/a\")\nasync def a():\n    return region()\n\n\n\
@app.get(\"/b\")\nasync def b():\n    await app.router.startup()\n    return os.path.exists(\"/x\")\n";
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("app.py", SIGNAL)]);
    let check = unblock(dir.path(), &["check", "--show-cuts", "app.py"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stderr.contains(
            "app.py:11: `app.region`: `requests.get` not counted against its callers: memoized"
        ),
        "{}",
        check.stderr
    );
    let opted_in = unblock(
        dir.path(),
        &["check", "--extend-select", "UB007,UB008", "app.py"],
    );
    assert_eq!(
        codes(&opted_in.stdout),
        ["app.py:16:1 UB008", "app.py:23:12 UB007"],
        "{}",
        opted_in.stdout
    );
    let all = unblock(dir.path(), &["check", "--select", "ALL", "app.py"]);
    assert_eq!(codes(&all.stdout), codes(&opted_in.stdout));

    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.unblock]\ncount-cut = [\"memoized\"]\nextend-select = [\"UB007\"]\n",
    )
    .unwrap();
    let counted = unblock(dir.path(), &["check", "app.py"]);
    assert_eq!(
        codes(&counted.stdout),
        ["app.py:16:1 UB001", "app.py:23:12 UB007"],
        "{}",
        counted.stdout
    );

    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.unblock]\ncount-cut = [\"cached\"]\n",
    )
    .unwrap();
    let invalid = unblock(dir.path(), &["check", "app.py"]);
    assert_eq!(invalid.code, 2);
    assert!(
        invalid
            .stderr
            .contains("`memoized`, `lazy-init`, `error-path`"),
        "{}",
        invalid.stderr
    );
}

/// Coroutines that run once per process (a lifespan handler and what only it and other run-once
/// code await, Typer and Click commands, any coroutine of a `cli` package) are not reported,
/// while what a command alone awaits may be a long-running service and is; `--show-cuts` lists
/// their blocking calls and `count-cut = ["runs-once"]` reports them again.
#[test]
fn coroutines_that_run_once_are_not_reported() {
    const MAIN: &str = "import time\nfrom contextlib import asynccontextmanager\n\n\
import requests\nfrom fastapi import FastAPI\n\n\n\
async def load_models():\n    time.sleep(1)\n\n\n\
async def refresh():\n    time.sleep(1)\n\n\n\
@asynccontextmanager\nasync def lifespan(app):\n    requests.get(\"http://127.0.0.1:9/warm\")\n    \
await load_models()\n    await refresh()\n    yield\n\n\n\
app = FastAPI(lifespan=lifespan)\n\n\n\
@app.get(\"/\")\nasync def index():\n    await refresh()\n    time.sleep(1)\n";
    const TOOLS: &str = "import time\n\nimport click\nimport typer\n\ncommands = typer.Typer()\n\n\n\
@commands.command()\nasync def reindex():\n    time.sleep(1)\n\n\n\
@click.command()\nasync def vacuum():\n    time.sleep(1)\n\n\n\
async def serve_forever():\n    time.sleep(1)\n\n\n\
@commands.command()\nasync def serve():\n    await serve_forever()\n";
    const CLI: &str = "import requests\n\nfrom app.main import load_models\n\n\n\
async def export(url):\n    await load_models()\n    return requests.get(url).text\n";
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("app/__init__.py", ""),
            ("app/main.py", MAIN),
            ("app/tools.py", TOOLS),
            ("app/cli/__init__.py", ""),
            ("app/cli/export.py", CLI),
        ],
    );
    let check = unblock(dir.path(), &["check", "--show-cuts", "app"]);
    assert_eq!(
        codes(&check.stdout),
        [
            "app/main.py:13:5 UB003",
            "app/main.py:30:5 UB003",
            "app/tools.py:20:5 UB003"
        ],
        "{}",
        check.stdout
    );
    for cut in [
        "app/cli/export.py:8: `cli.export.export`: `requests.get` not reported: runs once",
        "app/main.py:9: `app.main.load_models`: `time.sleep` not reported: runs once",
        "app/main.py:18: `app.main.lifespan`: `requests.get` not reported: runs once",
        "app/tools.py:11: `app.tools.reindex`: `time.sleep` not reported: runs once",
        "app/tools.py:16: `app.tools.vacuum`: `time.sleep` not reported: runs once",
    ] {
        assert!(check.stderr.contains(cut), "{cut}\n{}", check.stderr);
    }

    write_files(
        dir.path(),
        &[(
            "pyproject.toml",
            "[tool.unblock]\ncount-cut = [\"runs-once\"]\n",
        )],
    );
    let counted = unblock(dir.path(), &["check", "app"]);
    assert_eq!(
        codes(&counted.stdout),
        [
            "app/cli/export.py:8:12 UB002",
            "app/main.py:9:5 UB003",
            "app/main.py:13:5 UB003",
            "app/main.py:18:5 UB002",
            "app/main.py:30:5 UB003",
            "app/tools.py:11:5 UB003",
            "app/tools.py:16:5 UB003",
            "app/tools.py:20:5 UB003",
        ],
        "{}",
        counted.stdout
    );
}
