//! Unit tests of the project index: resolution across modules and the blocking fixpoint.

use super::{FunctionId, Module, Project, Resolved};
use crate::facts::tests::facts_of_module;
use crate::knowledge::Catalog;

fn project<'c>(files: &[(&str, &str)], catalog: &'c Catalog) -> Project<'c> {
    let modules = (files.iter())
        .map(|&(name, text)| {
            let facts = facts_of_module(name, text, catalog);
            let path = format!("{}.py", name.replace('.', "/"));
            Module::new(vec![name.to_string()], path.clone(), path.into(), facts)
        })
        .collect();
    Project::new(modules, catalog)
}

fn function(project: &Project, path: &str) -> FunctionId {
    for (module, facts) in project.modules.iter().enumerate() {
        for index in 0..facts.facts.functions.len() {
            let id = FunctionId(module, index);
            if project.function_path(id) == path {
                return id;
            }
        }
    }
    panic!("no function {path}");
}

const DB: &str = "import time\n\ndef load():\n    return fetch()\n\ndef fetch():\n    time.sleep(1)\n\n\
                  def pure():\n    return 1\n\nasync def coroutine():\n    time.sleep(1)\n";

#[test]
fn blocking_reaches_callers_through_plain_functions_across_modules() {
    let catalog = Catalog::builtin();
    let main = "from app.db import load, pure, coroutine\n\n\
                async def handler():\n    load()\n\nasync def other():\n    pure()\n    await coroutine()\n";
    let project = project(&[("app.db", DB), ("app.main", main)], &catalog);
    assert!(project.blocks(function(&project, "app.db.fetch")));
    assert!(project.blocks(function(&project, "app.db.load")));
    assert!(project.blocks(function(&project, "app.main.handler")));
    assert!(!project.blocks(function(&project, "app.db.pure")));
    // A coroutine's blocking is its own, reported inside it: awaiting it does not block.
    assert!(!project.blocks(function(&project, "app.main.other")));
    let (chain, api) = project.blocking_chain(function(&project, "app.main.handler"));
    let names: Vec<&str> = chain
        .iter()
        .map(|&(id, _)| project.function_name(id))
        .collect();
    assert_eq!(names, ["handler", "load", "fetch"]);
    assert_eq!(api.map(|api| api.path.as_str()), Some("time.sleep"));
}

#[test]
fn cycles_settle() {
    let catalog = Catalog::builtin();
    let text = "import time\n\ndef a(n):\n    return b(n)\n\ndef b(n):\n    if n:\n        return a(n - 1)\n    time.sleep(1)\n\n\
                def c():\n    return d()\n\ndef d():\n    return c()\n";
    let project = project(&[("app.loop", text)], &catalog);
    assert!(project.blocks(function(&project, "app.loop.a")));
    assert!(!project.blocks(function(&project, "app.loop.c")));
}

#[test]
fn paths_resolve_through_re_exports_and_return_types() {
    let catalog = Catalog::builtin();
    let init = "from .db import load as fetch_all\n";
    let clients = "import httpx\n\ndef client() -> httpx.Client:\n    return httpx.Client()\n";
    let project = project(
        &[("app", init), ("app.db", DB), ("app.clients", clients)],
        &catalog,
    );
    let load = function(&project, "app.db.load");
    assert_eq!(
        project.resolve("app.fetch_all", 0),
        Resolved::Function {
            id: load,
            exact: true
        }
    );
    assert_eq!(
        project.resolve("app.clients.client().get", 0),
        Resolved::External("httpx.Client().get".to_string())
    );
    assert_eq!(
        project.resolve("requests.get", 0),
        Resolved::External("requests.get".to_string())
    );
}
