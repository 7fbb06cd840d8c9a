//! The floor plan of ARCHITECTURE.md, checked against the code: which top-level module of
//! `src/` may use which, read from the `crate::` paths each one names outside its tests.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each module and the modules below it that it may use.
const ALLOWED: &[(&str, &[&str])] = &[
    ("format", &[]),
    ("article", &["format"]),
    ("fs", &["format"]),
    ("keys", &["format", "fs"]),
    ("authority", &["format", "fs", "keys"]),
    ("read", &["format", "fs", "keys", "authority"]),
    (
        "publish",
        &["format", "article", "fs", "keys", "authority", "read"],
    ),
    (
        "library",
        &["format", "article", "fs", "keys", "authority", "read"],
    ),
    (
        "mirror",
        &["format", "fs", "keys", "authority", "read", "library"],
    ),
    (
        "cli",
        &[
            "format",
            "article",
            "fs",
            "keys",
            "authority",
            "read",
            "publish",
            "library",
            "mirror",
        ],
    ),
];

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// For each top-level module, the other top-level modules its code (tests left out) names.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = top.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "bin" {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let used = uses.entry(module.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if name != module && !name.is_empty() {
                used.insert(name);
            }
        }
    }
    uses
}

#[test]
fn every_module_uses_only_the_floors_below_it() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let uses = uses();
    assert_eq!(
        uses.keys().map(String::as_str).collect::<Vec<_>>(),
        allowed.keys().copied().collect::<Vec<_>>(),
        "a new top-level module needs its floor in ARCHITECTURE.md and in ALLOWED"
    );
    let mut wrong = Vec::new();
    for (module, used) in &uses {
        for target in used {
            if !allowed[module.as_str()].contains(&target.as_str()) {
                wrong.push(format!("{module} uses {target}"));
            }
        }
    }
    assert!(wrong.is_empty(), "against the floor plan: {wrong:?}");
}

#[test]
fn format_imports_nothing_from_the_crate_outside_format() {
    assert_eq!(uses()["format"], BTreeSet::new());
}

#[test]
fn the_floor_plan_has_no_cycle() {
    // Each module may use only modules listed before it, so no chain of uses can come back.
    for (index, (module, below)) in ALLOWED.iter().enumerate() {
        for target in *below {
            let position = ALLOWED.iter().position(|(name, _)| name == target);
            assert!(
                position.is_some_and(|p| p < index),
                "{module} may use {target}, which is not below it"
            );
        }
    }
}
