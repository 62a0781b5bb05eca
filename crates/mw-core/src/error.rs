//! Errors by stage, and retry advice as data.
//!
//! An [`Error`] says where things went wrong: input refused before anything
//! was sent ([`Error::InvalidInput`]), an HTTP status that carried no API
//! answer ([`Error::Http`]), a body that could not be decoded
//! ([`Error::Decode`]), an error the API reported ([`Error::Api`]), or a
//! login the server refused ([`Error::Login`]). [`Error::retry_advice`] says
//! whether sending again is safe, and what to do first.

use std::time::{Duration, SystemTime};

use serde_json::Value;

/// Any failure of a call, by stage.
///
/// The first variants are what the wiki (or something in front of it)
/// answered; the transport's stages (no connection, a timeout, a dropped
/// answer) follow; [`Error::OutcomeUnknown`] wraps any failure after which a
/// write may have been carried out, and [`Error::Incomplete`] a change of
/// options that failed after part of it was applied.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused before anything was sent.
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),

    /// The server answered with an HTTP error status and no API error body.
    #[error("http status {status}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The `Retry-After` header, when present and readable.
        retry_after: Option<RetryAfter>,
        /// The start of the body, for diagnosis (at most 200 characters,
        /// token values removed).
        snippet: String,
    },

    /// The body was not the JSON answer expected.
    #[error("undecodable response (http {status}): {reason}")]
    Decode {
        /// The HTTP status code.
        status: u16,
        /// What was wrong (short, lowercase).
        reason: String,
        /// The start of the body, for diagnosis (at most 200 characters,
        /// token values removed).
        snippet: String,
    },

    /// The API answered with an error.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// A login or client login was refused.
    #[error(transparent)]
    Login(#[from] LoginError),

    /// No connection could be made: the request was not sent, so sending
    /// it again is safe.
    #[error("could not connect: {detail}")]
    Connect {
        /// What failed (resolving, connecting, TLS).
        detail: String,
    },

    /// The TLS handshake failed, so nothing was sent: the wiki's
    /// certificate is not trusted (an unknown issuer: give its CA as a CA
    /// file), is for another name, has expired, or the protocol could not be
    /// agreed.
    #[error("tls: {failure} ({detail})")]
    Tls {
        /// What failed.
        failure: TlsFailure,
        /// The TLS library's words.
        detail: String,
    },

    /// A read timed out. (A write that times out is
    /// [`Error::OutcomeUnknown`].)
    #[error("timed out ({detail})")]
    Timeout {
        /// The phase that timed out.
        detail: String,
    },

    /// The answer's body was larger than the client's limit; reading
    /// stopped there.
    #[error("response body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },

    /// The API URL answered with a redirect, which is never followed: use
    /// the final URL as the API URL.
    #[error("the api url redirects ({status}) to {location:?}; use the final url")]
    Redirected {
        /// The HTTP status (301, 302, ...).
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },

    /// Any other failure of the connection while reading an answer.
    #[error("transport error: {detail}")]
    Transport {
        /// What failed.
        detail: String,
    },

    /// A write may have been carried out, and nothing MediaWiki said proves
    /// otherwise: it was not sent again. Check its effect before repeating
    /// it. The cause says what happened instead of an answer.
    #[error(transparent)]
    OutcomeUnknown(Box<OutcomeUnknown>),

    /// A change of options that needed several requests failed after some
    /// of them were applied; the names say which.
    #[error(transparent)]
    Incomplete(Box<Incomplete>),

    /// The client logged out, or logged in as someone else, while this call
    /// was in progress: it stopped before sending anything as another
    /// identity than the one it started with.
    #[error("session changed: {detail}")]
    SessionChanged {
        /// What changed.
        detail: String,
    },
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

/// Why a TLS handshake failed: see [`Error::Tls`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The certificate's issuer is not trusted (a private or self-signed CA
    /// not given as a CA file nor in the system's store).
    UnknownIssuer,
    /// The certificate is for another name than the API URL's host.
    NameMismatch,
    /// The certificate has expired (or is not valid yet).
    Expired,
    /// Anything else: no protocol version or cipher in common, a malformed
    /// handshake, a revoked certificate, ...
    Protocol,
}

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TlsFailure::UnknownIssuer => "unknown issuer",
            TlsFailure::NameMismatch => "name mismatch",
            TlsFailure::Expired => "expired",
            TlsFailure::Protocol => "protocol",
        })
    }
}

