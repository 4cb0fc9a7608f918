//! SCRAM-SHA-256 (RFC 5802 with SHA-256, RFC 7677), without channel binding.
//!
//! The exchange (RFC 5802 §3, §7):
//!
//! ```text
//! C: n,[a=authzid],n=user,r=cnonce                    client-first-message
//! S: r=cnonce+snonce,s=salt,i=count                   server-first-message
//! C: c=base64(gs2-header),r=cnonce+snonce,p=proof     client-final-message
//! S: v=server-signature  (or e=error)                 server-final-message
//! ```
//!
//! In IMAP the server-final-message arrives as a `+` continuation; [`ScramSha256::step`]
//! verifies the signature and answers with an empty response. Only then is the server
//! authenticated: an `OK` without a verified signature makes [`Mechanism::finish`] fail.
//!
//! The iteration count is the server's to choose, and every iteration costs the client one
//! HMAC, so it is bounded: [`DEFAULT_MIN_ITERATIONS`] is the minimum RFC 7677 §3 asks servers
//! to use, [`DEFAULT_MAX_ITERATIONS`] keeps a hostile server from burning seconds of CPU.
//! Both can be changed with [`ScramSha256::with_iteration_range`].

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::{Mechanism, SaslError, Secret, push_saslname};

/// The lowest iteration count accepted by default: RFC 7677 §3 says servers SHOULD announce
/// at least 4096, and Dovecot and Cyrus use exactly that.
pub const DEFAULT_MIN_ITERATIONS: u32 = 4096;

/// The highest iteration count accepted by default: about ten seconds of SHA-256 HMACs on a
/// slow machine, far above any real server, low enough to stop a CPU-exhaustion attempt.
pub const DEFAULT_MAX_ITERATIONS: u32 = 10_000_000;

/// Random bytes in a generated client nonce; base64 turns 24 bytes into 32 characters.
const NONCE_BYTES: usize = 24;

/// Length of a SHA-256 output, and so of every SCRAM-SHA-256 key and signature.
const HASH_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// SCRAM-SHA-256 (RFC 7677), the salted challenge-response mechanism: the password never
/// crosses the wire and the server proves it knows it too.
#[derive(Clone)]
pub struct ScramSha256 {
    /// The user name after SASLprep, escaped as a `saslname`.
    user: Secret,
    /// The password after SASLprep: `Normalize(password)` of RFC 5802 §2.2.
    password: Secret,
    /// The authorization identity after SASLprep, escaped as a `saslname`.
    authzid: Option<Secret>,
    client_nonce: String,
    min_iterations: u32,
    max_iterations: u32,
    state: ScramState,
}

/// Where the exchange is.
#[derive(Clone)]
enum ScramState {
    /// Nothing sent yet.
    Fresh,
    /// client-first-message sent.
    AwaitingServerFirst {
        /// The client-first-message-bare, the first part of the AuthMessage.
        client_first_bare: String,
    },
    /// client-final-message sent; what is needed to check the server signature.
    AwaitingServerFinal {
        server_key: [u8; HASH_LEN],
        auth_message: Vec<u8>,
    },
    /// The server signature matched.
    Verified,
    /// An error ended the exchange.
    Failed,
}

impl ScramState {
    /// A name for `Debug` that shows no key material.
    fn name(&self) -> &'static str {
        match self {
            ScramState::Fresh => "Fresh",
            ScramState::AwaitingServerFirst { .. } => "AwaitingServerFirst",
            ScramState::AwaitingServerFinal { .. } => "AwaitingServerFinal",
            ScramState::Verified => "Verified",
            ScramState::Failed => "Failed",
        }
    }
}

impl fmt::Debug for ScramSha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramSha256")
            .field("user", &self.user)
            .field("password", &self.password)
            .field("authzid", &self.authzid)
            .field("min_iterations", &self.min_iterations)
            .field("max_iterations", &self.max_iterations)
            .field("state", &self.state.name())
            .finish_non_exhaustive()
    }
}

