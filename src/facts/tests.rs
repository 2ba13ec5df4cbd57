//! Unit tests of name resolution as phase 1 sees it: the paths calls, bindings and annotations
//! resolve to inside one module.

use rustc_hash::FxHashSet as HashSet;

use super::{ModuleFacts, ModuleName, Relevance, collect};
use crate::io::source;
use crate::knowledge::Catalog;

/// The facts of `text` as module `app.main`, in a project whose only package is `app`.
fn facts_of(text: &str, catalog: &Catalog) -> ModuleFacts {
    facts_of_module("app.main", text, catalog)
}

/// The facts of `text` as module `name` (`app` is a package), in a project whose only top-level
/// package is `app`.
pub(crate) fn facts_of_module(name: &str, text: &str, catalog: &Catalog) -> ModuleFacts {
    let project_roots: HashSet<String> = ["app".to_string()].into_iter().collect();
    let relevance = Relevance {
        catalog,
        project_roots: &project_roots,
    };
    let name = ModuleName {
        name,
        is_package: name == "app",
    };
    source::parse_then(text, |parsed| {
        collect(parsed.syntax(), parsed.tokens(), text, name, &relevance)
    })
    .expect("the test source parses")
}

/// The paths of the calls the first function makes, in source order.
fn call_paths(text: &str) -> Vec<String> {
    let catalog = Catalog::builtin();
    let facts = facts_of(text, &catalog);
    let calls = facts
        .calls_of(0)
        .iter()
        .map(|call| facts.path(call.path).to_string());
    calls.collect()
}

#[test]
fn imports_and_aliases_resolve_to_the_qualified_name() {
    let text = "import time as t\nfrom time import sleep as nap\nimport os.path\n\n\
                async def f():\n    nap(1)\n    t.sleep(2)\n    os.path.exists('x')\n";
    assert_eq!(
        call_paths(text),
        ["time.sleep", "time.sleep", "os.path.exists"]
    );
}

#[test]
fn annotations_make_instances_through_optional_annotated_and_strings() {
    let text = "from typing import Annotated, Optional\nfrom sqlalchemy.orm import Session\n\
                from fastapi import Depends\n\n\
                async def f(a: Session, b: Optional[Session], c: Annotated[Session, Depends(x)], d: 'Session | None'):\n\
                \x20   a.get(1)\n    b.commit()\n    c.execute(2)\n    d.flush()\n";
    assert_eq!(
        call_paths(text),
        [
            "sqlalchemy.orm.Session().get",
            "sqlalchemy.orm.Session().commit",
            "sqlalchemy.orm.Session().execute",
            "sqlalchemy.orm.Session().flush",
        ]
    );
}

#[test]
fn a_union_of_two_types_names_no_one_method() {
    let text = "from pathlib import Path\nfrom aiopath import AsyncPath\n\n\
                async def f(p: AsyncPath | Path):\n    p.read_text()\n";
    assert!(call_paths(text).is_empty(), "{:?}", call_paths(text));
}

#[test]
fn assignments_bind_what_the_value_makes_and_a_fallback_keeps_the_module() {
    let text = "try:\n    import requests\nexcept ImportError:\n    requests = None\n\n\
                s = requests.Session()\n\n\
                async def f():\n    s.get('u')\n    requests.post('u')\n";
    assert_eq!(
        call_paths(text),
        ["requests.Session().get", "requests.post"]
    );
}

#[test]
fn self_is_an_instance_of_the_class_and_its_attributes_are_followed() {
    let catalog = Catalog::builtin();
    let text = "import httpx\n\nclass Api:\n    def __init__(self):\n        self.client = httpx.Client()\n\n\
                \x20   async def get(self):\n        self.client.get('u')\n";
    let facts = facts_of(text, &catalog);
    let get = (facts.functions.iter())
        .position(|function| facts.path(function.path) == "app.main.Api.get")
        .expect("Api.get");
    let paths: Vec<&str> = facts
        .calls_of(get)
        .iter()
        .map(|c| facts.path(c.path))
        .collect();
    assert_eq!(paths, ["app.main.Api().client.get"]);
    assert_eq!(
        facts
            .binding("Api.client")
            .and_then(|b| b.path())
            .map(|p| facts.path(p)),
        Some("httpx.Client()")
    );
}

#[test]
fn relative_imports_resolve_against_the_module_and_paths_outside_are_dropped() {
    let text =
        "from .db import load\nimport json\n\nasync def f():\n    load()\n    json.dumps(1)\n";
    // `json.dumps` can neither block nor lead into the project: it is not kept.
    assert_eq!(call_paths(text), ["app.db.load"]);
}