/// A write whose outcome is unknown: see [`Error::OutcomeUnknown`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("outcome unknown: the request may have been carried out ({cause})")]
pub struct OutcomeUnknown {
    /// What came instead of an answer proving what the wiki did: an HTTP
    /// status (any 5xx, 503 with `Retry-After` included), a timeout, a
    /// dropped or truncated answer, HTML, `emailuser`'s `Failure`, an
    /// `internal_api_error_*`.
    #[source]
    pub cause: Error,
    /// The server's `Retry-After`, when it sent one: when to look again,
    /// never a promise that sending again is safe.
    pub retry_after: Option<RetryAfter>,
    /// Warnings the wiki gave on the call's earlier requests (a token
    /// fetch, a refused request sent again, a relogin); the cause's own, if
    /// any, are on the cause. [`Error::warnings`] gives both.
    pub warnings: Vec<Message>,
}

impl OutcomeUnknown {
    /// Whether the cause is a timeout.
    pub fn timed_out(&self) -> bool {
        matches!(self.cause, Error::Timeout { .. })
    }
}

/// A change of options that failed partway: see [`Error::Incomplete`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("options change incomplete: {} applied, {} not applied, {} unknown: {error}",
    .applied.len(), .not_applied.len(), .unknown.len())]
pub struct Incomplete {
    /// Names whose request the wiki answered with success (those it
    /// dropped are in `rejected` too).
    pub applied: Vec<String>,
    /// Options the wiki answered success for but dropped
    /// (`validationfailed`), from the requests that were applied.
    pub rejected: Vec<crate::RejectedOption>,
    /// Names whose request may or may not have been carried out.
    pub unknown: Vec<String>,
    /// Names that were not applied: their request was refused, or never
    /// sent.
    pub not_applied: Vec<String>,
    /// Warnings the applied requests carried.
    pub warnings: Vec<Message>,
    /// The failure that stopped the change.
    #[source]
    pub error: Error,
}

/// Input refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {field}: {reason}")]
pub struct InvalidInput {
    /// The argument or item at fault (`"target"`, `"option name"`, ...).
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl InvalidInput {
    /// An invalid-input error for `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// An error or warning message from the API, in any of its shapes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    /// The message code (`badtoken`, `validationfailed`, ...). Empty for a
    /// warning in the legacy format, which carries no code.
    pub code: String,
    /// MediaWiki's own text for it.
    pub text: String,
    /// The module that reported it (`emailuser`, `main`, ...), when known.
    pub module: Option<String>,
    /// Extra data the server attached (for `maxlag`: `lag`, `host`, ...).
    pub data: Option<Value>,
}

/// An error the API reported, with everything it said.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("api error {code}: {text}")]
pub struct ApiError {
    /// The first error's code.
    pub code: String,
    /// The first error's text (`info` in the legacy format).
    pub text: String,
    /// The module that reported the first error.
    pub module: Option<String>,
    /// The HTTP status the error came with.
    pub http_status: u16,
    /// Every error the server listed, the first included.
    pub errors: Vec<Message>,
    /// Every warning the server gave alongside.
    pub warnings: Vec<Message>,
    /// The `Retry-After` header, when present and readable.
    pub retry_after: Option<RetryAfter>,
}

impl ApiError {
    /// An error with one message; the other fields empty.
    pub fn new(code: impl Into<String>, text: impl Into<String>, http_status: u16) -> Self {
        let (code, text) = (code.into(), text.into());
        let first = Message {
            code: code.clone(),
            text: text.clone(),
            module: None,
            data: None,
        };
        Self {
            code,
            text,
            module: None,
            http_status,
            errors: vec![first],
            warnings: Vec::new(),
            retry_after: None,
        }
    }

