//! Logins as small state machines, and logout.
//!
//! A [`Flow`] is driven by its transport: ask [`Flow::next_request`] for a
//! request, send it, give the answer to [`Flow::handle_response`]; repeat
//! until `handle_response` returns the output or an error.
//!
//! ```
//! use mw_core::{Api, BotLogin, Flow, Password, Response};
//! let mut api = Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
//! let mut login = BotLogin::new("Alice@mybot", Password::new("s3cret-bot-password"))?;
//! let answers = [
//!     r#"{"query":{"tokens":{"logintoken":"lt+\\"}}}"#,
//!     r#"{"login":{"result":"Success","lguserid":7,"lgusername":"Alice"}}"#,
//!     r#"{"query":{"userinfo":{"id":7,"name":"Alice","rights":["read"]},"tokens":{"csrftoken":"c+\\"}}}"#,
//! ];
//! let mut done = None;
//! for answer in answers {
//!     let _request = login.next_request(&api).expect("a request to send");
//!     done = login.handle_response(&Response::json(answer))?;
//! }
//! let logged_in = done.expect("logged in after three answers");
//! assert_eq!(logged_in.account.name, "Alice");
//! api.set_account(Some(logged_in.account));
//! # Ok::<(), mw_core::Error>(())
//! ```

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use crate::api::{Account, Api, Kind};
use crate::error::{Error, ErrorKind, LoginError, LoginFailure, Message};
use crate::http::{Method, Request, Response};
use crate::response::{Decoded, decode, decode_error};
use crate::secret::{Password, Token};
use crate::tokens::{TokenType, required_token};

/// A multi-step exchange with the server, driven by a transport.
pub trait Flow {
    /// What the flow produces when it finishes.
    type Output;

    /// The next request to send, or `None` once the flow has finished or
    /// failed.
    fn next_request(&mut self, api: &Api) -> Option<Request>;

    /// Handles the answer to the last request: `Ok(None)` to go on,
    /// `Ok(Some(output))` when finished.
    ///
    /// # Errors
    /// The flow's failure; after an error the flow has ended.
    fn handle_response(&mut self, resp: &Response) -> Result<Option<Self::Output>, Error>;
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// Who the session belongs to; give it to [`Api::set_account`].
    pub account: Account,
    /// The session's csrf token, fetched in the same request that confirmed
    /// the session.
    pub csrf: Token,
    /// Every warning the server gave on the way (for example the deprecation
    /// warning of a main-account `action=login`).
    pub warnings: Vec<Message>,
}

#[derive(Debug)]
enum LoginState {
    FetchToken,
    Login(Token),
    Continue(Token),
    /// Answering the wiki's question for a second factor with this code.
    Factor(Token, Password),
    Verify,
    Finished,
}

/// The answer to the wiki's question for a second factor (a two-factor
/// code, OATHAuth's TOTP): a code, or a function asked for one only when
/// the wiki asks, so the code is fresh, and at most once per question (a
/// relogin that is asked again calls it again).
///
/// ```
/// use mw_core::SecondFactor;
/// let fixed = SecondFactor::code("123456");
/// let asked = SecondFactor::ask(|| Some("654321".into()));
/// assert!(format!("{fixed:?} {asked:?}").find("123456").is_none());
/// ```
#[derive(Clone)]
pub struct SecondFactor(FactorSource);

#[derive(Clone)]
enum FactorSource {
    Code(Password),
    Ask(std::sync::Arc<dyn Fn() -> Option<Password> + Send + Sync>),
}

impl SecondFactor {
    /// This code. It can be used once: a login that must be made again
    /// (a session ended on the server) needs [`SecondFactor::ask`].
    pub fn code(code: impl Into<Password>) -> Self {
        Self(FactorSource::Code(code.into()))
    }

    /// Calls `ask` for a code each time the wiki asks for one; `None`
    /// gives up (the login fails as `second_factor_required`).
    pub fn ask(ask: impl Fn() -> Option<Password> + Send + Sync + 'static) -> Self {
        Self(FactorSource::Ask(std::sync::Arc::new(ask)))
    }

    fn get(&self) -> Option<Password> {
        match &self.0 {
            FactorSource::Code(code) => Some(code.clone()),
            FactorSource::Ask(ask) => ask(),
        }
    }
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            FactorSource::Code(_) => "SecondFactor(code <redacted>)",
            FactorSource::Ask(_) => "SecondFactor(ask)",
        })
    }
}

