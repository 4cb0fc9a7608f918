//! Memory per idle connection (issue 16): N connections, each logged in, SELECTed and in
//! IDLE, against a stub server in another process, in plaintext and over Implicit TLS; the
//! client's RSS and thread count before and after, per connection.
//!
//! `cargo run --release -p idle-memory -- all 1000 10000` (raise `ulimit -n` first) runs
//! the two stub servers (plaintext and TLS, with a certificate generated for the run) and
//! one client process per adapter, transport and N, and prints the table. With
//! `all --before OTHER_BINARY N..`, each client also runs from `OTHER_BINARY` (this bench
//! built against an older checkout), alternating with this one, against the same servers:
//! before and after from one run. `idle-memory server PORT [PKI_DIR]` and
//! `idle-memory client ADAPTER N PORT [PKI_DIR]` are the halves (for a profiler), and
//! `idle-memory pki DIR` generates the certificate they take.

mod client;
mod pki;
mod server;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use pki::Pki;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pki_at = |i: usize| args.get(i).map(|dir| Pki::at(Path::new(dir)));
    match args.first().map(String::as_str) {
        Some("server") => server::serve(args[1].parse().expect("port"), pki_at(2)),
        Some("client") => client::run(
            &args[1],
            args[2].parse().expect("n"),
            args[3].parse().expect("port"),
            pki_at(4),
        ),
        Some("all") => all(&args[1..]),
        Some("pki") => drop(Pki::generate(Path::new(&args[1]))),
        _ => eprintln!(
            "usage: idle-memory all [--before BINARY] N.. | pki DIR | server PORT [PKI_DIR] | client ADAPTER N PORT [PKI_DIR]"
        ),
    }
}

/// Starts a stub server on `port` (TLS with `pki`) and waits until it listens.
fn start_server(me: &Path, port: u16, pki: Option<&Pki>) -> Child {
    let mut command = Command::new(me);
    command.args(["server", &port.to_string()]);
    if let Some(pki) = pki {
        command.arg(pki.dir());
    }
    let mut server = command.stdout(Stdio::piped()).spawn().expect("server");
    let mut ready = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut ready)
        .expect("ready");
    server
}

fn all(args: &[String]) {
    let (before, ns) = match args {
        [flag, binary, ns @ ..] if flag == "--before" => (Some(PathBuf::from(binary)), ns),
        ns => (None, ns),
    };
    let me = std::env::current_exe().expect("exe");
    let pki =
        Pki::generate(&std::env::temp_dir().join(format!("idle-memory-{}", std::process::id())));
    let plain_port = 14300 + (std::process::id() % 500) as u16;
    let tls_port = plain_port + 500;
    let mut servers = [
        start_server(&me, plain_port, None),
        start_server(&me, tls_port, Some(&pki)),
    ];
    println!(
        "build\tadapter\ttransport\tconnections\tKiB RSS per connection\tthreads\tthreads per connection"
    );
    let builds: Vec<(&str, &Path)> = match &before {
        Some(binary) => vec![("before", binary.as_path()), ("after", me.as_path())],
        None => vec![("this", me.as_path())],
    };
    for n in ns {
        for adapter in ["tokio", "async-std", "smol"] {
            for (port, tls) in [(plain_port, None), (tls_port, Some(&pki))] {
                for (build, binary) in &builds {
                    let mut command = Command::new(binary);
                    command.args(["client", adapter, n, &port.to_string()]);
                    if let Some(pki) = tls {
                        command.arg(pki.dir());
                    }
                    let out = command.output().expect("client");
                    print!("{build}\t");
                    std::io::stdout().write_all(&out.stdout).expect("stdout");
                    if !out.status.success() {
                        eprintln!(
                            "{build} {adapter} {n}: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                }
            }
        }
    }
    for server in &mut servers {
        let _ = server.kill();
        let _ = server.wait();
    }
    let _ = std::fs::remove_dir_all(pki.dir());
}
