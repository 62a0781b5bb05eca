//! Sans-IO core of mwkit, a MediaWiki Action API client for account actions:
//! emailing a user (`action=emailuser`), starting a password reset
//! (`action=resetpassword`), and reading and changing preferences
//! (`action=options`).
//!
//! This crate holds all protocol knowledge and performs no IO: it builds
//! [`Request`] values and parses [`Response`] values, and never opens a
//! socket, reads a clock or sleeps. A transport (such as `mw-ureq`) sends
//! the requests and hands back the answers.
//!
//! # How it fits together
//!
//! - [`Api`] holds the endpoint and session state (API URL, user agent,
//!   `maxlag`, the logged-in [`Account`]) and builds every request: the
//!   common parameters (`format=json&formatversion=2&errorformat=plaintext`),
//!   POST form bodies with the token last and `+\` encoded, and
//!   `assert=user&assertuser=NAME` on writes once logged in.
//! - Multi-step exchanges are [`Flow`]s: [`BotLogin`] and [`ClientLogin`].
//! - Single actions are a request builder on [`Api`] and a `parse_*`
//!   function: [`Api::email_user_request`] and [`parse_email_user`],
//!   [`Api::reset_password_request`] and [`parse_reset_password`],
//!   [`Api::options_request`] and [`parse_options`], and so on.
//! - Every failure is an [`Error`], by stage; [`Error::retry_advice`] says
//!   whether sending again is safe.
//!
//! # Example: emailing a user, with the answers a server would give
//!
//! ```
//! use mw_core::{Api, EmailUser, Response, TokenType, parse_email_user, parse_tokens};
//!
//! let api = Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
//! // 1. the csrf token (after a login, see BotLogin)
//! let _req = api.tokens_request(&[TokenType::Csrf]);
//! let tokens = parse_tokens(&Response::json(r#"{"query":{"tokens":{"csrftoken":"c0ffee+\\"}}}"#))?;
//! let csrf = tokens.get(TokenType::Csrf).expect("a csrf token");
//! // 2. the email
//! let req = api.email_user_request(&EmailUser::new("Bob", "Hi", "Hello Bob"), csrf)?;
//! assert_eq!(req.method, mw_core::Method::Post);
//! let sent = parse_email_user(&Response::json(r#"{"emailuser":{"result":"Success"}}"#))?;
//! assert!(sent.warnings.is_empty());
//! # Ok::<(), mw_core::Error>(())
//! ```
//!
//! An error answer maps to a kind and to retry advice:
//!
//! ```
//! use mw_core::{Error, ErrorKind, Response, RetryAdvice, parse_email_user};
//! let resp = Response::json(r#"{"errors":[{"code":"blockedemailuser","text":"blocked","module":"emailuser"}]}"#);
//! let err = parse_email_user(&resp).unwrap_err();
//! assert_eq!(err.api_kind(), Some(ErrorKind::BlockedFromEmail));
//! assert_eq!(err.retry_advice(true), RetryAdvice::DoNotRetry);
//! ```
#![forbid(unsafe_code)]

mod api;
mod cookies;
mod email;
mod error;
mod http;
mod login;
mod options;
mod raw;
mod response;
mod secret;
mod session;
mod tokens;
mod users;

pub use api::{Account, Api, LIMIT_DEFAULT, LIMIT_HIGH};
pub use cookies::CookieJar;
pub use email::{
    EmailResult, EmailSent, EmailUser, ResetPassword, parse_email_user, parse_reset_password,
};
pub use error::{
    ApiError, DEFAULT_MAXLAG_WAIT, DEFAULT_READONLY_WAIT, DEFAULT_UNAVAILABLE_WAIT, Error,
    ErrorKind, Incomplete, InvalidInput, LoginError, Message, OutcomeUnknown, RetryAdvice,
    RetryAfter,
};
pub use http::{Method, Request, Response};
pub use login::{BotLogin, ClientLogin, Flow, LoggedIn, parse_logout};
pub use options::{
    MAX_NAME_BYTES, MAX_VALUE_BYTES, OptionsBatch, OptionsChange, OptionsChanged, RejectedOption,
    ResetScope, UserOptions, parse_options, parse_read_options,
};
pub use raw::{RawReply, parse_raw};
pub use secret::{Password, Token};
pub use session::{
    Answer, Call, CallOutput, DEFAULT_MAX_WAIT, DEFAULT_RETRIES, FailureKind, LoginInfo,
    MAX_RELOGINS_PER_CALL, MAX_SENDS_WITHOUT_PROGRESS, Session, SessionConfig, Step,
    TransportFailure,
};
pub use tokens::{TokenType, Tokens, parse_tokens};
pub use users::{
    Emailability, EmailableEntry, EmailableReport, UsersBatch, normalize_user_name, parse_emailable,
};

/// The version of this crate, as a string (`CARGO_PKG_VERSION`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