/// `action=login` with a bot password (`User@appid`): login token, login,
/// then one read that confirms the session and fetches its rights and csrf
/// token. Any result other than `Success` is an [`Error::Login`] carrying the
/// server's reason.
#[derive(Debug)]
pub struct BotLogin {
    name: String,
    password: Password,
    state: LoginState,
    warnings: Vec<Message>,
}

impl BotLogin {
    /// A login as `name` (a bot password's `User@appid`, or a main account,
    /// which MediaWiki still accepts with a deprecation warning).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty name or password.
    pub fn new(name: &str, password: Password) -> Result<Self, Error> {
        check_credentials(name, &password)?;
        Ok(Self {
            name: name.to_owned(),
            password,
            state: LoginState::FetchToken,
            warnings: Vec::new(),
        })
    }
}

impl BotLogin {
    /// Takes out the warnings the flow holds (those a failure had no place
    /// for), for a login started again.
    pub(crate) fn take_warnings(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.warnings)
    }
}

impl Flow for BotLogin {
    type Output = LoggedIn;

    fn next_request(&mut self, api: &Api) -> Option<Request> {
        match &self.state {
            LoginState::FetchToken => Some(api.tokens_request(&[TokenType::Login])),
            LoginState::Login(token) => Some(api.build(
                Method::Post,
                &[
                    ("action", Cow::Borrowed("login")),
                    ("lgname", Cow::Borrowed(self.name.as_str())),
                    ("lgpassword", Cow::Borrowed(self.password.expose())),
                    ("lgtoken", Cow::Borrowed(token.expose())),
                ],
                None,
                Kind::Session,
            )),
            LoginState::Verify => Some(verify_request(api)),
            LoginState::Continue(_) | LoginState::Factor(..) | LoginState::Finished => None,
        }
    }

    fn handle_response(&mut self, resp: &Response) -> Result<Option<LoggedIn>, Error> {
        // A failure keeps the warnings of the steps before it, or when it
        // has no place for them, the flow does (`take_warnings`).
        self.step(resp).map_err(|mut e| {
            self.warnings = e.prepend_warnings(std::mem::take(&mut self.warnings));
            e
        })
    }
}

impl BotLogin {
    fn step(&mut self, resp: &Response) -> Result<Option<LoggedIn>, Error> {
        let state = std::mem::replace(&mut self.state, LoginState::Finished);
        match state {
            LoginState::FetchToken => {
                let (token, warnings) = required_token(resp, TokenType::Login)?;
                self.warnings.extend(warnings);
                self.state = LoginState::Login(token);
                Ok(None)
            }
            LoginState::Login(_) => {
                let decoded: Decoded<LoginAnswer> = decode(resp)?;
                self.warnings.extend(decoded.warnings);
                let body = decoded
                    .body
                    .login
                    .ok_or_else(|| decode_error(resp, "the answer holds no login"))?;
                if body.result != "Success" {
                    let (code, reason) = login_reason(body.reason.as_ref());
                    let mut err = LoginError::new(body.result, code, reason);
                    err.warnings = std::mem::take(&mut self.warnings);
                    return Err(err.into());
                }
                self.state = LoginState::Verify;
                Ok(None)
            }
            LoginState::Verify => verify(resp, &mut self.warnings).map(Some),
            LoginState::Continue(_) | LoginState::Factor(..) | LoginState::Finished => {
                Err(decode_error(resp, "the login flow has already finished"))
            }
        }
    }
}

/// `action=clientlogin` with a main account's password, completing the
/// password-change step (after a temporary password from a reset) when
/// given a new password.
///
/// `PASS` finishes; `FAIL` is an [`Error::Login`] with the server's message;
/// `UI` asking for a new password continues with the one given, or fails
/// with [`LoginError::needs_new_password`] when none was; other `UI`
/// requests, `REDIRECT` and `RESTART` fail with the server's message, since
/// they need a person or a browser. A step whose session the wiki lost
/// fails as [`LoginFailure::SessionLost`]: the first step answered
/// `badtoken` (its login token is stale: the session expired, or its cookie
/// did not come back; the wiki did not act), a continuation answered
/// `badtoken` or `authmanager-authn-not-in-progress`.
/// [`ClientLogin::can_start_again`] says
/// whether a new flow may go where this one went (a [`crate::Session`]
/// starts one, once).
#[derive(Debug)]
pub struct ClientLogin {
    username: String,
    password: Password,
    new_password: Option<Password>,
    second_factor: Option<SecondFactor>,
    /// Whether a second factor was sent: the wiki asking again means it
    /// refused it (no loop).
    factor_sent: bool,
    state: LoginState,
    continued: bool,
    password_changed: bool,
    warnings: Vec<Message>,
}