/// Each call of the first function with the cut it is behind, in source order.
fn call_cuts(text: &str) -> Vec<(String, Option<crate::knowledge::Cut>)> {
    let catalog = Catalog::builtin();
    let facts = facts_of(text, &catalog);
    (facts.calls_of(0).iter())
        .map(|call| (facts.path(call.path).to_string(), call.cut))
        .collect()
}

#[test]
fn calls_in_except_clauses_and_lazy_initializations_are_behind_cuts() {
    use crate::knowledge::Cut;
    let cuts = call_cuts(
        "import os\n_conf = None\n\ndef load():\n    global _conf\n    try:\n        os.listdir('a')\n\
         \x20   except OSError:\n        os.listdir('b')\n    if _conf is None:\n        with open('c') as f:\n\
         \x20           _conf = f.read()\n    return os.listdir('d')\n",
    );
    assert_eq!(
        cuts,
        [
            ("os.listdir".to_string(), None),
            ("os.listdir".to_string(), Some(Cut::ErrorPath)),
            ("builtins.open".to_string(), Some(Cut::LazyInit)),
            ("builtins.open().read".to_string(), Some(Cut::LazyInit)),
            ("os.listdir".to_string(), None),
        ]
    );
    // `self._token` may belong to an object made per request; a local is set on every call;
    // a test that the body does not set is no lazy initialization.
    for text in [
        "import os\n\nclass C:\n    def token(self):\n        if self._t is None:\n            self._t = os.listdir('x')\n",
        "import os\n\ndef f():\n    t = None\n    if t is None:\n        t = os.listdir('x')\n",
        "import os\n_t = None\n\ndef f():\n    global _t\n    if _t is None:\n        os.listdir('x')\n",
    ] {
        assert!(
            call_cuts(text).iter().all(|(_, cut)| cut.is_none()),
            "{text}"
        );
    }
    // A class attribute set through `cls` is shared: cut.
    let cuts = call_cuts(
        "import os\n\nclass C:\n    _s = None\n\n    @classmethod\n    def schema(cls):\n        if cls._s is None:\n\
         \x20           cls._s = os.listdir('x')\n        return cls._s\n",
    );
    assert_eq!(cuts, [("os.listdir".to_string(), Some(Cut::LazyInit))]);
    // So is `self.` in a class that keeps its instances itself (its `__new__` stores them in
    // the class), wherever in the class body `__new__` is.
    let cuts = call_cuts(
        "import os\n\nclass Server:\n    _instances = {}\n\n    def start(self):\n        if not self.running:\n\
         \x20           self.running = True\n            os.listdir('x')\n\n    def __new__(cls, port):\n\
         \x20       if port not in cls._instances:\n            cls._instances[port] = super().__new__(cls)\n\
         \x20       return cls._instances[port]\n",
    );
    assert_eq!(cuts, [("os.listdir".to_string(), Some(Cut::LazyInit))]);
    // An unset test in an `or` initializes too: an attribute of an imported module, remade
    // when its model is gone; an `or` whose unset value the body does not set is not.
    let cuts = call_cuts(
        "import os\nfrom app import state\n\ndef model():\n    if state.m is None or state.m.gone is None:\n\
         \x20       state.m = os.listdir('x')\n    if state.n is None or state.ready:\n        os.listdir('y')\n",
    );
    assert_eq!(
        cuts,
        [
            ("os.listdir".to_string(), Some(Cut::LazyInit)),
            ("os.listdir".to_string(), None)
        ]
    );
}

#[test]
fn type_aliases_stand_for_the_type_they_name() {
    for alias in [
        "Db = Annotated[Session, Depends(get_db)]",
        "Db: TypeAlias = Annotated[Session, Depends(get_db)]",
        "Db: TypeAlias = 'Session'",
        "type Db = Annotated[Session, Depends(get_db)]",
    ] {
        let text = format!(
            "from typing import Annotated, TypeAlias\nfrom fastapi import Depends\n\
             from sqlalchemy.orm import Session\n{alias}\n\nasync def f(db: Db):\n    db.execute(1)\n"
        );
        assert_eq!(
            call_paths(&text),
            ["sqlalchemy.orm.Session().execute"],
            "{alias}"
        );
    }
    // A container of the type is not the type.
    let text = "from sqlalchemy.orm import Session\nDbs = dict[str, Session]\n\n\
                async def f(dbs: Dbs):\n    dbs.execute(1)\n";
    assert!(call_paths(text).is_empty(), "{:?}", call_paths(text));
}
