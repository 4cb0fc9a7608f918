//! Project automation. `cargo xtask test` is the project's one test command: the README names
//! it and `.ci/run` calls it. It installs what the tests need (the Dovecot and Cyrus packages
//! for the conformance suites, cargo-fuzz for the fuzz smoke), then runs the format check, clippy,
//! every test (unit, doc, transcript, conformance per adapter), `cargo package` of the published
//! crates, a check with the `rust-version` toolchain and a short smoke of every fuzz target.
//!
//! `cargo xtask demo` runs `imap-tokio/examples/demo.rs`. Given a server (`--host`,
//! `--port`, `--user`, `--password`, optionally `--tls implicit|starttls` and `--ca PATH`,
//! or the `IMAP_HOST`/`IMAP_PORT`/`IMAP_USER`/`IMAP_PASSWORD` environment), it runs the demo
//! against it; otherwise it installs and starts a private Dovecot (tests/servers) in a
//! temporary directory, has the demo seed INBOX, and stops the server at the end.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;

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
        && rustdoc(&root, &cargo)
        && core_features(&root, &cargo)
        && tls_features(&root, &cargo)
        && package(&root, &cargo)
        && msrv(&root)
        && public_api(&root, false)
        && fuzz_smoke(&root)
}

/// The published crates' rustdoc with warnings denied, so a broken intra-doc link (a moved or
/// renamed item) fails CI instead of reaching docs.rs.
fn rustdoc(root: &Path, cargo: &str) -> bool {
    let mut args = vec!["doc", "--no-deps"];
    for krate in PUBLISHED {
        args.extend(["-p", krate]);
    }
    eprintln!(
        "xtask: running {cargo} {} (RUSTDOCFLAGS=-D warnings)",
        args.join(" ")
    );
    match Command::new(cargo)
        .args(&args)
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(root)
        .status()
    {
        Ok(status) => status.success(),
        Err(err) => {
            eprintln!("xtask: cannot start {cargo}: {err}");
            false
        }
    }
}

/// Cargo verifies each adapter's package against the core's freshly packed `.crate` through a
/// local registry, but unpacks a `.crate` only once per name and version into
/// `$CARGO_HOME/registry/src/<registry>/<name>-<version>/`: a second run on the same machine
/// after a source change verified against the first run's sources (a moved module failed
/// to build there). Unpacked sources are only a cache of the `.crate` files, so removing
/// our crates' copies is safe; cargo unpacks them again.
fn forget_unpacked_packages() {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    let Some(sources) = cargo_home.map(|home| home.join("registry").join("src")) else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(&sources) else {
        return;
    };
    let version = env!("CARGO_PKG_VERSION");
    for registry in registries.flatten() {
        for krate in PUBLISHED {
            let unpacked = registry.path().join(format!("{krate}-{version}"));
            if unpacked.is_dir()
                && let Err(err) = std::fs::remove_dir_all(&unpacked)
            {
                eprintln!("xtask: cannot remove {}: {err}", unpacked.display());
            }
        }
    }
}

/// The crates that are published, in dependency order.
const PUBLISHED: &[&str] = &[
    "imap-proto-core",
    "imap-driver",
    "imap-tokio",
    "imap-async-std",
    "imap-blocking",
];

/// `cargo package` for every published crate: each `.crate` is built on its own (verified),
/// the adapters against the packaged core. `--allow-dirty` so that a working tree with
/// uncommitted changes can run the whole test too; what is checked is that the crates build
/// from what they would publish.
fn package(root: &Path, cargo: &str) -> bool {
    forget_unpacked_packages();
    let target = root.join("target").join("package-verify");
    forget_verified_builds(&target);
    let target = target.to_string_lossy().into_owned();
    let mut args = vec!["package", "--allow-dirty", "--target-dir", &target];
    for krate in PUBLISHED {
        args.extend(["-p", krate]);
    }
    run_in(root, cargo, &args)
}

/// Cargo judges a registry dependency fresh by its name and version alone, so the adapters'
/// verification reused the core built from the previous run's `.crate` (same version, older
/// sources) and failed on a module added since. The verification builds in a target
/// directory of its own, where our crates' fingerprints are removed before each run: they
/// are rebuilt from the fresh `.crate`s, third-party crates stay cached.
fn forget_verified_builds(target: &Path) {
    let Ok(entries) = std::fs::read_dir(target.join("debug").join(".fingerprint")) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = PUBLISHED.iter().any(|krate| {
            name.strip_prefix(krate)
                .is_some_and(|rest| rest.starts_with('-'))
        });
        if ours && let Err(err) = std::fs::remove_dir_all(entry.path()) {
            eprintln!("xtask: cannot remove {}: {err}", entry.path().display());
        }
    }
}

