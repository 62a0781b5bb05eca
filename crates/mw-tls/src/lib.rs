//! The trust both mwkit clients verify a wiki's certificate against, and
//! TLS failures sorted by reason.
//!
//! [`roots`] decides, in this order:
//!
//! 1. A CA file given ([`mw_core::ClientSettings::ca_file`]): its
//!    certificates, and only those, as `curl --cacert` and requests'
//!    `verify=path` do. A self-signed wiki is trusted by giving its own
//!    certificate as the CA file. A file that cannot be read or holds no
//!    PEM certificate is [`mw_core::Error::InvalidInput`], before any
//!    connection.
//! 2. Else the operating system's store, through `rustls-native-certs`:
//!    `SSL_CERT_FILE` and `SSL_CERT_DIR` when set (as OpenSSL-based tools
//!    read them), else the system's bundle (on Debian
//!    `/etc/ssl/certs/ca-certificates.crt`, where `update-ca-certificates`
//!    puts a company's CA).
//! 3. Else, where the system has no store at all (a bare container), the
//!    Mozilla roots compiled in (`webpki-roots`).
//!
//! There is no switch that turns verification off.
//!
//! Besides the trust, what else the two clients share apart from mw-core's
//! engine: the OAuth 1.0a [`nonce_seed`], and the `log` record of a call's
//! event ([`log_event`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::path::Path;
use std::sync::Arc;

use mw_core::{Error, InvalidInput, TlsFailure};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The roots to verify against.
#[derive(Debug, Clone)]
pub enum Roots {
    /// These certificates (a CA file's, or the system store's).
    Certificates(Vec<CertificateDer<'static>>),
    /// The Mozilla roots compiled in (`webpki-roots`): the system has no
    /// store.
    Mozilla,
}

/// Where the roots came from, for logs and docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The CA file given.
    CaFile,
    /// The operating system's store (or `SSL_CERT_FILE`/`SSL_CERT_DIR`).
    System,
    /// The compiled-in Mozilla roots.
    Compiled,
}

/// The roots and where they came from.
#[derive(Debug, Clone)]
pub struct Trust {
    /// The roots.
    pub roots: Roots,
    /// Their source.
    pub source: Source,
}

/// The trust for a client: see the crate docs for the order.
///
/// # Errors
/// [`Error::InvalidInput`] (field `ca file`) when `ca_file` cannot be read,
/// or holds no PEM certificate a verifier accepts.
pub fn roots(ca_file: Option<&Path>) -> Result<Trust, Error> {
    if let Some(path) = ca_file {
        return Ok(Trust {
            roots: Roots::Certificates(read_ca_file(path)?),
            source: Source::CaFile,
        });
    }
    let found = rustls_native_certs::load_native_certs();
    let usable: Vec<CertificateDer<'static>> = found
        .certs
        .into_iter()
        .filter(|c| webpki_anchor_ok(c))
        .collect();
    if usable.is_empty() {
        return Ok(Trust {
            roots: Roots::Mozilla,
            source: Source::Compiled,
        });
    }
    Ok(Trust {
        roots: Roots::Certificates(usable),
        source: Source::System,
    })
}

fn invalid(path: &Path, why: impl std::fmt::Display) -> Error {
    InvalidInput::new("ca file", format!("{}: {why}", path.display())).into()
}

fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let bytes = std::fs::read(path).map_err(|e| invalid(path, format!("cannot read it ({e})")))?;
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(&bytes) {
        let cert = item.map_err(|e| invalid(path, format!("not PEM ({e})")))?;
        if !webpki_anchor_ok(&cert) {
            return Err(invalid(path, "holds a certificate that cannot be parsed"));
        }
        certs.push(cert);
    }
    if certs.is_empty() {
        return Err(invalid(
            path,
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(certs)
}

fn webpki_anchor_ok(cert: &CertificateDer<'_>) -> bool {
    let mut store = rustls::RootCertStore::empty();
    store.add(cert.clone()).is_ok()
}

impl Trust {
    /// The roots as a rustls store.
    pub fn root_store(&self) -> rustls::RootCertStore {
        match &self.roots {
            Roots::Certificates(certs) => {
                let mut store = rustls::RootCertStore::empty();
                store.add_parsable_certificates(certs.iter().cloned());
                store
            }
            Roots::Mozilla => rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        }
    }

    /// A rustls client configuration (the ring provider, safe protocol
    /// versions) verifying against these roots.
    ///
    /// # Errors
    /// [`Error::Transport`] if rustls refuses the provider (it does not).
    pub fn client_config(&self) -> Result<rustls::ClientConfig, Error> {
        Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Transport {
            detail: format!("tls setup: {e}"),
        })?
        .with_root_certificates(self.root_store())
        .with_no_client_auth())
    }
}

/// The reason of a TLS failure, from rustls's error.
pub fn reason(err: &rustls::Error) -> TlsFailure {
    use rustls::CertificateError as C;
    match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer | C::BadSignature | C::UnhandledCriticalExtension => {
                TlsFailure::UnknownIssuer
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsFailure::NameMismatch,
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => TlsFailure::Expired,
            _ => TlsFailure::Protocol,
        },
        _ => TlsFailure::Protocol,
    }
}

/// The reason of a TLS failure somewhere in an error's chain of causes (an
/// `io::Error` wrapping rustls's included), or `None` when it holds none.
pub fn find_reason(err: &(dyn std::error::Error + 'static)) -> Option<TlsFailure> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(reason(tls));
        }
        // An io::Error's source() skips the error it wraps (hyper's
        // connector wraps tokio-rustls's io::Error in another): look inside.
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            if let Some(found) = find_reason(inner) {
                return Some(found);
            }
        }
        next = e.source();
    }
    None
}

/// A seed for a session's OAuth 1.0a nonces (mw-core takes randomness, like
/// the time, as an input): different in every call, in every process (a
/// forked child's `RandomState` keys are its parent's), and at every time.
pub fn nonce_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEEDS: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.write_u64(SEEDS.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// The `log` record of one of a call's events, at its level, with the
/// client's `target`: the same words for every client (mw-core's `Display`
/// of the event).
pub fn log_event(target: &str, event: &mw_core::CallEvent) {
    let level = match event.level() {
        mw_core::EventLevel::Trace => log::Level::Trace,
        mw_core::EventLevel::Info => log::Level::Info,
        _ => log::Level::Debug,
    };
    log::log!(target: target, level, "{event}");
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_non_pem_ca_file_is_bad_input() {
        let dir = std::env::temp_dir().join(format!("mw-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        let text = dir.join("text.pem");
        std::fs::write(&text, "not a certificate\n").unwrap();
        let garbage = dir.join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        for path in [&missing, &text, &garbage] {
            match roots(Some(path)) {
                Err(Error::InvalidInput(i)) => {
                    assert_eq!(i.field, "ca file");
                    assert!(i.reason.contains(&path.display().to_string()), "{i}");
                }
                other => panic!("{path:?}: {other:?}"),
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn certificate_errors_have_their_reasons() {
        use rustls::CertificateError as C;
        for (e, r) in [
            (C::UnknownIssuer, TlsFailure::UnknownIssuer),
            (C::NotValidForName, TlsFailure::NameMismatch),
            (C::Expired, TlsFailure::Expired),
            (C::Revoked, TlsFailure::Protocol),
        ] {
            assert_eq!(reason(&rustls::Error::InvalidCertificate(e)), r);
        }
        // As hyper's connector gives it: an io::Error in an io::Error.
        let io = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(C::Expired),
        ));
        assert_eq!(find_reason(&io), Some(TlsFailure::Expired));
        let plain = std::io::Error::other("refused");
        assert_eq!(find_reason(&plain), None);
    }
}