impl ClientLogin {
    /// A client login as `username` with `password`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty name or password.
    pub fn new(username: &str, password: Password) -> Result<Self, Error> {
        check_credentials(username, &password)?;
        Ok(Self {
            username: username.to_owned(),
            password,
            new_password: None,
            second_factor: None,
            factor_sent: false,
            state: LoginState::FetchToken,
            continued: false,
            password_changed: false,
            warnings: Vec::new(),
        })
    }

    /// The new password to set when the server asks for one.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty password.
    pub fn with_new_password(mut self, new_password: Password) -> Result<Self, Error> {
        if new_password.expose().is_empty() {
            return Err(Error::invalid("new password", "must not be empty"));
        }
        self.new_password = Some(new_password);
        Ok(self)
    }

    /// The answer to give when the wiki asks for a second factor; without
    /// one, its question ends the login as `second_factor_required`.
    #[must_use]
    pub fn with_second_factor(mut self, second_factor: SecondFactor) -> Self {
        self.second_factor = Some(second_factor);
        self
    }

    /// The user name given.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Whether the step that sets the new password has been reached: from
    /// then on the flow must never be started again from the old
    /// (temporary) password, which the server may no longer accept.
    pub fn password_change_sent(&self) -> bool {
        self.continued
    }

    /// Whether the server accepted the new password (`PASS` to the
    /// password-change step): from then on the new password is the
    /// account's, whatever happens to the rest of the flow.
    pub fn password_changed(&self) -> bool {
        self.password_changed
    }

    /// Whether, after the wiki lost the login's session
    /// ([`LoginFailure::SessionLost`]: nothing was checked or changed), a
    /// new flow with the same input can go where this one went: everything
    /// it sent can be had again, a password and a new password as given, a
    /// two-factor code by asking its function again. A fixed code cannot:
    /// by then it may be stale, and only its person can give another.
    pub fn can_start_again(&self) -> bool {
        !self.factor_sent || matches!(self.second_factor, Some(SecondFactor(FactorSource::Ask(_))))
    }
}

impl ClientLogin {
    /// Takes out the warnings the flow holds (those a failure had no place
    /// for), for a login started again.
    pub(crate) fn take_warnings(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.warnings)
    }
}

impl Flow for ClientLogin {
    type Output = LoggedIn;

    fn next_request(&mut self, api: &Api) -> Option<Request> {
        match &self.state {
            LoginState::FetchToken => Some(api.tokens_request(&[TokenType::Login])),
            LoginState::Login(token) => Some(api.build(
                Method::Post,
                &[
                    ("action", Cow::Borrowed("clientlogin")),
                    ("username", Cow::Borrowed(self.username.as_str())),
                    ("password", Cow::Borrowed(self.password.expose())),
                    ("loginreturnurl", Cow::Borrowed(api.url())),
                    ("logintoken", Cow::Borrowed(token.expose())),
                ],
                None,
                Kind::Session,
            )),
            LoginState::Continue(token) => {
                let new = self.new_password.as_ref().map_or("", Password::expose);
                let mut req = api.build(
                    Method::Post,
                    &[
                        ("action", Cow::Borrowed("clientlogin")),
                        ("logincontinue", Cow::Borrowed("1")),
                        ("password", Cow::Borrowed(new)),
                        ("retype", Cow::Borrowed(new)),
                        ("logintoken", Cow::Borrowed(token.expose())),
                    ],
                    None,
                    Kind::Session,
                );
                // Setting a password acts on the account: never sent twice.
                req.is_write = true;
                Some(req)
            }
            LoginState::Factor(token, code) => Some(api.build(
                Method::Post,
                &[
                    ("action", Cow::Borrowed("clientlogin")),
                    ("logincontinue", Cow::Borrowed("1")),
                    (SECOND_FACTOR_FIELD, Cow::Borrowed(code.expose())),
                    ("logintoken", Cow::Borrowed(token.expose())),
                ],
                None,
                Kind::Session,
            )),
            LoginState::Verify => Some(verify_request(api)),
            LoginState::Finished => None,
        }
    }

    fn handle_response(&mut self, resp: &Response) -> Result<Option<LoggedIn>, Error> {
        // A failure keeps the warnings of the steps before it, or when it
        // has no place for them, the flow does (`take_warnings`).
        self.step(resp).map_err(|mut e| {
            self.warnings = e.prepend_warnings(std::mem::take(&mut self.warnings));
            e
        })
    }
}

