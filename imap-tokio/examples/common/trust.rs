//! The examples' one way to trust a private CA (the demo's Dovecot, `--ca PATH`); the
//! conformance kit (tests/conformance/kit.rs) includes this file too, in every adapter's
//! tests, so it names rustls directly rather than an adapter.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

/// A rustls configuration whose only root is the PEM CA at `path`.
pub fn trust(path: &str) -> Result<Arc<ClientConfig>, String> {
    let ca = CertificateDer::from_pem_file(path).map_err(|e| format!("{path}: {e}"))?;
    let mut roots = RootCertStore::empty();
    roots.add(ca).map_err(|e| format!("{path}: {e}"))?;
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Arc::new(config))
}
