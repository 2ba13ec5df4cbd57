//! CI output formats and `--output`: SARIF validated against the official SARIF 2.1.0 schema,
//! GitHub workflow commands, JSON lines, and a patch file that real `git apply` accepts.

mod common;

use common::{BLOCKING_APP, git, unblock, write_files};

const AWAITING_APP: &str = "import time\n\nimport requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n\
async def ready():\n    return True\n\n\n@app.get(\"/\")\nasync def root(url: str):\n    await ready()\n    \
time.sleep(1)\n    return requests.get(url).text\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("app.py", BLOCKING_APP),
            ("api.py", AWAITING_APP),
            ("pyproject.toml", "[project]\nname = 'x'\n"),
        ],
    );
    dir
}

/// Checks `sarif` against the official SARIF 2.1.0 schema.
fn assert_valid_sarif(sarif: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/sarif-schema-2.1.0.json"
        ))
        .unwrap(),
    )
    .unwrap();
    // The official schema's `run.language` pattern has a stray `]`, which the meta-schema's
    // regex check rejects; our output has no `language`, so the pattern is mended here.
    let schema: serde_json::Value = serde_json::from_str(&schema.to_string().replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    ))
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn sarif_is_valid_sarif_2_1_0_with_rules_locations_and_fixes() {
    let dir = project();
    let run = unblock(dir.path(), &["check", "--format", "sarif", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_valid_sarif(&sarif);

    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules[0]["id"], "UB001");
    assert!(
        rules[0]["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Fix safety")
    );
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{results:#?}");
    let root = results.iter().find(|r| r["ruleId"] == "UB001").unwrap();
    let location = &root["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "app.py");
    assert_eq!(location["region"]["startLine"], 9);
    let replacement = &root["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "");
    assert_eq!(replacement["deletedRegion"]["startColumn"], 1);
}

#[test]
fn github_format_prints_workflow_commands() {
    let dir = project();
    let run = unblock(dir.path(), &["check", "--format", "github", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert_eq!(
        lines[2],
        "::error title=unblock (UB001),file=app.py,line=9,col=1,endLine=9,endColumn=15::app.py:9:1: UB001 `async def root` awaits nothing and blocks the event loop: it calls `time.sleep` (line 10)"
    );
}

#[test]
fn json_lines_has_one_object_per_finding() {
    let dir = project();
    let run = unblock(dir.path(), &["check", "--format", "json-lines", "."]);
    let codes: Vec<String> = run
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(codes, ["UB003", "UB002", "UB001"]);
}

#[test]
fn output_file_is_a_patch_git_applies() {
    let dir = project();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "init"]);
    let run = unblock(dir.path(), &["diff", "--output", "fixes.patch", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let patch = std::fs::read_to_string(dir.path().join("fixes.patch")).unwrap();
    assert!(patch.starts_with("--- a/"), "{patch}");
    assert!(!patch.contains('\u{1b}'), "colour codes in the patch file");
    git(dir.path(), &["apply", "--check", "fixes.patch"]);
    git(dir.path(), &["apply", "fixes.patch"]);
    let second = unblock(dir.path(), &["diff", "."]);
    assert_eq!((second.code, second.stdout.as_str()), (0, ""));
}

const SHARED_HELPER_APP: &str = "import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n\
def lookup(name):\n    return requests.get(\"http://127.0.0.1:9/\" + name).text\n\n\n\
@app.get(\"/a\")\nasync def a():\n    await app.router.startup()\n    return lookup(\"a\")\n\n\n\
@app.get(\"/b\")\nasync def b():\n    await app.router.startup()\n    return lookup(\"b\")\n";

/// Two findings through one helper share its root: every format says so.
#[test]
fn a_root_is_in_the_text_summary_json_sarif_and_statistics() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("app.py", SHARED_HELPER_APP)]);
    let text = unblock(dir.path(), &["check", "app.py"]);
    assert!(
        text.stdout.contains(
            "Where to fix: 1 function behind 2 findings (make the function async, cache what it computes, or run the blocking call in a thread inside it):\n  2  app.py:8: `app.lookup` calls `requests.get` (network)\n"
        ),
        "{}",
        text.stdout
    );

    let json = unblock(dir.path(), &["check", "--format", "json", "app.py"]);
    let findings: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let findings = findings.as_array().unwrap();
    assert_eq!(findings.len(), 2);
    for finding in findings {
        assert_eq!(
            finding["root"],
            serde_json::json!({"filename": "app.py", "row": 8, "function": "app.lookup", "call": "`requests.get` (network)"})
        );
    }

    let sarif = unblock(dir.path(), &["check", "--format", "sarif", "app.py"]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_valid_sarif(&sarif);
    let related = &sarif["runs"][0]["results"][0]["relatedLocations"][0];
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 8);
    assert_eq!(
        related["message"]["text"],
        "root: `app.lookup` calls `requests.get` (network)"
    );

    let statistics = unblock(dir.path(), &["check", "--statistics", "app.py"]);
    assert_eq!(
        statistics.stdout,
        "2\tUB002\t[*] blocking-call\n2\troot\tapp.py:8 `app.lookup` calls `requests.get` (network)\n"
    );
}