/// The committed public-API listings (`docs/public-api/<crate>.txt`, `cargo public-api -sss`
/// on nightly) compared with the crates as they are, so every change to the surface shows
/// in review; `cargo xtask public-api` rewrites them. Without nightly or cargo-public-api
/// (it cannot be installed, or cannot read this nightly's rustdoc JSON) the check is
/// skipped with a message: a stale listing fails, a missing tool does not.
fn public_api(root: &Path, write: bool) -> bool {
    let have_tool = Command::new("cargo")
        .args(["public-api", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    let install = [
        "install",
        "cargo-public-api",
        "--version",
        "0.52.0",
        "--locked",
    ];
    if !has_nightly() || (!have_tool && !run_in(root, "cargo", &install)) {
        eprintln!("xtask: SKIPPED the public-API check: no nightly or no cargo-public-api");
        return true;
    }
    PUBLISHED.iter().all(|krate| {
        eprintln!("xtask: running cargo public-api -p {krate} -sss");
        let output = Command::new("cargo")
            .args(["+nightly", "public-api", "-p", krate, "-sss"])
            .current_dir(root)
            .stderr(Stdio::inherit())
            .output();
        let Ok(output) = output.map_err(|e| eprintln!("xtask: {e}")) else {
            return true;
        };
        if !output.status.success() {
            eprintln!("xtask: SKIPPED the public-API check of {krate}: cargo public-api failed");
            return true;
        }
        let path = root.join("docs/public-api").join(format!("{krate}.txt"));
        if write {
            return std::fs::write(&path, &output.stdout).is_ok();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        let current = output.stdout == committed;
        if !current {
            eprintln!(
                "xtask: the public API of {krate} differs from {}: review the change and run \
                 `cargo xtask public-api`",
                path.display()
            );
        }
        current
    })
}

/// The workspace's `rust-version`, read from the root `Cargo.toml`.
fn rust_version(root: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("rust-version"))?;
    Some(line.split('"').nth(1)?.to_string())
}

/// Checks the published crates with the toolchain `rust-version` names, so the claim stays
/// true. Without rustup, or when the toolchain cannot be downloaded, the check is skipped
/// with a message rather than failed: it needs the network once.
fn msrv(root: &Path) -> bool {
    let Some(version) = rust_version(root) else {
        eprintln!("xtask: no rust-version in Cargo.toml");
        return false;
    };
    let install = ["toolchain", "install", &version, "--profile", "minimal"];
    if !run_in(root, "rustup", &install) {
        eprintln!("xtask: SKIPPED the rust-version check: toolchain {version} not installable");
        return true;
    }
    let toolchain = format!("+{version}");
    let mut args = vec![toolchain.as_str(), "check"];
    for krate in PUBLISHED {
        args.extend(["-p", krate]);
    }
    run_in(root, "cargo", &args)
}

/// The core's optional features (`chrono`, `serde`) checked and unit-tested, and the core
/// built without its default `decode`, which the workspace build alone never does.
fn core_features(root: &Path, cargo: &str) -> bool {
    let all = ["-p", "imap-proto-core", "--all-features"];
    run_in(
        root,
        cargo,
        &[
            &["clippy"][..],
            &all,
            &["--all-targets", "--", "-D", "warnings"],
        ]
        .concat(),
    ) && run_in(root, cargo, &[&["test"][..], &all, &["--lib"]].concat())
        && run_in(
            root,
            cargo,
            &[
                "clippy",
                "-p",
                "imap-proto-core",
                "--no-default-features",
                "--",
                "-D",
                "warnings",
            ],
        )
}

/// The adapters' TLS choices, which the workspace build (ring, Mozilla roots) never makes:
/// aws-lc-rs instead of ring, and the OS trust store. A `cargo check` only: the core's
/// all-features test above already runs on aws-lc-rs and builds the platform verifier.
fn tls_features(root: &Path, cargo: &str) -> bool {
    let adapters = [
        "-p",
        "imap-tokio",
        "-p",
        "imap-async-std",
        "-p",
        "imap-blocking",
    ];
    let features = [
        "--no-default-features",
        "--features",
        "aws-lc-rs,platform-verifier",
    ];
    run_in(
        root,
        cargo,
        &[&["check"][..], &adapters, &features].concat(),
    )
}

/// A private Dovecot for the demo; dropping it stops the server and deletes its directory,
/// so it goes away whether the demo passed or failed. Ctrl-C stops it too: Dovecot runs as a
/// daemon outside the terminal's process group, so the interrupt that ends the demo does not
/// reach it, and without the handler it would keep running.
struct DemoServer {
    dir: PathBuf,
}

/// The directory of the demo's running Dovecot, for whichever of the guard's drop and the
/// Ctrl-C handler comes first; the other then finds nothing to stop.
static RUNNING_DEMO_SERVER: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Stops the demo's Dovecot, if it is still running. The lock is held until it has stopped,
/// so the other caller waits for that instead of exiting half-way.
fn stop_demo_server() {
    let Ok(mut running) = RUNNING_DEMO_SERVER.lock() else {
        return;
    };
    let Some(dir) = running.take() else {
        return;
    };
    eprintln!("xtask: stopping the demo's Dovecot");
    let _ = Command::new("bash")
        .arg(root().join("tests/servers/dovecot.sh"))
        .arg("clean")
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl DemoServer {
    /// Starts Dovecot in a fresh temporary directory on the first free pair of ports.
    fn start(root: &Path) -> Result<DemoServer, String> {
        let dir = std::env::temp_dir().join(format!("imap-rs-demo-{}", std::process::id()));
        let free = |port: u16| TcpListener::bind(("127.0.0.1", port)).is_ok();
        let mut base: u16 = 12730;
        while !(free(base) && free(base + 1)) {
            base += 10;
        }
        // From here on the guard (or Ctrl-C) cleans up, even if the start fails half-way.
        if let Ok(mut running) = RUNNING_DEMO_SERVER.lock() {
            *running = Some(dir.clone());
        }
        let server = DemoServer { dir };
        if let Err(e) = ctrlc::set_handler(|| {
            stop_demo_server();
            // 128 + SIGINT, what a shell reports for an interrupted command.
            std::process::exit(130);
        }) {
            eprintln!("xtask: no Ctrl-C handler ({e}): an interrupted demo leaves Dovecot running");
        }
        // The daemon inherits the script's output: a pipe would stay open while it runs,
        // so the script writes to a file, shown only if the start fails.
        let log_path = server.dir.with_extension("log");
        let log = std::fs::File::create(&log_path).map_err(|e| format!("{log_path:?}: {e}"))?;
        let status = Command::new("bash")
            .arg(root.join("tests/servers/dovecot.sh"))
            .arg("start")
            .arg(&server.dir)
            .arg(base.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .status()
            .map_err(|e| format!("dovecot.sh: {e}"))?;
        let output = std::fs::read_to_string(&log_path).unwrap_or_default();
        let _ = std::fs::remove_file(&log_path);
        if !status.success() {
            return Err(format!("dovecot.sh start failed:\n{output}"));
        }
        Ok(server)
    }

    fn env_file(&self) -> PathBuf {
        self.dir.join("server.env")
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        stop_demo_server();
    }
}

/// `cargo xtask demo [ARGS]`: see the module docs.
fn demo(args: &[String]) -> bool {
    let root = root();
    let cargo = cargo();
    // Build first, so the server (if any) does not wait for the compiler.
    if !run_in(
        &root,
        &cargo,
        &["build", "--quiet", "-p", "imap-tokio", "--example", "demo"],
    ) {
        return false;
    }
    let user_server = args.iter().any(|a| a == "--host")
        || std::env::var("IMAP_HOST").is_ok_and(|h| !h.is_empty());
    let run_demo = |extra: &[String]| {
        let mut all: Vec<&str> = vec!["run", "--quiet", "-p", "imap-tokio", "--example", "demo"];
        all.push("--");
        all.extend(extra.iter().map(String::as_str));
        run_in(&root, &cargo, &all)
    };
    if user_server {
        return run_demo(args);
    }
    if !run_in(&root, "bash", &["tests/servers/install.sh"]) {
        return false;
    }
    let server = match DemoServer::start(&root) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("xtask: cannot start Dovecot for the demo: {e}");
            return false;
        }
    };
    let mut extra = vec![
        "--server-env".to_string(),
        server.env_file().display().to_string(),
        "--seed".to_string(),
    ];
    extra.extend(args.iter().cloned());
    let ok = run_demo(&extra);
    drop(server);
    ok
}

/// Runs an imap-tokio example against a private Dovecot, once per entry of `runs` (a label
/// and the example's own arguments; `--server-env` and ARGS are added to each).
fn example_with_dovecot(
    name: &str,
    profile: &[&str],
    runs: &[(&str, Vec<String>)],
    args: &[String],
) -> bool {
    let example = [&["-p", "imap-tokio", "--example", name][..], profile].concat();
    binary_with_dovecot(name, &example, runs, args)
}

/// Runs the binary cargo's `target` arguments select (`-p PACKAGE [--example NAME]
/// [--release]`) against a private Dovecot, as `example_with_dovecot` does.
fn binary_with_dovecot(
    name: &str,
    example: &[&str],
    runs: &[(&str, Vec<String>)],
    args: &[String],
) -> bool {
    let root = root();
    let cargo = cargo();
    if !run_in(
        &root,
        &cargo,
        &[&["build", "--quiet"][..], example].concat(),
    ) || !run_in(&root, "bash", &["tests/servers/install.sh"])
    {
        return false;
    }
    let server = match DemoServer::start(&root) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("xtask: cannot start Dovecot for {name}: {e}");
            return false;
        }
    };
    let env_file = server.env_file().display().to_string();
    let ok = runs.iter().all(|(label, extra)| {
        println!("xtask: {name}, {label}");
        let mut all: Vec<&str> = [&["run", "--quiet"][..], example, &["--"]].concat();
        all.extend(["--server-env", &env_file]);
        all.extend(extra.iter().chain(args).map(String::as_str));
        run_in(&root, &cargo, &all)
    });
    drop(server);
    ok
}

