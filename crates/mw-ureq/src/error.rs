//! ureq's failures, described to the engine: what failed, and whether the
//! request may have left.

use mw_core::{FailureKind, TlsFailure, TransportFailure};

pub use mw_core::Error;

/// Sorts a ureq error for the engine. Nothing is sent before a connection
/// exists; anything after it may have reached the server.
pub(crate) fn failure(e: &ureq::Error) -> TransportFailure {
    use std::io::ErrorKind as Io;
    use ureq::Timeout as T;
    let (kind, detail) = match e {
        // A handshake that failed sent nothing: a failure to connect, with
        // its reason.
        ureq::Error::Rustls(tls) => (FailureKind::Tls(mw_tls::reason(tls)), e.to_string()),
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => {
            (FailureKind::Tls(TlsFailure::Protocol), e.to_string())
        }
        ureq::Error::Io(io) if mw_tls::find_reason(io).is_some() => (
            FailureKind::Tls(mw_tls::find_reason(io).unwrap_or(TlsFailure::Protocol)),
            e.to_string(),
        ),
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::Timeout(T::Resolve | T::Connect) => (FailureKind::Connect, e.to_string()),
        ureq::Error::Io(io) if io.kind() == Io::ConnectionRefused => {
            (FailureKind::Connect, e.to_string())
        }
        ureq::Error::Timeout(phase) => (FailureKind::Timeout, format!("{phase:?}")),
        ureq::Error::BodyExceedsLimit(limit) => {
            (FailureKind::BodyTooLarge { limit: *limit }, e.to_string())
        }
        _ => (FailureKind::Other, e.to_string()),
    };
    TransportFailure {
        may_have_been_sent: !matches!(kind, FailureKind::Connect | FailureKind::Tls(_)),
        kind,
        detail,
    }
}
