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
//!   POST form bodies with the token last and `+\` encoded, and, once
//!   logged in, an assertion on every request but a login's own steps:
//!   `assert=user&assertuser=NAME`, or `assert=user` alone on the reads whose
//!   answer names the account (see "Never as someone else" below).
//! - Multi-step exchanges are [`Flow`]s: [`BotLogin`] and [`ClientLogin`].
//! - Single actions are a request builder on [`Api`] and a `parse_*`
//!   function: [`Api::email_user_request`] and [`parse_email_user`],
//!   [`Api::reset_password_request`] and [`parse_reset_password`],
//!   [`Api::options_request`] and [`parse_options`], and so on.
//! - Every failure is an [`Error`], by stage; [`Error::retry_advice`] says
//!   whether sending again is safe, by the evidence rule below.
//! - [`Session`] runs whole calls (logins, tokens, relogins, waits) as a
//!   state machine that a transport drives: see "The session engine".
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
//! An error answer of MediaWiki's own (HTTP 200, with the
//! `MediaWiki-API-Error` header naming its code) maps to a kind and to
//! retry advice; the same body without the header is not the wiki's word,
//! and a write that got it may have been carried out:
//!
//! ```
//! use mw_core::{Error, ErrorKind, Response, RetryAdvice, parse_email_user};
//! let body = r#"{"errors":[{"code":"noemailtext","text":"no address","module":"emailuser"}]}"#;
//! let header = ("MediaWiki-API-Error".to_owned(), "noemailtext".to_owned());
//! let err = parse_email_user(&Response::new(200, vec![header], body)).unwrap_err();
//! assert_eq!(err.api_kind(), Some(ErrorKind::NoEmail));
//! assert_eq!(err.retry_advice(true), RetryAdvice::DoNotRetry);
//!
//! let gateway = parse_email_user(&Response::new(503, vec![], body)).unwrap_err();
//! assert_eq!(gateway.api_kind(), None);
//! assert_eq!(gateway.retry_advice(true), RetryAdvice::OutcomeUnknown);
//! ```
//!
//! # The session engine
//!
//! Every decision a client makes between sending a request and returning to
//! its caller is made here, without IO.
//!
//! A [`Session`] holds what outlives one call: the cookie jar, the login
//! state and the intent to be logged in (the credentials), the csrf token
//! keyed by the login it belongs to, and the configuration (wait budget,
//! whether passwords may travel over plain http). A [`Call`] is one
//! operation in progress (an email, a login, an options change of several
//! requests, ...) with its own budget.
//!
//! A transport drives a call in a loop:
//!
//! ```text
//! let mut call = session.email_user(&email)?;        // bad input fails here
//! loop {
//!     match session.poll(&mut call, now()) {
//!         Step::Send(request) => {
//!             let answer = send(request);                  // Answer::Response or ::Failed
//!             session.handle(&mut call, answer, now());
//!             wake_parked_calls();
//!         }
//!         Step::Wait(delay) => sleep(delay),
//!         Step::Park => wait_until_woken(),                // another call fetches the
//!                                                          // token or logs in for this one
//!         Step::Done(result) => return result,
//!     }
//! }
//! // a call given up before Done (a cancelled future): session.abandon(&mut call)
//! ```
//!
//! The engine is told the time, never reads a clock and never sleeps, so
//! the same engine serves a blocking and an async transport, and its tests
//! run in memory.
//!
//! ## What it decides, and why each second send is safe
//!
//! - **The evidence rule.** A write (`emailuser`, `resetpassword`,
//!   `options`, a raw POST, the new-password step of a client login) is sent
//!   again only after an answer in which MediaWiki itself says it did not
//!   act: `badtoken`, `assertuserfailed`/`assertnameduserfailed`,
//!   `readonly`, `maxlag`. `ApiMain` checks these before the module runs.
//!   Any other failure after the request may have left (any HTTP 5xx, 503
//!   with `Retry-After` and 429 included, a timeout, a dropped or truncated
//!   answer, HTML, `emailuser`'s `Failure`, `internal_api_error_*`) ends the
//!   call with [`Error::OutcomeUnknown`], carrying the server's
//!   `Retry-After` for the caller to decide. A failure to connect sent
//!   nothing ([`Error::Connect`]). Reads (and the steps of a login, which
//!   may be repeated) are also sent again after HTTP 429 or 503.
//! - **A token per login.** The csrf token is kept with the login generation
//!   it was fetched in; a token fetched for an older session never replaces
//!   a newer one, and `badtoken` drops the cached token only if it is the
//!   one that was refused. One call fetches; the others park.
//! - **Never as someone else.** After a login, every request but the login's
//!   own steps asserts a user until the caller logs out: writes, the csrf
//!   token and most reads `assert=user&assertuser=NAME`; the options read
//!   and `emailable` `assert=user` with `meta=userinfo`, and the engine
//!   compares the name in the answer with the account, a mismatch counting
//!   as MediaWiki's `assertnameduserfailed` (the answer dropped, a relogin).
//!   MediaWiki looks the named user up in its database for `assertuser` on
//!   every request; the reasoning is in RELIABILITY.md. A lost session is
//!   proven by `assertuserfailed`;
//!   the call then logs in again (one login at a time, the others park) and
//!   sends again. A failed relogin is the call's error, the client keeps its
//!   credentials and its assertion, and a later call may try once more.
//!   A call runs as the identity it found when it started: if a logout or a
//!   login as someone else happens meanwhile, it stops before sending
//!   ([`Error::SessionChanged`]).
//! - **Logout wins.** `logout` ends the intent at once; a relogin still in
//!   flight is discarded, and cookies from answers to requests sent before
//!   the logout are not kept.
//! - **Bounded.** Per call: at most `retries` waits, none longer than
//!   `max_wait`; one token refresh; one relogin; a fixed number of sends
//!   without progress.
//! - **No secret echoed.** The session keeps every secret it holds or
//!   sends ([`Secrets`]: credentials, codes, tokens, cookie values) and
//!   cuts them out of every error and warning before a call ends, in every
//!   form a server that repeats the request may write them.
//!
//! ```
//! use std::time::SystemTime;
//! use mw_core::{Answer, Api, EmailUser, Response, Session, SessionConfig, Step};
//!
//! let api = Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
//! let mut session = Session::new(api, SessionConfig::default());
//! let mut call = session.reset_password(&mw_core::ResetPassword::new(Some("Bob"), None)?);
//! let now = SystemTime::now();
//! let Step::Send(request) = session.poll(&mut call, now) else { panic!() };
//! assert!(String::from_utf8_lossy(&request.body).contains("action=resetpassword"));
//! let answer = Response::json(r#"{"resetpassword":{"status":"success"}}"#);
//! session.handle(&mut call, Answer::Response(answer), now);
//! let Step::Done(Ok(warnings)) = session.poll(&mut call, now) else { panic!() };
//! assert!(warnings.is_empty());
//! # Ok::<(), mw_core::Error>(())
//! ```
#![forbid(unsafe_code)]

