//! The stub server: greets, accepts LOGIN, SELECT and IDLE, then stays silent. With a
//! certificate it speaks TLS from the first byte (Implicit TLS, RFC 8314).

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_rustls::TlsAcceptor;

use crate::pki::Pki;

/// Serves on `port` until killed; prints `ready` once listening.
pub fn serve(port: u16, pki: Option<Pki>) {
    let acceptor = pki.map(|pki| TlsAcceptor::from(Arc::new(pki.server_config())));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        println!("ready");
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                match acceptor {
                    Some(acceptor) => {
                        if let Ok(tls) = acceptor.accept(socket).await {
                            converse(tls).await;
                        }
                    }
                    None => converse(socket).await,
                }
            });
        }
    });
}

/// One session: the greeting, then a reply per command line.
async fn converse(stream: impl AsyncRead + AsyncWrite + Unpin) {
    let (reader, mut writer) = tokio::io::split(stream);
    let mut lines = BufReader::new(reader).lines();
    let caps = "CAPABILITY IMAP4rev1 IDLE";
    let greeting = format!("* OK [{caps}] stub\r\n");
    if writer.write_all(greeting.as_bytes()).await.is_err() {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let (tag, command) = line.split_once(' ').unwrap_or((&line, ""));
        let verb = command.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply = match verb.as_str() {
            "LOGIN" => format!("{tag} OK [{caps}] logged in\r\n"),
            "CAPABILITY" => format!("* {caps}\r\n{tag} OK done\r\n"),
            "SELECT" => format!(
                "* FLAGS (\\Seen)\r\n* 0 EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n{tag} OK [READ-WRITE] selected\r\n"
            ),
            "IDLE" => "+ idling\r\n".to_string(),
            "LOGOUT" => format!("* BYE bye\r\n{tag} OK bye\r\n"),
            _ => format!("{tag} OK done\r\n"),
        };
        if writer.write_all(reply.as_bytes()).await.is_err() || writer.flush().await.is_err() {
            return;
        }
    }
}
