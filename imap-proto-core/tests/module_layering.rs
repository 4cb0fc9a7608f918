//! The core's modules form a DAG (docs/design.md, "Module layering"): `types/` is the leaf
//! data model and imports no other module of the crate's protocol machinery. A `use` or a
//! path that breaks the rule fails here, naming the file and the line.

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

/// The lines of the files under `src/<module>` that name one of the `forbidden` modules
/// (`crate::x` or `$crate::x`, in code or in doc links).
fn violations(module: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(module);
    let mut found = Vec::new();
    for file in rust_files(&root) {
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

#[test]
fn types_is_a_leaf() {
    let found = violations("types", &["conn", "encode", "parse", "ops"]);
    assert!(
        found.is_empty(),
        "types/ imports the machinery:\n{}",
        found.join("\n")
    );
}

/// The check itself sees an import: a file of a module that does import `types` is reported.
#[test]
fn the_check_finds_imports() {
    assert!(!violations("encode", &["types"]).is_empty());
}