impl ScramSha256 {
    /// Authenticates `user` with `password`, with a fresh random client nonce.
    ///
    /// Fails with [`SaslError::InvalidInput`] if the user name is empty or contains NUL, and
    /// with [`SaslError::RandomUnavailable`] if the system has no random source.
    pub fn new(user: impl Into<Secret>, password: impl Into<Secret>) -> Result<Self, SaslError> {
        let mut random = [0u8; NONCE_BYTES];
        getrandom::fill(&mut random)
            .map_err(|error| SaslError::RandomUnavailable(error.to_string()))?;
        Self::build(user.into(), password.into(), STANDARD.encode(random))
    }

    /// Like [`new`](Self::new) with a given client nonce, for reproducible tests and test
    /// vectors. A real client must use [`new`](Self::new): RFC 5802 §5.1 requires a nonce
    /// that differs for each authentication.
    ///
    /// Fails with [`SaslError::InvalidInput`] if the nonce is empty or has a character
    /// outside RFC 5802 §7 `printable` (ASCII 0x21..=0x7E except `,`).
    pub fn with_nonce(
        user: impl Into<Secret>,
        password: impl Into<Secret>,
        nonce: &str,
    ) -> Result<Self, SaslError> {
        if !is_printable(nonce.as_bytes()) {
            return Err(SaslError::InvalidInput(
                "SCRAM nonce must be non-empty printable ASCII without ','",
            ));
        }
        Self::build(user.into(), password.into(), nonce.to_owned())
    }

    fn build(user: Secret, password: Secret, client_nonce: String) -> Result<Self, SaslError> {
        let user = to_saslname(&user).ok_or(SaslError::InvalidInput(
            "SCRAM user name must be non-empty and contain no NUL",
        ))?;
        let password = Secret::new(saslprep_or_raw(password.expose()));
        Ok(ScramSha256 {
            user,
            password,
            authzid: None,
            client_nonce,
            min_iterations: DEFAULT_MIN_ITERATIONS,
            max_iterations: DEFAULT_MAX_ITERATIONS,
            state: ScramState::Fresh,
        })
    }

    /// Asks to act as `authzid` after authenticating (RFC 5802 §5.1, `a`). Fails if it is
    /// empty or contains NUL.
    pub fn with_authzid(mut self, authzid: impl Into<Secret>) -> Result<Self, SaslError> {
        let authzid = to_saslname(&authzid.into()).ok_or(SaslError::InvalidInput(
            "SCRAM authorization identity must be non-empty and contain no NUL",
        ))?;
        self.authzid = Some(authzid);
        Ok(self)
    }

    /// Sets the accepted range of server iteration counts (both ends included), replacing
    /// [`DEFAULT_MIN_ITERATIONS`]..=[`DEFAULT_MAX_ITERATIONS`]. A count outside it fails the
    /// exchange with [`SaslError::IterationCountOutOfRange`] before any hashing.
    pub fn with_iteration_range(mut self, min: u32, max: u32) -> Self {
        self.min_iterations = min;
        self.max_iterations = max;
        self
    }

    /// The GS2 header (RFC 5802 §7 `gs2-header`): no channel binding, optional authzid.
    fn gs2_header(&self) -> String {
        match &self.authzid {
            Some(authzid) => format!("n,a={},", authzid.expose()),
            None => "n,,".to_owned(),
        }
    }

    /// Builds the client-first-message and moves to [`ScramState::AwaitingServerFirst`].
    fn client_first(&mut self) -> Vec<u8> {
        let client_first_bare = format!("n={},r={}", self.user.expose(), self.client_nonce);
        let message = format!("{}{}", self.gs2_header(), client_first_bare);
        self.state = ScramState::AwaitingServerFirst { client_first_bare };
        message.into_bytes()
    }

