//! Async MediaWiki client for account actions: emailing a user, starting a
//! password reset, reading and changing preferences.
//!
//! The same operations, names, settings and errors as `mw-ureq`'s blocking
//! client, as `async fn`s on tokio. Both are thin loops over mw-core's
//! [`Session`](mw_core::Session) engine, which makes every decision (tokens,
//! logins, waits, what may be sent again); this crate only moves the bytes
//! with reqwest (rustls, keep-alive pool), sleeps with tokio, and lets tasks
//! sharing a client wait for each other. See mw-core's crate docs for the
//! evidence rule: a write is sent again only after MediaWiki's own proof
//! that it did not act.
//!
//! [`Client`] is cheap to clone (the clones share one session) and its
//! futures are `Send`: use it from many tasks at once. A call whose future
//! is dropped (a timeout, a cancelled task) leaves the client usable; if a
//! write of it was already on its way, its outcome is unknown, as after a
//! dropped connection.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mw_reqwest::Error> {
//! use mw_reqwest::{Client, EmailUser};
//!
//! let client = Client::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
//! client.login("MyBot@mytool", "bot-password").await?;
//! let sends = ["Alice", "Bob"].map(|name| {
//!     let client = client.clone();
//!     tokio::spawn(async move {
//!         client.email_user(&EmailUser::new(name, "Hello", "How are you?")).await
//!     })
//! });
//! for send in sends {
//!     send.await.expect("the task ran")?;
//! }
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod client;
pub mod observe;

pub use client::{Client, ClientBuilder};
pub use mw_core::{
    self, Account, ApiError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_WAIT,
    DEFAULT_MAXLAG, DEFAULT_READ_TIMEOUT, DEFAULT_RETRIES, DEFAULT_TIMEOUT, EmailResult, EmailSent,
    EmailUser, Emailability, EmailableEntry, EmailableReport, Error, ErrorKind, Incomplete,
    LoginError, LoginFailure, LoginInfo, Message, Method, OAuth1Keys, OptionsChange,
    OptionsChanged, OutcomeUnknown, Password, RawReply, RejectedOption, ResetPassword, ResetScope,
    RetryAfter, SecondFactor, Token, UserOptions,
};
