//! Project automation. `cargo xtask test` is the project's one test command: the README names
//! it and `.ci/run` calls it. It installs what the tests need (the Dovecot and Cyrus packages
//! for the interop suite, cargo-fuzz for the fuzz smoke), then runs the format check, clippy,
//! every test (unit, doc, transcript, interop) and a short smoke of every fuzz target.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Seconds each fuzz target runs in the smoke.
const FUZZ_SMOKE_SECONDS: u32 = 10;
/// The fuzz targets, as named in `fuzz/Cargo.toml`.
const FUZZ_TARGETS: &[&str] = &[
    "parse_response",
    "framer_chunks",
    "roundtrip",
    "connection",
    "sasl",
];

fn run_in(dir: &Path, program: &str, args: &[&str]) -> bool {
    eprintln!("xtask: running {program} {}", args.join(" "));
    match Command::new(program).args(args).current_dir(dir).status() {
        Ok(status) => status.success(),
        Err(err) => {
            eprintln!("xtask: cannot start {program}: {err}");
            false
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// True if `cargo +nightly` works on this machine.
fn has_nightly() -> bool {
    Command::new("cargo")
        .args(["+nightly", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn fuzz_smoke(root: &Path) -> bool {
    if !has_nightly() {
        eprintln!("xtask: no nightly toolchain here, so the fuzz smoke cannot run");
        return false;
    }
    let have_cargo_fuzz = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_cargo_fuzz && !run_in(root, "cargo", &["install", "cargo-fuzz", "--locked"]) {
        return false;
    }
    let fuzz = root.join("fuzz");
    if !run_in(&fuzz, "python3", &["seed.py"]) {
        return false;
    }
    let time = format!("-max_total_time={FUZZ_SMOKE_SECONDS}");
    FUZZ_TARGETS.iter().all(|target| {
        run_in(
            &fuzz,
            "cargo",
            &[
                "+nightly",
                "fuzz",
                "run",
                target,
                "--",
                &time,
                "-dict=imap.dict",
            ],
        )
    })
}

fn test() -> bool {
    let root = root();
    let cargo = cargo();
    run_in(&root, "bash", &["tests/servers/install.sh"])
        && run_in(&root, &cargo, &["fmt", "--all", "--check"])
        && run_in(
            &root,
            &cargo,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )
        && run_in(&root, &cargo, &["test", "--workspace", "--all-targets"])
        && run_in(&root, &cargo, &["test", "--workspace", "--doc"])
        && fuzz_smoke(&root)
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let ok = match task.as_str() {
        "test" => test(),
        "fuzz-smoke" => fuzz_smoke(&root()),
        _ => {
            eprintln!("usage: cargo xtask test | cargo xtask fuzz-smoke");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