    /// Handles the server-first-message and returns the client-final-message.
    fn client_final(
        &mut self,
        client_first_bare: &str,
        server_first: &[u8],
    ) -> Result<Vec<u8>, SaslError> {
        let parsed = parse_server_first(server_first)?;
        let nonce = parsed.nonce;
        if nonce.len() <= self.client_nonce.len()
            || !nonce.starts_with(self.client_nonce.as_bytes())
        {
            return Err(SaslError::ServerNonceMismatch);
        }
        if parsed.iterations < u64::from(self.min_iterations)
            || parsed.iterations > u64::from(self.max_iterations)
        {
            return Err(SaslError::IterationCountOutOfRange {
                count: parsed.iterations,
                min: self.min_iterations,
                max: self.max_iterations,
            });
        }
        // In range of a u32 maximum, so the conversion cannot fail; map it anyway.
        let rounds = u32::try_from(parsed.iterations).map_err(|_| {
            SaslError::Malformed("server-first-message iteration count is too large")
        })?;

        // RFC 5802 §3.
        let mut salted_password = [0u8; HASH_LEN];
        pbkdf2::pbkdf2_hmac::<Sha256>(
            self.password.expose().as_bytes(),
            &parsed.salt,
            rounds,
            &mut salted_password,
        );
        let client_key = hmac(&salted_password, b"Client Key")?;
        let stored_key: [u8; HASH_LEN] = Sha256::digest(client_key).into();
        let server_key = hmac(&salted_password, b"Server Key")?;

        let mut without_proof = Vec::with_capacity(64 + nonce.len());
        without_proof.extend_from_slice(b"c=");
        without_proof.extend_from_slice(STANDARD.encode(self.gs2_header()).as_bytes());
        without_proof.extend_from_slice(b",r=");
        without_proof.extend_from_slice(nonce);

        let mut auth_message = Vec::with_capacity(
            client_first_bare.len() + server_first.len() + without_proof.len() + 2,
        );
        auth_message.extend_from_slice(client_first_bare.as_bytes());
        auth_message.push(b',');
        auth_message.extend_from_slice(server_first);
        auth_message.push(b',');
        auth_message.extend_from_slice(&without_proof);

        let client_signature = hmac(&stored_key, &auth_message)?;
        let mut proof = client_key;
        for (p, s) in proof.iter_mut().zip(client_signature) {
            *p ^= s;
        }

        let mut message = without_proof;
        message.extend_from_slice(b",p=");
        message.extend_from_slice(STANDARD.encode(proof).as_bytes());
        self.state = ScramState::AwaitingServerFinal {
            server_key,
            auth_message,
        };
        Ok(message)
    }
}

/// `HMAC-SHA-256(key, data)`.
fn hmac(key: &[u8], data: &[u8]) -> Result<[u8; HASH_LEN], SaslError> {
    // HMAC takes keys of any length; the error path exists only because the API returns one.
    let mac = HmacSha256::new_from_slice(key)
        .map_err(|_| SaslError::InvalidInput("HMAC key length rejected"))?;
    Ok(mac.chain_update(data).finalize().into_bytes().into())
}

/// SASLprep (RFC 4013) when it succeeds, the string unchanged otherwise (see the module
/// documentation of [`crate::sasl`] for why).
fn saslprep_or_raw(value: &str) -> Cow<'_, str> {
    stringprep::saslprep(value).unwrap_or(Cow::Borrowed(value))
}

/// A user name or authzid prepared and escaped as an RFC 5802 §7 `saslname`; `None` if it is
/// empty or contains NUL (which `saslname` cannot carry).
fn to_saslname(name: &Secret) -> Option<Secret> {
    let prepared = saslprep_or_raw(name.expose());
    if prepared.is_empty() || prepared.contains('\0') {
        return None;
    }
    let mut escaped = String::with_capacity(prepared.len());
    push_saslname(&mut escaped, &prepared);
    Some(Secret::new(escaped))
}

/// RFC 5802 §7 `printable`, at least one: ASCII 0x21..=0x7E except `,`.
fn is_printable(value: &[u8]) -> bool {
    !value.is_empty()
        && value
            .iter()
            .all(|&b| (0x21..=0x7e).contains(&b) && b != b',')
}

/// The parts of a server-first-message the client uses.
struct ServerFirst<'a> {
    /// The combined nonce (client nonce followed by the server's part).
    nonce: &'a [u8],
    /// The decoded salt.
    salt: Vec<u8>,
    /// The iteration count.
    iterations: u64,
}