    /// What the error means, so callers match on meaning, not strings.
    ///
    /// A block that refused an email is [`ErrorKind::Blocked`] when it is
    /// sitewide and [`ErrorKind::BlockedFromEmail`] when it is partial (a
    /// block that names email among what it forbids), on every version:
    /// MediaWiki 1.39 says `blockedemailuser` and 1.41+ `blocked` for
    /// both, so the email call asks the wiki for the block's details and
    /// adds them to the error as `data.blockinfo` (what MediaWiki itself
    /// attaches to block errors of other modules). Without them the code
    /// alone decides.
    pub fn kind(&self) -> ErrorKind {
        let data = self.errors.first().and_then(|m| m.data.as_ref());
        let kind = ErrorKind::from_code(&self.code, data);
        if !matches!(kind, ErrorKind::Blocked | ErrorKind::BlockedFromEmail)
            || self.module.as_deref() != Some("emailuser")
        {
            return kind;
        }
        match self.block_partial() {
            Some(true) => ErrorKind::BlockedFromEmail,
            Some(false) => ErrorKind::Blocked,
            None => kind,
        }
    }

    /// Whether the block behind this error is partial, from its
    /// `data.blockinfo.blockpartial`, when the error carries it.
    pub fn block_partial(&self) -> Option<bool> {
        self.errors
            .first()?
            .data
            .as_ref()?
            .get("blockinfo")?
            .get("blockpartial")?
            .as_bool()
    }

    /// Whether the error is one of the codes MediaWiki gives a blocked user
    /// (`blocked`, `autoblocked`, `blockedemailuser`, `blockedfrommail`).
    pub fn is_block(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Blocked | ErrorKind::BlockedFromEmail
        )
    }
}

