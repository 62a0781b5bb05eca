//! Blocking MediaWiki client for account actions: emailing a user, starting
//! a password reset, reading and changing preferences.
//!
//! A thin loop over [`mw_core`]: the core builds each request and reads each
//! answer, this crate sends them with `ureq` and keeps the session (cookie
//! jar, csrf token, credentials to log in again). It holds no protocol
//! knowledge of its own. The core's types are re-exported, so one crate is
//! enough to import.
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
//! # What is retried
//!
//! Only answers that prove the server did not act lead to a second send: a
//! refused token (once, with a fresh token), a lost session (once, after
//! logging in again), and maxlag, readonly, HTTP 429 and 503 (after waiting
//! as asked, up to [`ClientBuilder::retries`] times). A write that may have
//! reached the server is never sent again: its error answers true to
//! [`Error::outcome_unknown`].
//!
//! # Logging
//!
//! Through the `log` crate: one `debug` line per request (method, URL of a
//! GET, status, size, time; never a body, a token or a cookie), `info` for
//! retries and logins. The client keeps its own cookie jar, which logs
//! nothing. One dependency does log secrets, at `trace` level only:
//! `ureq_proto` writes the raw bytes of every request and answer (passwords,
//! tokens and cookies included) to the `ureq_proto::util` target. Keep that
//! target below `trace` wherever logs are kept; at `debug` and above no log
//! line holds a secret (tested).
#![forbid(unsafe_code)]

mod client;
mod cookies;
mod error;

pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_WAIT,
    DEFAULT_MAXLAG, DEFAULT_READ_TIMEOUT, DEFAULT_RETRIES, DEFAULT_TIMEOUT, LoginInfo,
};
pub use error::Error;
pub use mw_core::{
    self, Account, ApiError, EmailResult, EmailSent, EmailUser, Emailability, EmailableEntry,
    EmailableReport, ErrorKind, LoginError, Message, Method, OptionsChange, OptionsChanged,
    Password, RawReply, RejectedOption, ResetPassword, ResetScope, Token, UserOptions,
};