mod api;
mod codes;
mod cookies;
mod email;
mod error;
mod events;
mod http;
mod login;
mod names;
mod oauth;
mod options;
mod raw;
mod response;
mod scrub;
mod secret;
mod session;
mod settings;
mod shared;
mod tokens;
mod users;

pub use api::{Account, Api, LIMIT_DEFAULT, LIMIT_HIGH};
pub use codes::{ERROR_CODES, ErrorCode};
pub use cookies::CookieJar;
pub use email::{
    EmailResult, EmailSent, EmailUser, ResetPassword, add_block_info, parse_email_user,
    parse_reset_password,
};
pub use error::{
    ApiError, DEFAULT_MAXLAG_WAIT, DEFAULT_READONLY_WAIT, DEFAULT_UNAVAILABLE_WAIT, Error,
    ErrorKind, Incomplete, InvalidInput, LoginError, LoginFailure, Message, OutcomeUnknown,
    RetryAdvice, RetryAfter, TlsFailure,
};
pub use events::{CallEvent, CallEvents, EventLevel, Observer, WaitReason};
pub use http::{Method, Request, RequestSummary, Response};
pub use login::{BotLogin, ClientLogin, Flow, LoggedIn, SecondFactor, parse_logout};
pub use names::UserNames;
pub use oauth::{
    AccessToken, OAuth1Keys, client_credentials_request, oauth1_authorization, parse_access_token,
    token_endpoint,
};
pub use options::{
    MAX_NAME_BYTES, MAX_VALUE_BYTES, OptionsBatch, OptionsChange, OptionsChanged, OptionsProgress,
    RejectedOption, ResetScope, UserOptions, parse_options, parse_read_options,
};
pub use raw::{RawReply, parse_raw};
pub use scrub::Secrets;
pub use secret::{Password, Token};
pub use session::{
    Answer, Call, CallOutput, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_WAIT, DEFAULT_MAXLAG, DEFAULT_READ_TIMEOUT, DEFAULT_RETRIES, DEFAULT_TIMEOUT,
    FailureKind, LoginInfo, MAX_RELOGINS_PER_CALL, MAX_SENDS_WITHOUT_PROGRESS, SHARED_TOKEN_WAIT,
    Session, SessionConfig, Step, TransportFailure,
};
pub use settings::ClientSettings;
pub use tokens::{TokenType, Tokens, parse_tokens};
pub use users::{
    Emailability, EmailableEntry, EmailableReport, UsersBatch, normalize_user_name,
    parse_emailable, parse_emailable_with,
};

/// The version of this crate, as a string (`CARGO_PKG_VERSION`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
