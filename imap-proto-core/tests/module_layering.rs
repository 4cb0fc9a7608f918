//! The core's modules form a DAG (docs/design.md, "Module layering"): `types/` is the leaf
//! data model, the op contract sits below both the ops and the connection, and no module
//! names one of a higher layer. A `use`, a path or a doc link that breaks the rule fails
//! here, naming the file and the line.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// The lines of the files of `module` (`src/<module>/` or `src/<module>.rs`) that name one
/// of the `forbidden` modules (`crate::x` or `$crate::x`, in code or in doc links).
fn violations(module: &str, forbidden: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let dir = src.join(module);
    let files = if dir.is_dir() {
        rust_files(&dir)
    } else {
        vec![src.join(format!("{module}.rs"))]
    };
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("source file");
        for (number, line) in text.lines().enumerate() {
            for name in forbidden {
                if line.contains(&format!("crate::{name}::"))
                    || line.contains(&format!("crate::{name};"))
                    || line.contains(&format!("crate::{name}}}"))
                    || line.contains(&format!("crate::{name},"))
                {
                    found.push(format!(
                        "{}:{}: {}",
                        file.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    found
}

/// Each layer and the modules it must not name: only lower layers may be imported.
///
/// ```text
/// types  <-  encode, parse  <-  upgrade  <-  contract  <-  ops, conn
/// ```
const LAYERS: &[(&str, &[&str])] = &[
    (
        "types",
        &["encode", "parse", "upgrade", "contract", "ops", "conn"],
    ),
    ("encode", &["parse", "upgrade", "contract", "ops", "conn"]),
    ("parse", &["encode", "upgrade", "contract", "ops", "conn"]),
    ("upgrade", &["contract", "ops", "conn"]),
    ("contract", &["ops", "conn"]),
    ("ops", &["conn"]),
    ("conn", &["ops"]),
];

#[test]
fn types_is_a_leaf() {
    let found = violations("types", LAYERS[0].1);
    assert!(
        found.is_empty(),
        "types/ imports the machinery:\n{}",
        found.join("\n")
    );
}

#[test]
fn modules_import_only_lower_layers() {
    let found: Vec<String> = LAYERS
        .iter()
        .flat_map(|(module, forbidden)| violations(module, forbidden))
        .collect();
    assert!(
        found.is_empty(),
        "imports against the layering:\n{}",
        found.join("\n")
    );
}

/// The check itself sees an import: a file of a module that does import `types` is reported.
#[test]
fn the_check_finds_imports() {
    assert!(!violations("encode", &["types"]).is_empty());
}
