//! ureq's failures, described to the engine: what failed, and whether the
//! request may have left.

use mw_core::{FailureKind, TransportFailure};

pub use mw_core::Error;

/// Sorts a ureq error for the engine. Nothing is sent before a connection
/// exists; anything after it may have reached the server.
pub(crate) fn failure(e: &ureq::Error) -> TransportFailure {
    use std::io::ErrorKind as Io;
    use ureq::Timeout as T;
    let (kind, detail) = match e {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::TlsRequired
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
        may_have_been_sent: kind != FailureKind::Connect,
        kind,
        detail,
    }
}