/// The meaning of an API error code. Documented and observed spellings of
/// one condition map to one kind; unknown codes arrive as
/// [`ErrorKind::Other`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `badtoken`: the token is stale or was mangled; fetch a new one.
    BadToken,
    /// `notloggedin`: the action needs a logged-in user.
    NotLoggedIn,
    /// `assertuserfailed`, `assertnameduserfailed`: the session is no longer
    /// the logged-in user's (it expired or was ended on the server).
    AssertUserFailed,
    /// `assertbotfailed`: the user lacks the bot right.
    AssertBotFailed,
    /// `permissiondenied` (1.41+ for a sender without `sendemail`),
    /// `badaccess` (1.39's word for it; `resetpassword` through a bot
    /// password), `permissions`, `readapidenied`, `writeapidenied`,
    /// `noapiwrite`: a right is missing.
    PermissionDenied,
    /// `mustpostparams`, `mustbeposted`: a parameter was in the query
    /// string of a write, or a write was not a POST.
    MustPostParams,
    /// `missingparam`, `nooptionname`: a required parameter was absent or
    /// empty.
    MissingParam,
    /// `badvalue`, `baduser`, `invaliduser`, `badurl_loginreturnurl`: a
    /// parameter's value is not one the wiki accepts.
    InvalidParam,
    /// `invalidparammix`: parameters that cannot go together.
    InvalidParamMix,
    /// `cantsend` (logged out, and 1.39's word for a sender without an
    /// address) or `mailnologin` (1.41+): the sender has no confirmed email
    /// address to send from, or is not logged in.
    CantSend,
    /// A block that forbids sending email and not the whole wiki (a partial
    /// block with email among its restrictions): `blockedfrommail`
    /// (documented), `blockedemailuser` (1.39), or `blocked` (1.41+) with
    /// block details that say partial (see [`ApiError::kind`]).
    BlockedFromEmail,
    /// `blocked`, `autoblocked`, `blocked-mailpassword`: the user is blocked
    /// sitewide (for an email,
    /// also 1.39's `blockedemailuser` when the block's details say
    /// sitewide).
    Blocked,
    /// `usermaildisabled`: user email is disabled on the wiki.
    UserMailDisabled,
    /// `notarget` (1.39), `emailnotarget` (1.41+), `baduser_target`: no such
    /// target user, or a name that cannot be one.
    NoTarget,
    /// `noemail` (1.39), `noemailtext` (1.41+): the target has no email
    /// address.
    NoEmail,
    /// `nowikiemail` (1.39), `nowikiemailtext` (1.41+): the target does not
    /// accept email from users, or not from this sender.
    NoWikiEmail,
    /// `hookaborted`: an extension refused the email (a spam filter, ...).
    HookAborted,
    /// `ratelimited`, `actionthrottled`: too many actions of this kind; not
    /// worth retrying soon.
    RateLimited,
    /// `maxlag`: the database replicas lag; wait and retry.
    Maxlag {
        /// The lag the server reported, in seconds, when it said.
        lag: Option<f64>,
    },
    /// `readonly`: the wiki is read-only for now; wait and retry.
    ReadOnly,
    /// `nochanges`: an `options` request changed nothing.
    NoChanges,
    /// `passwordreset-nodata`: neither user nor email was given.
    PasswordResetNoData,
    /// `passwordreset-invalidemail`: the email address is not valid.
    PasswordResetInvalidEmail,
    /// `moduledisabled`, `passwordreset-disabled`,
    /// `passwordreset-emaildisabled`, `resetpass_forbidden-reason`: the
    /// action is disabled on this wiki (or for this account).
    ModuleDisabled,
    /// `mwoauth-invalid-authorization` and its family
    /// (`...-not-approved`, ...): the OAuth token or keys are not valid.
    /// Nothing acted; a call ends with it as a login error of kind
    /// [`LoginFailure::OAuthInvalid`].
    OAuthInvalid,
    /// `internal_api_error_*`: an exception on the server; the suffix names
    /// its class.
    Internal(String),
    /// Any other code, as the server sent it.
    Other(String),
}