impl ClientLogin {
    fn step(&mut self, resp: &Response) -> Result<Option<LoggedIn>, Error> {
        let state = std::mem::replace(&mut self.state, LoginState::Finished);
        // A step that needs the session: the first one its login token (a
        // stale token is `badtoken`, and the wiki did not act), a
        // continuation the login's state, which the wiki keeps there.
        let step = match &state {
            LoginState::Login(_) => Some(LostStep::Password),
            LoginState::Continue(_) => Some(LostStep::NewPassword),
            LoginState::Factor(..) => Some(LostStep::SecondFactor),
            _ => None,
        };
        match state {
            LoginState::FetchToken => {
                let (token, warnings) = required_token(resp, TokenType::Login)?;
                self.warnings.extend(warnings);
                self.state = LoginState::Login(token);
                Ok(None)
            }
            LoginState::Login(token)
            | LoginState::Continue(token)
            | LoginState::Factor(token, _) => {
                let decoded: Decoded<ClientLoginAnswer> = match (decode(resp), step) {
                    // The session is gone, and its login token with it.
                    (Err(Error::Api(api)), Some(step))
                        if api.kind() == ErrorKind::BadToken && api.http_status == 200 =>
                    {
                        return Err(session_lost(step, &api.code, &api.text, api.warnings).into());
                    }
                    (decoded, _) => decoded?,
                };
                let continuing = self.continued;
                self.warnings.extend(decoded.warnings);
                let body = decoded
                    .body
                    .clientlogin
                    .ok_or_else(|| decode_error(resp, "the answer holds no clientlogin"))?;
                if let (
                    Some(step @ (LostStep::SecondFactor | LostStep::NewPassword)),
                    "FAIL",
                    Some(code @ NOT_IN_PROGRESS),
                ) = (step, body.status.as_str(), body.messagecode.as_deref())
                {
                    let text = body.message.as_deref().unwrap_or_default();
                    let warnings = std::mem::take(&mut self.warnings);
                    return Err(session_lost(step, code, text, warnings).into());
                }
                let warnings = std::mem::take(&mut self.warnings);
                let failure = |result: &str, fallback: &str| LoginError {
                    result: result.to_owned(),
                    code: body.messagecode.clone(),
                    reason: body.message.clone().unwrap_or_else(|| fallback.to_owned()),
                    warnings: warnings.clone(),
                    kind: LoginFailure::Refused,
                };
                let factor_failure = |kind: LoginFailure, fallback: &str| {
                    let mut e = failure("UI", fallback);
                    e.kind = kind;
                    e
                };
                match body.status.as_str() {
                    "PASS" => {
                        self.warnings = warnings;
                        self.password_changed = continuing;
                        self.state = LoginState::Verify;
                        Ok(None)
                    }
                    "UI" if body.asks_for_new_password()
                        && self.new_password.is_some()
                        && !self.continued =>
                    {
                        self.warnings = warnings;
                        self.continued = true;
                        self.state = LoginState::Continue(token);
                        Ok(None)
                    }
                    // The wiki asks again after a code was sent: it refused
                    // the code. Never answered twice in one flow.
                    "UI" if body.asks_for_second_factor() && self.factor_sent => {
                        Err(factor_failure(
                            LoginFailure::SecondFactorFailed,
                            "the wiki refused the two-factor code",
                        )
                        .into())
                    }
                    "UI" if body.asks_for_second_factor() => {
                        // Asked for only now, so the code is fresh.
                        match self.second_factor.as_ref().and_then(SecondFactor::get) {
                            Some(code) if !code.expose().trim().is_empty() => {
                                self.warnings = warnings;
                                self.factor_sent = true;
                                self.state = LoginState::Factor(token, code);
                                Ok(None)
                            }
                            _ => Err(factor_failure(
                                LoginFailure::SecondFactorRequired,
                                "the wiki asks for a two-factor code",
                            )
                            .into()),
                        }
                    }
                    "UI" => {
                        let mut e = failure("UI", "the server asks for more input");
                        e.reason = format!(
                            "{} (the wiki asks for {}, which mwkit cannot give: a captcha, or a \
                             login provider it does not know)",
                            e.reason.trim(),
                            body.asked_fields().join(", ")
                        );
                        Err(e.into())
                    }
                    "RESTART" => Err(failure(
                        "RESTART",
                        "the wiki asks to start again and link an account (not supported)",
                    )
                    .into()),
                    "REDIRECT" => Err(failure(
                        "REDIRECT",
                        "a login through a redirect (a browser) is not supported",
                    )
                    .into()),
                    other => Err(failure(other, "the login was refused").into()),
                }
            }
            LoginState::Verify => verify(resp, &mut self.warnings).map(Some),
            LoginState::Finished => Err(decode_error(resp, "the login flow has already finished")),
        }
    }
}

