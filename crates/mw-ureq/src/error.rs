//! The client's errors: the core's, plus the transport's own stages.

use mw_core::RetryAdvice;

/// Any failure of a [`crate::Client`] call.
///
/// [`Error::Core`] holds everything the protocol core reports (input refused
/// before sending, HTTP status, undecodable body, API error, login refused);
/// the other variants are the transport's: the connection, timeouts, a write
/// whose outcome is unknown, an oversized body, a redirect.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of the protocol core.
    #[error(transparent)]
    Core(#[from] mw_core::Error),

    /// No connection could be made; the request was not sent, so sending it
    /// again is safe.
    #[error("could not connect: {detail}")]
    Connect {
        /// What failed (resolving, connecting, TLS).
        detail: String,
    },

    /// A read timed out. (A write that times out is
    /// [`Error::OutcomeUnknown`].)
    #[error("timed out ({phase})")]
    Timeout {
        /// The phase that timed out (`recv_response`, `global`, ...).
        phase: String,
    },

    /// A write may have reached the server, but no answer could be read (a
    /// timeout, a connection dropped after sending, an unreadable answer).
    /// It was not sent again: check its effect before repeating it.
    #[error("outcome unknown: the request may have been carried out ({detail})")]
    OutcomeUnknown {
        /// What happened.
        detail: String,
        /// Whether it was a timeout.
        timed_out: bool,
        /// The core's error, when the server answered with an error status
        /// or an unreadable body.
        #[source]
        cause: Option<Box<mw_core::Error>>,
    },

    /// The answer's body was larger than the client's limit; reading stopped
    /// at the limit.
    #[error("response body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: u64,
        /// Whether the request was a write, whose outcome is then unknown.
        outcome_unknown: bool,
    },

    /// The API URL answered with a redirect, which the client does not
    /// follow: use the final URL as the API URL.
    #[error("the api url redirects ({status}) to {location:?}; use the final url")]
    Redirected {
        /// The HTTP status (301, 302, ...).
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },

    /// Any other transport failure of a read.
    #[error("transport error: {detail}")]
    Transport {
        /// What failed.
        detail: String,
    },
}

impl Error {
    /// Whether a write may have been carried out although the call failed:
    /// true for [`Error::OutcomeUnknown`] and for an oversized answer to a
    /// write.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::OutcomeUnknown { .. } => true,
            Error::BodyTooLarge {
                outcome_unknown, ..
            } => *outcome_unknown,
            _ => false,
        }
    }

    /// The API error's kind, when this is an API error.
    pub fn api_kind(&self) -> Option<mw_core::ErrorKind> {
        match self {
            Error::Core(e) => e.api_kind(),
            _ => None,
        }
    }

    /// The core's error for a failed answer to a write whose outcome is
    /// unknown (an HTTP 5xx, an unreadable body); other core errors pass
    /// through unchanged.
    pub(crate) fn from_core(e: mw_core::Error, is_write: bool) -> Error {
        if e.retry_advice(is_write) == RetryAdvice::OutcomeUnknown {
            Error::OutcomeUnknown {
                detail: e.to_string(),
                timed_out: false,
                cause: Some(Box::new(e)),
            }
        } else {
            Error::Core(e)
        }
    }
}

/// Sorts a ureq error into the client's stages. `is_write`: whether the
/// request may change state on the server, in which case anything after the
/// connection was made leaves the outcome unknown.
pub(crate) fn classify(e: &ureq::Error, is_write: bool) -> Error {
    use std::io::ErrorKind as Io;
    use ureq::Timeout as T;
    let detail = e.to_string();
    match e {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::TlsRequired
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::Timeout(T::Resolve | T::Connect) => Error::Connect { detail },
        ureq::Error::Io(io) if io.kind() == Io::ConnectionRefused => Error::Connect { detail },
        ureq::Error::Timeout(phase) if is_write => Error::OutcomeUnknown {
            detail: format!("timed out ({phase:?})"),
            timed_out: true,
            cause: None,
        },
        ureq::Error::Timeout(phase) => Error::Timeout {
            phase: format!("{phase:?}"),
        },
        ureq::Error::BodyExceedsLimit(limit) => Error::BodyTooLarge {
            limit: *limit,
            outcome_unknown: is_write,
        },
        _ if is_write => Error::OutcomeUnknown {
            detail,
            timed_out: false,
            cause: None,
        },
        _ => Error::Transport { detail },
    }
}