impl ErrorKind {
    /// The kind's name in snake case (`"bad_token"`, `"blocked_from_email"`,
    /// `"maxlag"`, `"internal"`, `"other"`, ...), for bindings and logs.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::BadToken => "bad_token",
            ErrorKind::NotLoggedIn => "not_logged_in",
            ErrorKind::AssertUserFailed => "assert_user_failed",
            ErrorKind::AssertBotFailed => "assert_bot_failed",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::MustPostParams => "must_post_params",
            ErrorKind::MissingParam => "missing_param",
            ErrorKind::InvalidParam => "invalid_param",
            ErrorKind::InvalidParamMix => "invalid_param_mix",
            ErrorKind::CantSend => "cant_send",
            ErrorKind::BlockedFromEmail => "blocked_from_email",
            ErrorKind::Blocked => "blocked",
            ErrorKind::UserMailDisabled => "user_mail_disabled",
            ErrorKind::NoTarget => "no_target",
            ErrorKind::NoEmail => "no_email",
            ErrorKind::NoWikiEmail => "no_wiki_email",
            ErrorKind::HookAborted => "hook_aborted",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Maxlag { .. } => "maxlag",
            ErrorKind::ReadOnly => "readonly",
            ErrorKind::NoChanges => "no_changes",
            ErrorKind::PasswordResetNoData => "password_reset_no_data",
            ErrorKind::PasswordResetInvalidEmail => "password_reset_invalid_email",
            ErrorKind::ModuleDisabled => "module_disabled",
            ErrorKind::OAuthInvalid => "oauth_invalid",
            ErrorKind::Internal(_) => "internal",
            ErrorKind::Other(_) => "other",
        }
    }

    /// The kind for an error code; `data` is the error's extra data, where
    /// `maxlag` keeps its `lag`.
    pub fn from_code(code: &str, data: Option<&Value>) -> ErrorKind {
        match code {
            "badtoken" => ErrorKind::BadToken,
            "notloggedin" => ErrorKind::NotLoggedIn,
            "assertuserfailed" | "assertnameduserfailed" => ErrorKind::AssertUserFailed,
            "assertbotfailed" => ErrorKind::AssertBotFailed,
            "permissiondenied" | "badaccess" | "permissions" | "readapidenied"
            | "writeapidenied" | "noapiwrite" => ErrorKind::PermissionDenied,
            "mustpostparams" | "mustbeposted" => ErrorKind::MustPostParams,
            "missingparam" | "nooptionname" => ErrorKind::MissingParam,
            "badvalue" | "baduser" | "invaliduser" | "badurl_loginreturnurl" => {
                ErrorKind::InvalidParam
            }
            "invalidparammix" => ErrorKind::InvalidParamMix,
            "cantsend" | "mailnologin" | "mailnologintext" => ErrorKind::CantSend,
            "blockedfrommail" | "blockedemailuser" => ErrorKind::BlockedFromEmail,
            "blocked" | "autoblocked" | "blocked-mailpassword" => ErrorKind::Blocked,
            "usermaildisabled" => ErrorKind::UserMailDisabled,
            "notarget" | "emailnotarget" | "baduser_target" => ErrorKind::NoTarget,
            "noemail" | "noemailtext" => ErrorKind::NoEmail,
            "nowikiemail" | "nowikiemailtext" => ErrorKind::NoWikiEmail,
            "hookaborted" => ErrorKind::HookAborted,
            "ratelimited" | "actionthrottled" | "actionthrottledtext" => ErrorKind::RateLimited,
            "maxlag" => ErrorKind::Maxlag {
                lag: data.and_then(|d| d.get("lag")).and_then(Value::as_f64),
            },
            "readonly" => ErrorKind::ReadOnly,
            "nochanges" => ErrorKind::NoChanges,
            "passwordreset-nodata" => ErrorKind::PasswordResetNoData,
            "passwordreset-invalidemail" => ErrorKind::PasswordResetInvalidEmail,
            "moduledisabled"
            | "passwordreset-disabled"
            | "passwordreset-emaildisabled"
            | "resetpass_forbidden-reason" => ErrorKind::ModuleDisabled,
            other if other.starts_with("mwoauth-invalid-authorization") => ErrorKind::OAuthInvalid,
            other => match other.strip_prefix("internal_api_error_") {
                Some(class) => ErrorKind::Internal(class.to_owned()),
                None => ErrorKind::Other(other.to_owned()),
            },
        }
    }
}

/// A login (`action=login`) or client login (`action=clientlogin`) the server
/// refused. The server's own reason is kept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("login failed ({result}): {reason}")]
pub struct LoginError {
    /// The server's result or status: `Failed`, `Aborted`, `WrongToken`,
    /// `NeedToken`, `Throttled` for `action=login`; `FAIL`, `UI`, `REDIRECT`,
    /// `RESTART` for `action=clientlogin`; or mwkit's own: `OtherUser`,
    /// `PasswordChanged`, `NoSession`, `SessionLost`.
    pub result: String,
    /// The reason's message code, when the server gave one
    /// (`wrongpassword`, `resetpass-temp-emailed`, ...).
    pub code: Option<String>,
    /// The server's text of the reason.
    pub reason: String,
    /// Every warning the wiki gave on the way (the login's steps, and for a
    /// relogin inside another call, that call's earlier requests).
    pub warnings: Vec<Message>,
    /// What kind of refusal: a plain one, or about the second factor.
    pub kind: LoginFailure,
}