/// RFC 5802 §7 `server-first-message`:
/// `[reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]`.
fn parse_server_first(message: &[u8]) -> Result<ServerFirst<'_>, SaslError> {
    let mut attributes = message.split(|&b| b == b',');
    let mut next = || attributes.next().unwrap_or_default();

    let first = next();
    if first.starts_with(b"m=") {
        // RFC 5802 §5.1: an unknown mandatory extension MUST fail the exchange.
        return Err(SaslError::Malformed(
            "server-first-message requires an unsupported extension (m=)",
        ));
    }
    let nonce = first.strip_prefix(b"r=").ok_or(SaslError::Malformed(
        "server-first-message lacks the nonce (r=)",
    ))?;
    if !is_printable(nonce) {
        return Err(SaslError::Malformed(
            "server-first-message nonce is not printable ASCII",
        ));
    }
    let salt = next().strip_prefix(b"s=").ok_or(SaslError::Malformed(
        "server-first-message lacks the salt (s=)",
    ))?;
    let salt = STANDARD
        .decode(salt)
        .map_err(|_| SaslError::Malformed("server-first-message salt is not base64"))?;
    if salt.is_empty() {
        return Err(SaslError::Malformed("server-first-message salt is empty"));
    }
    let iterations = next().strip_prefix(b"i=").ok_or(SaslError::Malformed(
        "server-first-message lacks the iteration count (i=)",
    ))?;
    // Any further attributes are optional extensions, which RFC 5802 §5.1 says to ignore.
    Ok(ServerFirst {
        nonce,
        salt,
        iterations: parse_posit_number(iterations)?,
    })
}

/// RFC 5802 §7 `posit-number = %x31-39 *DIGIT`.
fn parse_posit_number(digits: &[u8]) -> Result<u64, SaslError> {
    const BAD: SaslError =
        SaslError::Malformed("server-first-message iteration count is not a positive number");
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return Err(BAD),
    }
    digits.iter().try_fold(0u64, |value, &digit| {
        if !digit.is_ascii_digit() {
            return Err(BAD);
        }
        value
            .checked_mul(10)
            .and_then(|value| value.checked_add(u64::from(digit - b'0')))
            .ok_or(SaslError::Malformed(
                "server-first-message iteration count does not fit in 64 bits",
            ))
    })
}

/// RFC 5802 §7 `server-final-message = (server-error / verifier) ["," extensions]`: checks the
/// verifier against the expected signature in constant time.
fn verify_server_final(
    message: &[u8],
    server_key: &[u8; HASH_LEN],
    auth_message: &[u8],
) -> Result<(), SaslError> {
    let first = message.split(|&b| b == b',').next().unwrap_or_default();
    if let Some(error) = first.strip_prefix(b"e=") {
        return Err(SaslError::ServerError(
            String::from_utf8_lossy(error).into_owned(),
        ));
    }
    let verifier = first.strip_prefix(b"v=").ok_or(SaslError::Malformed(
        "server-final-message has neither a verifier (v=) nor an error (e=)",
    ))?;
    let signature = STANDARD
        .decode(verifier)
        .map_err(|_| SaslError::Malformed("server-final-message verifier is not base64"))?;
    HmacSha256::new_from_slice(server_key)
        .map_err(|_| SaslError::InvalidInput("HMAC key length rejected"))?
        .chain_update(auth_message)
        .verify_slice(&signature)
        .map_err(|_| SaslError::BadServerSignature)
}