/// `authmanager-authn-not-in-progress`: MediaWiki's answer to a login
/// continuation in a session that holds no login (its data was lost).
const NOT_IN_PROGRESS: &str = "authmanager-authn-not-in-progress";

/// Which step found the login's session gone.
#[derive(Debug, Clone, Copy)]
enum LostStep {
    /// The first step: its login token is no longer the session's.
    Password,
    SecondFactor,
    NewPassword,
}

/// The wiki lost the login's session before it checked the continuation's
/// answer: [`LoginFailure::SessionLost`], with the wiki's code and text.
fn session_lost(step: LostStep, code: &str, text: &str, warnings: Vec<Message>) -> LoginError {
    let (what, then) = match step {
        LostStep::Password => ("the password was checked", "log in again"),
        LostStep::SecondFactor => (
            "the two-factor code was checked",
            "log in again with a new code",
        ),
        LostStep::NewPassword => (
            "the new password was set",
            "the password is unchanged; log in again",
        ),
    };
    LoginError {
        result: "SessionLost".to_owned(),
        code: Some(code.to_owned()),
        reason: format!(
            "the wiki lost the login session before {what} (it expired, or its cookie did not \
             come back); {then} (the wiki said: {})",
            text.trim()
        ),
        warnings,
        kind: LoginFailure::SessionLost,
    }
}

impl Api {
    /// `action=logout`, which needs the session's csrf token. Give the answer
    /// to [`parse_logout`], then forget the account and its tokens.
    pub fn logout_request(&self, csrf: &Token) -> Request {
        self.build(
            Method::Post,
            &[("action", Cow::Borrowed("logout"))],
            Some(csrf),
            Kind::Session,
        )
    }
}

/// Reads the answer to [`Api::logout_request`]; returns the warnings.
///
/// # Errors
/// An API error (for example `badtoken`).
pub fn parse_logout(resp: &Response) -> Result<Vec<Message>, Error> {
    Ok(decode::<serde::de::IgnoredAny>(resp)?.warnings)
}

fn check_credentials(name: &str, password: &Password) -> Result<(), Error> {
    if name.trim().is_empty() {
        return Err(Error::invalid("user name", "must not be empty"));
    }
    if password.expose().is_empty() {
        return Err(Error::invalid("password", "must not be empty"));
    }
    Ok(())
}

fn verify_request(api: &Api) -> Request {
    api.get(&[
        ("action", "query"),
        ("meta", "userinfo|tokens"),
        ("uiprop", "rights"),
        ("type", "csrf"),
    ])
}

/// Reads the confirming `meta=userinfo|tokens` answer: a session that is
/// still anonymous is a failed login, whatever the login step said.
/// `warnings` are the earlier steps': taken on success (a failure leaves
/// them to the flow, which puts them on the error).
fn verify(resp: &Response, earlier: &mut Vec<Message>) -> Result<LoggedIn, Error> {
    let decoded: Decoded<VerifyAnswer> = decode(resp)?;
    let mut warnings = std::mem::take(earlier);
    warnings.extend(decoded.warnings);
    let query = decoded
        .body
        .query
        .ok_or_else(|| decode_error(resp, "the answer holds no query"))?;
    let info = query
        .userinfo
        .ok_or_else(|| decode_error(resp, "the answer holds no userinfo"))?;
    let csrf = query
        .tokens
        .and_then(|t| t.get("csrftoken").and_then(Value::as_str).map(Token::new))
        .ok_or_else(|| decode_error(resp, "the answer holds no csrftoken"))?;
    if info.id == 0 || info.anon || csrf.is_anonymous() {
        let mut err = LoginError::new(
            "NoSession",
            None,
            "the server accepted the login but the session is anonymous (were its cookies kept?)",
        );
        err.warnings = warnings;
        return Err(err.into());
    }
    let high_limits = info.rights.iter().any(|r| r == "apihighlimits");
    Ok(LoggedIn {
        account: Account {
            name: info.name,
            id: info.id,
            high_limits,
        },
        csrf,
        warnings,
    })
}