/// The kind of a [`LoginError`], for callers to branch on: each is a row of
/// the one error table ([`crate::ERROR_CODES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LoginFailure {
    /// Refused: a wrong password, a locked account, a question mwkit cannot
    /// answer (the message names its fields), ... (`login_failed`).
    #[default]
    Refused,
    /// The wiki asks for a second factor (a two-factor code) and none was
    /// given: nothing more was sent after its question
    /// (`second_factor_required`).
    SecondFactorRequired,
    /// The wiki refused the second factor given (a wrong, expired or
    /// already used code): the session is not logged in, and a new login
    /// with another code may follow (`second_factor_failed`).
    SecondFactorFailed,
    /// The OAuth token or keys are not valid (garbage, expired, revoked, a
    /// disabled consumer, a wrong secret): `mwoauth-invalid-authorization*`,
    /// or the token endpoint's refusal. Nothing acted (`oauth_invalid`).
    OAuthInvalid,
    /// The wiki lost the login's session before the password, the
    /// two-factor code or the new password was checked: the session expired
    /// while its user looked for the code, or its cookie did not come back
    /// (a proxy, a load balancer). MediaWiki answers a continuation with
    /// `badtoken`, or `FAIL` / `authmanager-authn-not-in-progress`, and the
    /// first step (`action=clientlogin` with the password) with `badtoken`,
    /// its login token being stale; the error's `code` is the wiki's.
    /// Nothing was checked or changed: the password is the old one, and the
    /// code was not used. A login lost at its first step, or whose code
    /// comes from a function ([`crate::SecondFactor::ask`]), is started
    /// again once from its first step with a new login token (asking for
    /// the code again); this is the error with a fixed code, or when the
    /// session is lost again (`login_session_lost`; C
    /// `MW_ERR_LOGIN_FAILED`).
    SessionLost,
}

impl LoginFailure {
    /// The kind's name in the one error table.
    pub fn name(self) -> &'static str {
        match self {
            LoginFailure::Refused => "login_failed",
            LoginFailure::SecondFactorRequired => "second_factor_required",
            LoginFailure::SecondFactorFailed => "second_factor_failed",
            LoginFailure::OAuthInvalid => "oauth_invalid",
            LoginFailure::SessionLost => "login_session_lost",
        }
    }
}

impl LoginError {
    /// A refusal with `result`, the reason's `code` and text; no warnings.
    pub fn new(result: impl Into<String>, code: Option<String>, reason: impl Into<String>) -> Self {
        Self {
            result: result.into(),
            code,
            reason: reason.into(),
            warnings: Vec::new(),
            kind: LoginFailure::Refused,
        }
    }

    /// Whether the server asks for a new password (the account logged in
    /// with a temporary password): give one to complete the login.
    pub fn needs_new_password(&self) -> bool {
        self.result == "UI" && self.code.as_deref() == Some("resetpass-temp-emailed")
    }
}

/// When to retry, from a `Retry-After` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// After this long (`Retry-After: 5`).
    Delay(Duration),
    /// At this time (`Retry-After: <HTTP-date>`).
    At(SystemTime),
}