impl Mechanism for ScramSha256 {
    fn name(&self) -> &'static str {
        "SCRAM-SHA-256"
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        match self.state {
            ScramState::Fresh => Some(self.client_first()),
            _ => None,
        }
    }

    /// Answers the empty start challenge (without SASL-IR) with the client-first-message,
    /// the server-first-message with the client-final-message, and the server-final-message
    /// with an empty response once the server signature is verified.
    fn step(&mut self, server_challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        match std::mem::replace(&mut self.state, ScramState::Failed) {
            ScramState::Fresh if server_challenge.is_empty() => Ok(self.client_first()),
            ScramState::AwaitingServerFirst { client_first_bare } => {
                self.client_final(&client_first_bare, server_challenge)
            }
            ScramState::AwaitingServerFinal {
                server_key,
                auth_message,
            } => {
                verify_server_final(server_challenge, &server_key, &auth_message)?;
                self.state = ScramState::Verified;
                Ok(Vec::new())
            }
            ScramState::Fresh | ScramState::Verified | ScramState::Failed => {
                Err(SaslError::UnexpectedChallenge)
            }
        }
    }

    /// Succeeds only once the server signature has been verified, from a `+` challenge or
    /// from `success_data`.
    fn finish(&mut self, success_data: Option<&[u8]>) -> Result<(), SaslError> {
        let success_data = success_data.filter(|data| !data.is_empty());
        match (
            std::mem::replace(&mut self.state, ScramState::Failed),
            success_data,
        ) {
            (ScramState::Verified, None) => {
                self.state = ScramState::Verified;
                Ok(())
            }
            (
                ScramState::AwaitingServerFinal {
                    server_key,
                    auth_message,
                },
                Some(data),
            ) => {
                verify_server_final(data, &server_key, &auth_message)?;
                self.state = ScramState::Verified;
                Ok(())
            }
            (ScramState::Verified, Some(_)) => Err(SaslError::UnexpectedChallenge),
            _ => Err(SaslError::Incomplete),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
    const RFC_SERVER_FIRST: &[u8] =
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const RFC_CLIENT_FINAL: &[u8] = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
        p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const RFC_SERVER_FINAL: &[u8] = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    fn rfc_mechanism() -> ScramSha256 {
        ScramSha256::with_nonce("user", "pencil", RFC_NONCE).unwrap()
    }

    /// The mechanism after the RFC 7677 client-final-message.
    fn rfc_after_client_final() -> ScramSha256 {
        let mut scram = rfc_mechanism();
        scram.initial_response().unwrap();
        assert_eq!(scram.step(RFC_SERVER_FIRST).unwrap(), RFC_CLIENT_FINAL);
        scram
    }

    #[test]
    fn rfc7677_example_full_exchange() {
        let mut scram = rfc_mechanism();
        assert_eq!(scram.name(), "SCRAM-SHA-256");
        assert_eq!(
            scram.initial_response().unwrap(),
            b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO".to_vec()
        );
        assert_eq!(scram.step(RFC_SERVER_FIRST).unwrap(), RFC_CLIENT_FINAL);
        assert_eq!(scram.step(RFC_SERVER_FINAL), Ok(Vec::new()));
        assert_eq!(scram.finish(None), Ok(()));
        // Nothing more is expected.
        assert_eq!(scram.step(b"v=x"), Err(SaslError::UnexpectedChallenge));
    }

    #[test]
    fn rfc7677_example_without_sasl_ir() {
        let mut scram = rfc_mechanism();
        assert_eq!(
            scram.step(b"").unwrap(),
            b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO".to_vec()
        );
        assert_eq!(scram.step(RFC_SERVER_FIRST).unwrap(), RFC_CLIENT_FINAL);
        assert_eq!(scram.step(RFC_SERVER_FINAL), Ok(Vec::new()));
        assert_eq!(scram.finish(None), Ok(()));
    }

    #[test]
    fn server_signature_in_success_data_is_verified() {
        let mut scram = rfc_after_client_final();
        assert_eq!(scram.finish(Some(RFC_SERVER_FINAL)), Ok(()));
    }

    #[test]
    fn wrong_server_signature_fails() {
        let mut scram = rfc_after_client_final();
        // The RFC signature with its first character changed.
        assert_eq!(
            scram.step(b"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
            Err(SaslError::BadServerSignature)
        );
        // The exchange stays failed even if the server then says OK.
        assert_eq!(scram.finish(None), Err(SaslError::Incomplete));
    }

    #[test]
    fn truncated_server_signature_fails() {
        let mut scram = rfc_after_client_final();
        assert_eq!(
            scram.step(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95A=="),
            Err(SaslError::BadServerSignature)
        );
    }

    #[test]
    fn wrong_signature_in_success_data_fails() {
        let mut scram = rfc_after_client_final();
        assert_eq!(
            scram.finish(Some(b"v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")),
            Err(SaslError::BadServerSignature)
        );
    }

    #[test]
    fn ok_without_server_signature_is_incomplete() {
        let mut scram = rfc_after_client_final();
        assert_eq!(scram.finish(None), Err(SaslError::Incomplete));
    }

    #[test]
    fn server_nonce_must_extend_client_nonce() {
        let mut scram = rfc_mechanism();
        scram.initial_response();
        assert_eq!(
            scram.step(b"r=XOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
            Err(SaslError::ServerNonceMismatch)
        );
        // Nothing else is accepted after the failure.
        assert_eq!(
            scram.step(RFC_SERVER_FIRST),
            Err(SaslError::UnexpectedChallenge)
        );

        // The server must add its own part: an echo of the client nonce is refused.
        let mut scram = rfc_mechanism();
        scram.initial_response();
        assert_eq!(
            scram.step(b"r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
            Err(SaslError::ServerNonceMismatch)
        );
    }

    #[test]
    fn iteration_count_bounds() {
        let server_first =
            |count: &str| format!("r={RFC_NONCE}srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i={count}");
        let step = |mut scram: ScramSha256, count: &str| {
            scram.initial_response();
            scram.step(server_first(count).as_bytes())
        };
        assert_eq!(
            step(rfc_mechanism(), "4095"),
            Err(SaslError::IterationCountOutOfRange {
                count: 4095,
                min: DEFAULT_MIN_ITERATIONS,
                max: DEFAULT_MAX_ITERATIONS
            })
        );
        assert_eq!(
            step(rfc_mechanism(), "10000001"),
            Err(SaslError::IterationCountOutOfRange {
                count: 10_000_001,
                min: DEFAULT_MIN_ITERATIONS,
                max: DEFAULT_MAX_ITERATIONS
            })
        );
        assert_eq!(
            step(rfc_mechanism(), "99999999999999999999"),
            Err(SaslError::Malformed(
                "server-first-message iteration count does not fit in 64 bits"
            ))
        );
        // A lowered minimum admits a cheap count; a lowered maximum refuses the RFC's.
        assert!(step(rfc_mechanism().with_iteration_range(1, 10), "2").is_ok());
        assert!(matches!(
            step(rfc_mechanism().with_iteration_range(1, 4000), "4096"),
            Err(SaslError::IterationCountOutOfRange { count: 4096, .. })
        ));
    }

    #[test]
    fn malformed_server_first_messages() {
        let cases: &[&[u8]] = &[
            b"",
            b"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            b"m=ext,r=rOprNGfwEbeRWgbNEkqOsrv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            b"r=rOprNGfwEbeRWgbNEkqOsrv",
            b"r=rOprNGfwEbeRWgbNEkqOsrv,s=W22ZaJ0SNY7soEsUEjb6gQ==",
            b"r=rOprNGfwEbeRWgbNEkqOsrv,s=***,i=4096",
            b"r=rOprNGfwEbeRWgbNEkqOsrv,s=,i=4096",
            b"r=rOprNGfwEbeRWgbNEkqOsrv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=04096",
            b"r=rOprNGfwEbeRWgbNEkqOsrv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x",
            b"r=rOprNGfwEbeRWgbNEkqOsrv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=",
            b"r=rOprNGfwEbeRWgbNEkqO\xffsrv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            b"r=rOprNGfwEbeRWgbNEkqO srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            b"i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOsrv",
        ];
        for case in cases {
            let mut scram = rfc_mechanism();
            scram.initial_response();
            let result = scram.step(case);
            assert!(
                matches!(result, Err(SaslError::Malformed(_))),
                "{:?} gave {result:?}",
                String::from_utf8_lossy(case)
            );
        }
    }

    #[test]
    fn server_first_extensions_are_ignored_but_kept_in_the_auth_message() {
        let mut plain = rfc_mechanism();
        plain.initial_response();
        let mut extended = rfc_mechanism();
        extended.initial_response();
        let mut server_first = RFC_SERVER_FIRST.to_vec();
        server_first.extend_from_slice(b",x=future");
        let with_extension = extended.step(&server_first).unwrap();
        // Same nonce and channel binding, different proof: the extension is signed.
        assert!(with_extension.starts_with(&RFC_CLIENT_FINAL[..RFC_CLIENT_FINAL.len() - 44]));
        assert_ne!(with_extension, plain.step(RFC_SERVER_FIRST).unwrap());
    }

    #[test]
    fn server_error_attribute_is_reported() {
        let mut scram = rfc_after_client_final();
        assert_eq!(
            scram.step(b"e=invalid-proof"),
            Err(SaslError::ServerError("invalid-proof".to_owned()))
        );
        let mut scram = rfc_after_client_final();
        assert_eq!(
            scram.finish(Some(b"e=other-error,x=1")),
            Err(SaslError::ServerError("other-error".to_owned()))
        );
    }

    #[test]
    fn malformed_server_final_messages() {
        for case in [&b"x=1"[..], b"", b"v=not base64!", b"V=6rriTRBi23WpRR"] {
            let mut scram = rfc_after_client_final();
            assert!(
                matches!(scram.step(case), Err(SaslError::Malformed(_))),
                "{case:?}"
            );
        }
    }

    #[test]
    fn unexpected_challenges() {
        let mut scram = rfc_mechanism();
        assert_eq!(
            scram.step(RFC_SERVER_FIRST),
            Err(SaslError::UnexpectedChallenge)
        );
        let mut scram = rfc_mechanism();
        assert_eq!(scram.finish(None), Err(SaslError::Incomplete));
        let mut scram = rfc_mechanism();
        scram.initial_response();
        assert_eq!(scram.initial_response(), None);
    }

    #[test]
    fn user_names_are_escaped_and_authzid_goes_into_the_channel_binding() {
        let mut scram = ScramSha256::with_nonce("a,b=c", "pw", "nonce")
            .unwrap()
            .with_authzid("x=y")
            .unwrap();
        assert_eq!(
            scram.initial_response().unwrap(),
            b"n,a=x=3Dy,n=a=2Cb=3Dc,r=nonce".to_vec()
        );
        let reply = scram
            .step(b"r=nonceSRV,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
            .unwrap();
        // c= carries base64("n,a=x=3Dy,").
        let expected = format!("c={},r=nonceSRV,p=", STANDARD.encode("n,a=x=3Dy,"));
        assert!(reply.starts_with(expected.as_bytes()));
    }

    #[test]
    fn saslprep_maps_user_and_password() {
        // U+00A0 NO-BREAK SPACE maps to a space and U+00AD SOFT HYPHEN to nothing
        // (RFC 4013 §2.1); the prepared strings are what gets hashed.
        let mut mapped = ScramSha256::with_nonce("us\u{ad}er", "pen\u{a0}cil", "n").unwrap();
        let mut ascii = ScramSha256::with_nonce("user", "pen cil", "n").unwrap();
        assert_eq!(mapped.initial_response(), ascii.initial_response());
        let server_first = b"r=nS,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        assert_eq!(mapped.step(server_first), ascii.step(server_first));
    }

    #[test]
    fn refuses_bad_inputs() {
        assert!(matches!(
            ScramSha256::with_nonce("", "pw", "n"),
            Err(SaslError::InvalidInput(_))
        ));
        assert!(matches!(
            ScramSha256::with_nonce("us\0er", "pw", "n"),
            Err(SaslError::InvalidInput(_))
        ));
        for nonce in ["", "a,b", "a b", "caf\u{e9}"] {
            assert!(
                matches!(
                    ScramSha256::with_nonce("user", "pw", nonce),
                    Err(SaslError::InvalidInput(_))
                ),
                "{nonce:?}"
            );
        }
        assert!(matches!(
            rfc_mechanism().with_authzid(""),
            Err(SaslError::InvalidInput(_))
        ));
    }

    #[test]
    fn random_nonces_are_printable_and_differ() {
        let mut first = ScramSha256::new("user", "pencil").unwrap();
        let mut second = ScramSha256::new("user", "pencil").unwrap();
        let first = first.initial_response().unwrap();
        let second = second.initial_response().unwrap();
        assert_ne!(first, second);
        let nonce = first.strip_prefix(b"n,,n=user,r=").unwrap();
        assert_eq!(nonce.len(), 32);
        assert!(is_printable(nonce));
    }

    /// Replays a recorded exchange for alice / alice-pass; every argument but the nonce is
    /// the base64 text of one line of the transcript.
    fn replay_transcript(
        nonce: &str,
        client_first: &str,
        server_first: &str,
        client_final: &str,
        server_final: &str,
    ) {
        let mut scram = ScramSha256::with_nonce("alice", "alice-pass", nonce).unwrap();
        assert_eq!(
            STANDARD.encode(scram.initial_response().unwrap()),
            client_first
        );
        let server_first = STANDARD.decode(server_first).unwrap();
        assert_eq!(
            STANDARD.encode(scram.step(&server_first).unwrap()),
            client_final
        );
        let server_final = STANDARD.decode(server_final).unwrap();
        assert_eq!(scram.step(&server_final), Ok(Vec::new()));
        assert_eq!(scram.finish(None), Ok(()));
    }

    #[test]
    fn matches_dovecot_transcript() {
        // Recorded against Dovecot 2.3.19.1 by the project's raw-socket probe.
        replay_transcript(
            "4WG40su/1XfwjVPRxNQKhni4",
            "biwsbj1hbGljZSxyPTRXRzQwc3UvMVhmd2pWUFJ4TlFLaG5pNA==",
            "cj00V0c0MHN1LzFYZndqVlBSeE5RS2huaTReaGMiJlh3TU1jZDplQTJXMHhfXlxeISMqSSYpYU99VGZrTm5R\
             RWtkMSI+Qz4+MFctMFpdZktaSktlUkwyJGFsLHM9MnlPaGRadi9IK1h0Um82alRjbnM3Zz09LGk9NDA5Ng==",
            "Yz1iaXdzLHI9NFdHNDBzdS8xWGZ3alZQUnhOUUtobmk0XmhjIiZYd01NY2Q6ZUEyVzB4X15cXiEjKkkm\
             KWFPfVRma05uUUVrZDEiPkM+PjBXLTBaXWZLWkpLZVJMMiRhbCxwPURoQzR5L3hrNFQxVlJrcnc4WWdO\
             ZEUzSUlNVndubElmQUJLUzhSaEpNdDA9",
            "dj1zeXhpUitnVTFYU3BpUHBjN2hQY3NydDlpV0dzK3pqSldQUGVBM3ZMY1M0PQ==",
        );
    }

    #[test]
    fn matches_cyrus_transcript() {
        // Recorded against Cyrus IMAP 3.6.1 by the project's raw-socket probe.
        replay_transcript(
            "zn479hrV+Gn5RJDUd2clq6vB",
            "biwsbj1hbGljZSxyPXpuNDc5aHJWK0duNVJKRFVkMmNscTZ2Qg==",
            "cj16bjQ3OWhyVitHbjVSSkRVZDJjbHE2dkJncWRSSjdYUVlxTlNzcjZmVFA1cEROOGxpVWhzNHlFSSxz\
             PXBvb3FqVm9oM1U5bUpyalJDclBROTJUWFVSRG5CRTJ0dVhvS0V6N1RwN2s9LGk9NDA5Ng==",
            "Yz1iaXdzLHI9em40NzloclYrR241UkpEVWQyY2xxNnZCZ3FkUko3WFFZcU5Tc3I2ZlRQNXBETjhsaVVo\
             czR5RUkscD1raDlXQkVnZVVLV2c5Qk5TbmRyOUZDdXlmVmhHMlc4ak1CWXBRSzY4YzJzPQ==",
            "dj1Qbzh5d2VtaEV0QWtoc21jS1c1djdrL1BFK2l0Z3Q0cDJMMW9KczZGUjdrPQ==",
        );
    }
}
