//! A self-signed certificate for 127.0.0.1, generated once per run and handed to the
//! server and client processes as two DER files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// Where the certificate and its key are.
#[derive(Debug, Clone)]
pub struct Pki {
    dir: PathBuf,
}

impl Pki {
    /// Generates a certificate into `dir`.
    pub fn generate(dir: &Path) -> Pki {
        std::fs::create_dir_all(dir).expect("pki dir");
        let certified =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("rcgen");
        let pki = Pki::at(dir);
        std::fs::write(pki.cert_path(), certified.cert.der()).expect("write cert");
        std::fs::write(pki.key_path(), certified.signing_key.serialize_der()).expect("write key");
        pki
    }

    /// The certificate generated into `dir` before.
    pub fn at(dir: &Path) -> Pki {
        Pki {
            dir: dir.to_path_buf(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn cert_path(&self) -> PathBuf {
        self.dir.join("cert.der")
    }

    fn key_path(&self) -> PathBuf {
        self.dir.join("key.der")
    }

    fn cert(&self) -> CertificateDer<'static> {
        CertificateDer::from(std::fs::read(self.cert_path()).expect("read cert"))
    }

    pub fn server_config(&self) -> ServerConfig {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            std::fs::read(self.key_path()).expect("read key"),
        ));
        ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.cert()], key)
            .expect("server certificate")
    }

    /// A client configuration that trusts this certificate only.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        roots.add(self.cert()).expect("root");
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}