impl RetryAfter {
    /// Reads a `Retry-After` value: seconds or an HTTP-date.
    pub fn parse(value: &str) -> Option<RetryAfter> {
        let value = value.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(RetryAfter::Delay(Duration::from_secs(secs)));
        }
        httpdate::parse_http_date(value).ok().map(RetryAfter::At)
    }

    /// How long to wait from `now` (zero for a time already past). The core
    /// reads no clock: the transport passes the time.
    pub fn delay_from(self, now: SystemTime) -> Duration {
        match self {
            RetryAfter::Delay(d) => d,
            RetryAfter::At(t) => t.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

/// What a transport may do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAdvice {
    /// The server answered, or nothing was sent; sending the same request
    /// again would get the same answer, or is the caller's decision
    /// (`notarget`, `ratelimited`, bad input, no connection, ...).
    DoNotRetry,
    /// The server did not act: the token was refused. Fetch a new token,
    /// then send again.
    RefreshToken,
    /// The server did not act: the session is gone (`assertuserfailed`,
    /// `assertnameduserfailed`). Log in again, then send again.
    Relogin,
    /// The server did not act and asked to wait (`maxlag`, `readonly`; for
    /// a read also HTTP 429 or 503). Wait, then send again.
    RetryAfter(RetryAfter),
    /// A write may have been carried out: nothing in the answer proves
    /// MediaWiki did not act. Never send it again automatically.
    OutcomeUnknown,
}

/// Wait used for `maxlag` when the server sends no `Retry-After`.
pub const DEFAULT_MAXLAG_WAIT: Duration = Duration::from_secs(5);
/// Wait used for `readonly` when the server sends no `Retry-After`.
pub const DEFAULT_READONLY_WAIT: Duration = Duration::from_secs(30);
/// Wait used for HTTP 429 and 503 without `Retry-After`.
pub const DEFAULT_UNAVAILABLE_WAIT: Duration = Duration::from_secs(5);

impl Error {
    /// Whether and how a request that failed with this error may be sent
    /// again, by the evidence rule: only an answer in which MediaWiki itself
    /// says it did not act (`badtoken`, `assertuserfailed`,
    /// `assertnameduserfailed`, `maxlag`, `readonly`: `ApiMain` checks them
    /// before the module runs), in an HTTP 200 whose `MediaWiki-API-Error`
    /// header names the code, allows a write to be sent again. An error body
    /// without that header is never an [`Error::Api`]: it is
    /// [`Error::Http`] or [`Error::Decode`], and for a write that may have
    /// left, outcome unknown. Any other
    /// failure of a write that may have reached the server is
    /// [`RetryAdvice::OutcomeUnknown`]: an HTTP status alone (even 503 with
    /// `Retry-After`, or 429) proves nothing, since a proxy may have
    /// answered after the wiki acted. A read may also be sent again after
    /// HTTP 429 or 503.
    ///
    /// `is_write` is the request's [`crate::Request::is_write`].
    pub fn retry_advice(&self, is_write: bool) -> RetryAdvice {
        match self {
            // MediaWiki gives its refusals with HTTP 200; anything else in
            // front of a write proves nothing, whatever its body says.
            Error::Api(api) if api.http_status != 200 => {
                if is_write {
                    RetryAdvice::OutcomeUnknown
                } else {
                    RetryAdvice::DoNotRetry
                }
            }
            Error::Api(api) => match api.kind() {
                ErrorKind::BadToken => RetryAdvice::RefreshToken,
                ErrorKind::AssertUserFailed => RetryAdvice::Relogin,
                ErrorKind::Maxlag { lag } => {
                    let fallback = lag
                        .filter(|l| l.is_finite() && *l > DEFAULT_MAXLAG_WAIT.as_secs_f64())
                        .map_or(DEFAULT_MAXLAG_WAIT, |l| {
                            Duration::from_secs(l.min(86_400.0).ceil() as u64)
                        });
                    RetryAdvice::RetryAfter(api.retry_after.unwrap_or(RetryAfter::Delay(fallback)))
                }
                ErrorKind::ReadOnly => RetryAdvice::RetryAfter(
                    api.retry_after
                        .unwrap_or(RetryAfter::Delay(DEFAULT_READONLY_WAIT)),
                ),
                ErrorKind::Internal(_) if is_write => RetryAdvice::OutcomeUnknown,
                _ => RetryAdvice::DoNotRetry,
            },
            Error::OutcomeUnknown(_) => RetryAdvice::OutcomeUnknown,
            Error::Http {
                status: 429 | 503,
                retry_after,
                ..
            } if !is_write => RetryAdvice::RetryAfter(
                retry_after.unwrap_or(RetryAfter::Delay(DEFAULT_UNAVAILABLE_WAIT)),
            ),
            Error::Http { .. }
            | Error::Decode { .. }
            | Error::Timeout { .. }
            | Error::BodyTooLarge { .. }
            | Error::Redirected { .. }
            | Error::Transport { .. }
                if is_write =>
            {
                RetryAdvice::OutcomeUnknown
            }
            _ => RetryAdvice::DoNotRetry,
        }
    }

    /// This failure of a write, as [`Error::OutcomeUnknown`] when
    /// [`Error::retry_advice`] says its outcome is unknown; otherwise
    /// unchanged. The server's `Retry-After`, if any, is kept.
    pub fn for_write(self) -> Error {
        if matches!(self, Error::OutcomeUnknown(_))
            || self.retry_advice(true) != RetryAdvice::OutcomeUnknown
        {
            return self;
        }
        let retry_after = self.retry_after();
        Error::OutcomeUnknown(Box::new(OutcomeUnknown {
            cause: self,
            retry_after,
            warnings: Vec::new(),
        }))
    }

    /// Every warning the wiki gave for the call that failed with this error,
    /// in the order given: an API error's, a refused login's, an incomplete
    /// options change's (the applied requests', then its failure's), and for
    /// an outcome in doubt its own and its cause's. A failure of the connection itself carries none (the
    /// warnings of the call's earlier requests are then on the
    /// [`Error::OutcomeUnknown`] of a write).
    pub fn warnings(&self) -> Vec<Message> {
        match self {
            Error::Api(api) => api.warnings.clone(),
            Error::Login(login) => login.warnings.clone(),
            Error::Incomplete(inc) => {
                let mut all = inc.warnings.clone();
                all.extend(inc.error.warnings());
                all
            }
            Error::OutcomeUnknown(o) => {
                let mut all = o.warnings.clone();
                all.extend(o.cause.warnings());
                all
            }
            _ => Vec::new(),
        }
    }

    /// Puts `earlier` (warnings of the call's earlier requests) before this
    /// error's own. An error with no place for warnings (a failure of the
    /// connection on a read) gives them back.
    #[must_use]
    pub(crate) fn prepend_warnings(&mut self, earlier: Vec<Message>) -> Vec<Message> {
        if earlier.is_empty() {
            return earlier;
        }
        let list = match self {
            Error::Api(api) => &mut api.warnings,
            Error::Login(login) => &mut login.warnings,
            Error::Incomplete(inc) => &mut inc.warnings,
            Error::OutcomeUnknown(o) => &mut o.warnings,
            _ => return earlier,
        };
        let mut all = earlier;
        all.append(list);
        *list = all;
        Vec::new()
    }

    /// Takes this error's own warnings out (an API error's), for a call that
    /// goes on after it.
    pub(crate) fn take_warnings(&mut self) -> Vec<Message> {
        match self {
            Error::Api(api) => std::mem::take(&mut api.warnings),
            _ => Vec::new(),
        }
    }

    /// Whether a write may have been carried out although the call failed:
    /// an [`Error::OutcomeUnknown`], or an [`Error::Incomplete`] change
    /// whose failing request's outcome is unknown.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::OutcomeUnknown(_) => true,
            Error::Incomplete(i) => i.error.outcome_unknown(),
            _ => false,
        }
    }

    /// The server's `Retry-After`, wherever this error carries one.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        match self {
            Error::Http { retry_after, .. } => *retry_after,
            Error::Api(api) => api.retry_after,
            Error::OutcomeUnknown(o) => o.retry_after,
            Error::Incomplete(i) => i.error.retry_after(),
            _ => None,
        }
    }

    /// The API error's kind, when this is an API error.
    pub fn api_kind(&self) -> Option<ErrorKind> {
        match self {
            Error::Api(api) => Some(api.kind()),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidInput(InvalidInput::new(field, reason))
    }
}