fn login_reason(reason: Option<&Value>) -> (Option<String>, String) {
    match reason {
        Some(Value::String(text)) => (None, text.clone()),
        Some(Value::Object(map)) => (
            map.get("code").and_then(Value::as_str).map(str::to_owned),
            map.get("text")
                .or_else(|| map.get("info"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        ),
        _ => (None, String::new()),
    }
}

/// `login` of an answer.
#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginBody {
    result: String,
    reason: Option<Value>,
}

/// `clientlogin` of an answer.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ClientLoginBody {
    status: String,
    message: Option<String>,
    messagecode: Option<String>,
    requests: Vec<Value>,
}

/// The field of OATHAuth's TOTP request, the second factor mwkit answers.
const SECOND_FACTOR_FIELD: &str = "OATHToken";

impl ClientLoginBody {
    /// Whether a `UI` answer asks for a second factor: a request with the
    /// TOTP field.
    fn asks_for_second_factor(&self) -> bool {
        self.requests.iter().any(|r| {
            r.get("fields")
                .and_then(|f| f.get(SECOND_FACTOR_FIELD))
                .is_some()
        })
    }

    /// The names of every field the wiki asks for.
    fn asked_fields(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .requests
            .iter()
            .filter_map(|r| r.get("fields").and_then(Value::as_object))
            .flat_map(|f| f.keys().cloned())
            .collect();
        names.dedup();
        if names.is_empty() {
            names.push("input it does not describe".to_owned());
        }
        names
    }

    /// Whether a `UI` answer asks for a new password: a request with the
    /// fields `password` and `retype`.
    fn asks_for_new_password(&self) -> bool {
        self.requests.iter().any(|r| {
            let fields = r.get("fields");
            fields.and_then(|f| f.get("password")).is_some()
                && fields.and_then(|f| f.get("retype")).is_some()
        })
    }
}

/// The answer to `action=login`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginAnswer {
    login: Option<LoginBody>,
}

/// The answer to `action=clientlogin`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ClientLoginAnswer {
    clientlogin: Option<ClientLoginBody>,
}

/// The answer to the confirming `meta=userinfo|tokens`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct VerifyAnswer {
    query: Option<VerifyQuery>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VerifyQuery {
    userinfo: Option<crate::options::UserInfo>,
    tokens: Option<serde_json::Map<String, Value>>,
}

/// The "login" of a session that acts with an OAuth token: for a
/// confidential client, the `client_credentials` token first; then the
/// confirming read (`meta=userinfo|tokens`) under the token, which names the
/// account and brings the csrf token. No `action=login` is ever sent.
#[derive(Debug)]
pub(crate) struct TokenLogin {
    /// The client's id and secret while its token is still to fetch.
    fetch: Option<(String, Password)>,
    /// The token fetched, once it is.
    pub(crate) access: Option<crate::oauth::AccessToken>,
    done: bool,
    warnings: Vec<Message>,
}

impl TokenLogin {
    pub(crate) fn new(client: Option<(String, Password)>) -> Self {
        Self {
            fetch: client,
            access: None,
            done: false,
            warnings: Vec::new(),
        }
    }

    /// A confidential client's login with a token another session of the
    /// process fetched: only the confirming read.
    pub(crate) fn with_access(access: crate::oauth::AccessToken) -> Self {
        Self {
            fetch: None,
            access: Some(access),
            done: false,
            warnings: Vec::new(),
        }
    }

    /// Whether the next request is the token fetch (sent without the
    /// session's cookies or any token).
    pub(crate) fn fetching(&self) -> bool {
        self.fetch.is_some()
    }

    pub(crate) fn next_request(&self, api: &Api) -> Option<Request> {
        if let Some((id, secret)) = &self.fetch {
            return Some(crate::oauth::client_credentials_request(
                api.url(),
                api.user_agent(),
                id,
                secret,
            ));
        }
        (!self.done).then(|| verify_request(api))
    }

    pub(crate) fn handle_response(
        &mut self,
        resp: &Response,
        now: std::time::SystemTime,
    ) -> Result<Option<LoggedIn>, Error> {
        if self.fetch.is_some() {
            self.access = Some(crate::oauth::parse_access_token(resp, now)?);
            self.fetch = None;
            return Ok(None);
        }
        self.done = true;
        verify(resp, &mut self.warnings).map(Some)
    }

    pub(crate) fn take_warnings(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.warnings)
    }
}
