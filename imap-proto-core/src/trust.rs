//! Which certificates a TLS connection trusts ([`TrustRoots`]) and which rustls crypto
//! provider it runs on (the features `ring`, the default, and `aws-lc-rs`).

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::crypto::CryptoProvider;

use crate::Error;

/// The certificates a connection verifies its server against when the caller gives no
/// rustls configuration of its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrustRoots {
    /// The Mozilla root store compiled into the program (webpki-roots): the same on every
    /// machine, updated with the crate.
    #[default]
    Mozilla,
    /// The operating system's trust store and verifier (rustls-platform-verifier): roots an
    /// administrator added (an enterprise CA), and the OS's own revocation checks.
    #[cfg(feature = "platform-verifier")]
    Platform,
}

impl TrustRoots {
    /// A rustls configuration that verifies servers against these roots, on the crate's
    /// crypto provider.
    pub fn client_config(self) -> Result<Arc<ClientConfig>, Error> {
        let builder = ClientConfig::builder_with_provider(crypto_provider()?)
            .with_safe_default_protocol_versions()
            .map_err(Error::Tls)?;
        let config = match self {
            TrustRoots::Mozilla => {
                let mut roots = rustls::RootCertStore::empty();
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                builder.with_root_certificates(roots)
            }
            #[cfg(feature = "platform-verifier")]
            TrustRoots::Platform => {
                use rustls_platform_verifier::BuilderVerifierExt;
                builder.with_platform_verifier().map_err(Error::Tls)?
            }
        };
        Ok(Arc::new(config.with_no_client_auth()))
    }
}

/// The crypto provider of the connections this crate configures: the process default if
/// the application installed one, else aws-lc-rs with the feature `aws-lc-rs`, else ring with
/// the feature `ring`; with neither feature and no process default, TLS fails.
fn crypto_provider() -> Result<Arc<CryptoProvider>, Error> {
    if let Some(installed) = CryptoProvider::get_default() {
        return Ok(installed.clone());
    }
    #[cfg(feature = "aws-lc-rs")]
    return Ok(Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    return Ok(Arc::new(rustls::crypto::ring::default_provider()));
    #[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
    Err(Error::Tls(rustls::Error::General(
        "no rustls crypto provider: enable the feature `ring` or `aws-lc-rs`, or install a \
         process default (CryptoProvider::install_default)"
            .into(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The configuration runs on the provider the features chose (nothing in this test
    /// binary installs a process default).
    #[test]
    fn the_features_choose_the_crypto_provider() {
        let config = TrustRoots::Mozilla
            .client_config()
            .expect("a configuration");
        let random = format!("{:?}", config.crypto_provider().secure_random);
        let expected = if cfg!(feature = "aws-lc-rs") {
            "AwsLcRs"
        } else {
            "Ring"
        };
        assert_eq!(random, expected);
    }

    /// The OS store is read and a verifier built from it.
    #[cfg(feature = "platform-verifier")]
    #[test]
    fn the_platform_verifier_builds() {
        let config = TrustRoots::Platform
            .client_config()
            .expect("a configuration");
        assert!(config.crypto_provider().cipher_suites.len() > 1);
    }
}