/// `cargo xtask mirror [ARGS]`: `imap-tokio/examples/mirror.rs` against a private Dovecot,
/// twice: a first run on a seeded account, then (after changes from another connection) the
/// incremental one. ARGS go to both runs.
fn mirror(args: &[String]) -> bool {
    let maildir = std::env::temp_dir().join(format!("imap-rs-mirror-{}", std::process::id()));
    let with = |flag: &str| {
        vec![
            "--maildir".to_string(),
            maildir.display().to_string(),
            flag.to_string(),
        ]
    };
    let ok = example_with_dovecot(
        "mirror",
        &[],
        &[
            ("first run (seeded account)", with("--seed")),
            (
                "second run (after changes from another connection)",
                with("--change"),
            ),
        ],
        args,
    );
    let _ = std::fs::remove_dir_all(&maildir);
    ok
}

/// `cargo xtask sync-bench`: `imap-tokio/examples/sync_bench.rs` (release build) against a
/// private Dovecot: the cost of one sync per strategy (docs/benchmarks.md).
fn sync_bench(args: &[String]) -> bool {
    example_with_dovecot(
        "sync_bench",
        &["--release"],
        &[("measuring", Vec::new())],
        args,
    )
}

/// `cargo xtask e2e-bench [ARGS]`: `bench/e2e` (release build) against a private Dovecot:
/// FETCH of 20,000 messages by our adapters, async-imap and a raw drain, then 500 calls in
/// flight at a 20 ms round trip (docs/benchmarks.md). ARGS go to the benchmark (`--reps N`,
/// `--contenders A,B`, `--workloads metadata,bodies`, `--no-latency`).
fn e2e_bench(args: &[String]) -> bool {
    binary_with_dovecot(
        "e2e-bench",
        &["-p", "e2e-bench", "--release"],
        &[("measuring", Vec::new())],
        args,
    )
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let rest: Vec<String> = std::env::args().skip(2).collect();
    let ok = match task.as_str() {
        "test" => test(),
        "demo" => demo(&rest),
        "mirror" => mirror(&rest),
        "sync-bench" => sync_bench(&rest),
        "e2e-bench" => e2e_bench(&rest),
        "fuzz-smoke" => fuzz_smoke(&root()),
        "public-api" => public_api(&root(), true),
        _ => {
            eprintln!(
                "usage: cargo xtask test | cargo xtask demo [--host H --port P --user U \
                 --password P [--tls implicit|starttls] [--ca PATH]] | cargo xtask mirror | cargo xtask sync-bench | cargo xtask e2e-bench [ARGS] | \
                 cargo xtask fuzz-smoke | cargo xtask public-api"
            );
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
