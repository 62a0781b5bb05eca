//! Blocking MediaWiki client for account actions: emailing a user, starting
//! a password reset, reading and changing preferences.
//!
//! A thin loop over [`mw_core`]'s session engine: the engine builds each
//! request, reads each answer and decides what comes next (a token, a new
//! login, a wait, a second send, or the end); this crate moves the bytes
//! with `ureq` (keep-alive connection pool, timeouts, body limit), sleeps
//! when told, and lets threads sharing a client wait for each other. It
//! holds no protocol knowledge of its own. The core's types are
//! re-exported, so one crate is enough to import; its errors are the
//! core's [`Error`].
//!
//! ```no_run
//! use mw_ureq::{Client, EmailUser, OptionsChange};
//!
//! let client = Client::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
//! client.login("MyBot@mytool", "bot-password")?;
//! let sent = client.email_user(&EmailUser::new("Alice", "Hello", "How are you?"))?;
//! assert!(sent.warnings.is_empty());
//! let changed = client.change_options(&OptionsChange::new().set("gender", "female"))?;
//! for dropped in &changed.rejected {
//!     eprintln!("not applied: {:?}: {}", dropped.name, dropped.message.text);
//! }
//! # Ok::<(), mw_ureq::Error>(())
//! ```
//!
//! # What is sent again: the evidence rule
//!
//! Every decision is mw-core's [`Session`](mw_core::Session) engine's (see
//! its crate docs). A write is sent again only after an answer in which
//! MediaWiki itself proves it did not act: `badtoken` (once, with a fresh
//! token), `assertuserfailed` (once, after logging in again), `maxlag` and
//! `readonly` (after waiting as asked, up to [`ClientBuilder::retries`]
//! times). Any other failure of a write that may have reached the server, an
//! HTTP 503 with `Retry-After` included, is [`Error::OutcomeUnknown`] with
//! the server's `Retry-After` attached, and is never sent again. Reads may
//! also be waited for and sent again after HTTP 429 or 503.
//!
//! Once logged in, every request asserts the account, reads included, until
//! [`Client::logout`]: a lost session fails on the server instead of acting
//! or reading anonymously, and a failed relogin is an error.
//!
//! # Interrupting a call
//!
//! [`Client::call`] runs a call with an [`Interrupt`], a check asked at
//! least every [`CHECK_EVERY`] while the call waits, and told what it waits
//! for ([`Waiting`]: an answer, and whether to a write; a delay the wiki
//! asked for; another call). When it says stop, the call is given up
//! ([`Stopped`]): nothing of it is sent again, an answer that comes later is
//! dropped, what it held (a token fetch, a login) is given back, and the
//! caller learns whether a write was on its way. Python's Ctrl-C stops
//! wherever the call waits; the command line's SIGTERM only where nothing
//! is on its way.
//!
//! # Logging
//!
//! Through the `log` crate, one line per event of a call
//! ([`mw_core::CallEvent`], in the words mw-reqwest and the Python binding
//! use too): `debug` for each request's answer (method, action and query
//! modules by name ([`mw_core::Request::summary`]), status, MediaWiki's
//! error code, time; never a parameter's value, a body, a token or a
//! cookie; a failure's text scrubbed of the request's secrets), `info` for
//! a wait the wiki asked for and a relogin, `trace` for a request sent. The
//! same events go to an observer given to the builder
//! ([`ClientBuilder::observer`]). The session's cookie jar is mw-core's, which logs nothing. One
//! dependency does log secrets, at `trace` level only:
//! `ureq_proto` writes the raw bytes of every request and answer (passwords,
//! tokens and cookies included) to the `ureq_proto::util` target. Keep that
//! target below `trace` wherever logs are kept; at `debug` and above no log
//! line holds a secret (tested).
#![forbid(unsafe_code)]

mod client;
mod error;

pub use client::{CHECK_EVERY, Client, ClientBuilder, Interrupt, Stopped, Transport, Waiting};
pub use error::Error;
pub use mw_core::{
    self, Account, ApiError, CallEvent, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_WAIT, DEFAULT_MAXLAG, DEFAULT_READ_TIMEOUT, DEFAULT_RETRIES, DEFAULT_TIMEOUT,
    EmailResult, EmailSent, EmailUser, Emailability, EmailableEntry, EmailableReport, ErrorKind,
    Incomplete, LoginError, LoginFailure, LoginInfo, Message, Method, OAuth1Keys, Observer,
    OptionsChange, OptionsChanged, OutcomeUnknown, Password, RawReply, RejectedOption,
    ResetPassword, ResetScope, RetryAfter, SecondFactor, Token, UserOptions,
};
