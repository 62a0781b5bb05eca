//! [`Client`]: sends mw-core's requests with ureq and keeps the session.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use mw_core::{
    Account, Api, BotLogin, ClientLogin, EmailSent, EmailUser, EmailableReport, Flow, LoggedIn,
    Message, Method, OptionsChange, OptionsChanged, Password, RawReply, Request, ResetPassword,
    ResetScope, Response, RetryAdvice, Token, TokenType, UserOptions, parse_email_user,
    parse_emailable, parse_logout, parse_options, parse_raw, parse_read_options,
    parse_reset_password, parse_tokens,
};

use crate::cookies::Jar;
use crate::error::{Error, classify};

/// Default time to connect.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time to wait for an answer (headers, then body).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default limit for one whole request, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Default `maxlag`, in seconds.
pub const DEFAULT_MAXLAG: u32 = 5;
/// Default number of waits (maxlag, readonly, 429, 503) per call.
pub const DEFAULT_RETRIES: u32 = 3;
/// Default longest wait the client accepts from the server.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(60);
/// Default largest answer body read, in bytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// Sets up a [`Client`].
///
/// ```
/// use std::time::Duration;
/// let client = mw_ureq::Client::builder("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")
///     .read_timeout(Duration::from_secs(20))
///     .maxlag(Some(5))
///     .retries(2)
///     .build()?;
/// assert!(client.account().is_none());
/// # Ok::<(), mw_ureq::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_url: String,
    user_agent: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Duration,
    maxlag: Option<u32>,
    retries: u32,
    max_wait: Duration,
    max_response_bytes: u64,
    allow_insecure_credentials: bool,
}

impl ClientBuilder {
    /// Time to connect (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Time to wait for the answer's headers, and again for its body
    /// (default 60 s).
    #[must_use]
    pub fn read_timeout(mut self, t: Duration) -> Self {
        self.read_timeout = t;
        self
    }

    /// Limit for one whole request, from connecting to the last byte
    /// (default 120 s).
    #[must_use]
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// `maxlag` sent with every request (default 5 s; `None` to send none).
    #[must_use]
    pub fn maxlag(mut self, maxlag: Option<u32>) -> Self {
        self.maxlag = maxlag;
        self
    }

    /// How many times one call may wait and send again when the server says
    /// it did not act and asks to wait (maxlag, readonly, HTTP 429 or 503).
    /// Default 3; 0 turns waiting off.
    #[must_use]
    pub fn retries(mut self, n: u32) -> Self {
        self.retries = n;
        self
    }

    /// The longest wait accepted from the server (default 60 s). A server
    /// asking for longer gets its error returned instead.
    #[must_use]
    pub fn max_wait(mut self, t: Duration) -> Self {
        self.max_wait = t;
        self
    }

    /// The largest answer body read (default 16 MiB); reading stops there.
    #[must_use]
    pub fn max_response_bytes(mut self, n: u64) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Allow sending passwords over plain `http://` to a host that is not
    /// the loopback (default: refused before anything is sent).
    #[must_use]
    pub fn allow_insecure_credentials(mut self, allow: bool) -> Self {
        self.allow_insecure_credentials = allow;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`mw_core::Error::InvalidInput`] (as [`Error::Core`]) for a bad API
    /// URL, a user agent that is empty or holds CR/LF, or a zero timeout or
    /// body limit.
    pub fn build(self) -> Result<Client, Error> {
        let mut api = Api::new(&self.api_url, &self.user_agent)?;
        api.set_maxlag(self.maxlag);
        for (name, d) in [
            ("connect timeout", self.connect_timeout),
            ("read timeout", self.read_timeout),
            ("timeout", self.timeout),
        ] {
            if d.is_zero() {
                return Err(invalid(name, "must be more than zero"));
            }
        }
        if self.max_response_bytes == 0 {
            return Err(invalid("max response bytes", "must be more than zero"));
        }
        let config = ureq::Agent::config_builder()
            // Error statuses carry API error bodies: read them, don't fail.
            .http_status_as_error(false)
            // A redirect is reported, never followed: a POST must not turn
            // into a GET or land elsewhere.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_recv_response(Some(self.read_timeout))
            .timeout_recv_body(Some(self.read_timeout))
            .timeout_global(Some(self.timeout))
            .user_agent(self.user_agent.as_str())
            // One host only: keep a connection for each thread sharing the
            // client (ureq's default keeps 3).
            .max_idle_connections_per_host(16)
            .build();
        let credentials_safe =
            self.api_url.starts_with("https://") || host_is_loopback(&self.api_url);
        Ok(Client {
            agent: ureq::Agent::new_with_config(config),
            retries: self.retries,
            max_wait: self.max_wait,
            max_response_bytes: self.max_response_bytes,
            credentials_ok: credentials_safe || self.allow_insecure_credentials,
            session: RwLock::new(Session {
                api,
                credentials: None,
                generation: 0,
            }),
            csrf: Mutex::new(None),
            csrf_fetch: Mutex::new(()),
            relogin: Mutex::new(()),
            jar: Mutex::new(Jar::default()),
            https: self.api_url.starts_with("https://"),
        })
    }
}

fn invalid(field: &str, reason: &str) -> Error {
    Error::Core(mw_core::Error::InvalidInput(mw_core::InvalidInput::new(
        field, reason,
    )))
}

/// Whether the URL's host is `localhost` or a loopback address.
fn host_is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// How a login was made, kept to log in again when the session is lost.
#[derive(Debug, Clone)]
enum Credentials {
    Bot { name: String, password: Password },
    Main { name: String, password: Password },
}

#[derive(Debug)]
struct Session {
    api: Api,
    credentials: Option<Credentials>,
    /// Counts logins, so that threads that lost the session together log in
    /// again once.
    generation: u64,
}

/// Which token a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenUse {
    None,
    Csrf,
    /// The csrf token when logged in, the anonymous `+\` otherwise.
    CsrfOrAnonymous,
}

/// A successful login.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginInfo {
    /// Who the session belongs to.
    pub account: Account,
    /// Every warning the server gave on the way.
    pub warnings: Vec<Message>,
}

/// A blocking MediaWiki client for account actions.
///
/// `Client` is `Send + Sync`: share one between threads (in an `Arc`). It
/// keeps one cookie jar and one csrf token for its session; concurrent
/// fetches of the token become one request. Cookies are only ever sent to
/// the API URL (so only to the wiki's host), and `Secure` ones only over
/// https.
///
/// What it retries, and what it never does:
///
/// - a refused token (`badtoken`): fetches a new one and sends once more;
/// - a lost session (`assertuserfailed`, `notloggedin`) after a login: logs
///   in again with the credentials it holds, once, and sends once more;
/// - `maxlag`, `readonly`, HTTP 429 and 503: waits as the server asks (up to
///   [`ClientBuilder::max_wait`]) and sends again, up to
///   [`ClientBuilder::retries`] times;
/// - anything else, and above all a write that may have reached the server
///   (a timeout, a dropped connection, an HTTP 5xx): never sent again; the
///   error says the outcome is unknown ([`Error::outcome_unknown`]).
pub struct Client {
    agent: ureq::Agent,
    retries: u32,
    max_wait: Duration,
    max_response_bytes: u64,
    credentials_ok: bool,
    session: RwLock<Session>,
    csrf: Mutex<Option<Token>>,
    csrf_fetch: Mutex<()>,
    relogin: Mutex<()>,
    /// The session's cookies: sent only to the API URL, never logged.
    jar: Mutex<Jar>,
    https: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let session = self.read_session();
        f.debug_struct("Client")
            .field("api_url", &session.api.url())
            .field("account", &session.api.account().map(|a| a.name.as_str()))
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Client {
    /// A builder for a client of the API at `api_url`, identifying itself as
    /// `user_agent` (name your tool and a contact, as MediaWiki's policy
    /// asks).
    pub fn builder(api_url: &str, user_agent: &str) -> ClientBuilder {
        ClientBuilder {
            api_url: api_url.to_owned(),
            user_agent: user_agent.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            maxlag: Some(DEFAULT_MAXLAG),
            retries: DEFAULT_RETRIES,
            max_wait: DEFAULT_MAX_WAIT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_credentials: false,
        }
    }

    /// A client with the default settings.
    ///
    /// # Errors
    /// As [`ClientBuilder::build`].
    pub fn new(api_url: &str, user_agent: &str) -> Result<Client, Error> {
        Self::builder(api_url, user_agent).build()
    }

    /// The logged-in account, if any.
    pub fn account(&self) -> Option<Account> {
        self.read_session().api.account().cloned()
    }

    /// The API URL.
    pub fn api_url(&self) -> String {
        self.read_session().api.url().to_owned()
    }

    // ---- logins ------------------------------------------------------------

    /// Logs in with a bot password (`name` is `User@appid`) through
    /// `action=login`. On success the client keeps the credentials to log in
    /// again if the session is lost.
    ///
    /// # Errors
    /// [`mw_core::Error::Login`] with the server's reason; invalid input
    /// (empty name or password, or a password over plain `http://` to
    /// another host) before anything is sent. After a failed login the
    /// client is logged out.
    pub fn login(&self, name: &str, password: impl Into<Password>) -> Result<LoginInfo, Error> {
        let credentials = Credentials::Bot {
            name: name.to_owned(),
            password: password.into(),
        };
        self.login_with(credentials)
    }

    /// Logs in with a main account's password through `action=clientlogin`.
    /// When the server asks for a new password (after a temporary password
    /// from a reset), `new_password` completes the login and from then on
    /// is the password kept.
    ///
    /// # Errors
    /// As [`Client::login`]; without `new_password`, a temporary password
    /// fails with a [`mw_core::LoginError`] whose
    /// [`needs_new_password`](mw_core::LoginError::needs_new_password) is true.
    pub fn client_login(
        &self,
        name: &str,
        password: impl Into<Password>,
        new_password: Option<Password>,
    ) -> Result<LoginInfo, Error> {
        let password = password.into();
        self.check_credentials_allowed()?;
        let flow = || {
            let login = ClientLogin::new(name, password.clone())?;
            match &new_password {
                Some(p) => login.with_new_password(p.clone()),
                None => Ok(login),
            }
        };
        let kept = new_password.clone().unwrap_or_else(|| password.clone());
        let result = self.run_login(flow);
        self.finish_login(
            result,
            Credentials::Main {
                name: name.to_owned(),
                password: kept,
            },
        )
    }

    /// Logs out (`action=logout`) and forgets the session: account, token,
    /// cookies and credentials, even when the server's answer is an error.
    ///
    /// # Errors
    /// A transport or API error of the logout request.
    pub fn logout(&self) -> Result<Vec<Message>, Error> {
        let result = if self.account().is_some() {
            self.call(
                TokenUse::Csrf,
                |api, token| Ok(api.logout_request(token.unwrap_or(&Token::anonymous()))),
                parse_logout,
            )
        } else {
            Ok(Vec::new())
        };
        self.forget_session();
        result
    }

    fn login_with(&self, credentials: Credentials) -> Result<LoginInfo, Error> {
        self.check_credentials_allowed()?;
        let result = match &credentials {
            Credentials::Bot { name, password } => {
                self.run_login(|| BotLogin::new(name, password.clone()))
            }
            Credentials::Main { name, password } => {
                self.run_login(|| ClientLogin::new(name, password.clone()))
            }
        };
        self.finish_login(result, credentials)
    }

    fn check_credentials_allowed(&self) -> Result<(), Error> {
        if self.credentials_ok {
            Ok(())
        } else {
            Err(invalid(
                "api url",
                "refusing to send a password over plain http:// to a host that is not the loopback \
                 (use https://, or allow_insecure_credentials)",
            ))
        }
    }

    fn finish_login(
        &self,
        result: Result<LoggedIn, Error>,
        credentials: Credentials,
    ) -> Result<LoginInfo, Error> {
        match result {
            Ok(done) => {
                let mut session = self.write_session();
                session.api.set_account(Some(done.account.clone()));
                session.credentials = Some(credentials);
                session.generation += 1;
                *lock(&self.csrf) = Some(done.csrf);
                log::info!("logged in as {}", done.account.name);
                Ok(LoginInfo {
                    account: done.account,
                    warnings: done.warnings,
                })
            }
            Err(e) => {
                self.forget_session();
                Err(e)
            }
        }
    }

    /// Runs a login flow, from the start again when the server asks to wait
    /// (maxlag, readonly): a login is safe to repeat.
    fn run_login<F, M>(&self, make: M) -> Result<LoggedIn, Error>
    where
        F: Flow<Output = LoggedIn>,
        M: Fn() -> Result<F, mw_core::Error>,
    {
        let mut waits = 0;
        loop {
            let mut flow = make()?;
            // Logins are never asserted: build them without the account.
            let mut api = self.api();
            api.set_account(None);
            *lock(&self.csrf) = None;
            match self.drive(&mut flow, &api) {
                Ok(done) => return Ok(done),
                Err(Error::Core(e)) => match e.retry_advice(false) {
                    RetryAdvice::RetryAfter(after)
                        if waits < self.retries && self.wait(after, &e) =>
                    {
                        waits += 1
                    }
                    _ => return Err(Error::Core(e)),
                },
                Err(other) => return Err(other),
            }
        }
    }

    fn drive<F: Flow>(&self, flow: &mut F, api: &Api) -> Result<F::Output, Error> {
        while let Some(req) = flow.next_request(api) {
            let resp = self.send(&req)?;
            if let Some(out) = flow.handle_response(&resp)? {
                return Ok(out);
            }
        }
        Err(Error::Transport {
            detail: "the login flow ended without an answer".to_owned(),
        })
    }

    /// Logs in again after the session was lost, once for all the threads
    /// that saw it lost at `generation`.
    fn relogin(&self, generation: u64) -> Result<(), Error> {
        let _one_at_a_time = lock(&self.relogin);
        let credentials = {
            let session = self.read_session();
            if session.generation != generation {
                return Ok(()); // another thread already logged in again
            }
            session.credentials.clone()
        };
        let Some(credentials) = credentials else {
            return Err(invalid(
                "session",
                "the session was lost and no credentials are held",
            ));
        };
        log::info!("the session was lost; logging in again");
        self.login_with(credentials).map(drop)
    }

    fn forget_session(&self) {
        let mut session = self.write_session();
        session.api.set_account(None);
        session.credentials = None;
        session.generation += 1;
        *lock(&self.csrf) = None;
        lock(&self.jar).clear();
    }

    // ---- actions -----------------------------------------------------------

    /// Emails a user (`action=emailuser`). Never sent twice by the client:
    /// only answers proving the server did not act (badtoken, a lost
    /// session, maxlag, readonly) lead to a second send.
    ///
    /// # Errors
    /// Invalid input before sending; an API error (`notarget`, `noemail`,
    /// `nowikiemail`, `ratelimited`, ...); a transport error, which for a
    /// request that may have been sent is [`Error::OutcomeUnknown`].
    pub fn email_user(&self, email: &EmailUser) -> Result<EmailSent, Error> {
        self.call(
            TokenUse::Csrf,
            |api, token| api.email_user_request(email, csrf(token)?),
            parse_email_user,
        )
    }

    /// Starts a password reset (`action=resetpassword`). Logged out it uses
    /// the anonymous token; through a bot password MediaWiki refuses it
    /// (`badaccess`). Success means the server accepted the request, not
    /// that a mail was sent.
    ///
    /// # Errors
    /// As [`Client::email_user`].
    pub fn reset_password(&self, reset: &ResetPassword) -> Result<Vec<Message>, Error> {
        self.call(
            TokenUse::CsrfOrAnonymous,
            |api, token| Ok(api.reset_password_request(reset, csrf(token)?)),
            parse_reset_password,
        )
    }

    /// Which of `names` can be emailed, in one request per 50 names (500
    /// with `apihighlimits`).
    ///
    /// # Errors
    /// Invalid input (no names, an empty name) before sending; an API or
    /// transport error.
    pub fn emailable<S: AsRef<str>>(&self, names: &[S]) -> Result<EmailableReport, Error> {
        let batches = self.api().emailable_batches(names)?;
        let mut report = EmailableReport::default();
        for batch in &batches {
            let part = self.call(
                TokenUse::None,
                |api, _| Ok(api.emailable_request(batch)),
                |r| parse_emailable(r, batch),
            )?;
            report.merge(part);
        }
        Ok(report)
    }

    /// The logged-in user's preferences.
    ///
    /// # Errors
    /// An API or transport error.
    pub fn options(&self) -> Result<UserOptions, Error> {
        self.call(
            TokenUse::None,
            |api, _| Ok(api.read_options_request()),
            parse_read_options,
        )
    }

    /// Changes preferences in as few requests as MediaWiki allows; the
    /// result lists every warning and every option the server dropped.
    /// When a later request fails, the earlier ones have been applied.
    ///
    /// # Errors
    /// Invalid input (see [`OptionsChange::validate`]) before sending; an API
    /// or transport error.
    pub fn change_options(&self, change: &OptionsChange) -> Result<OptionsChanged, Error> {
        let batches = self.api().options_batches(change)?;
        let mut done = OptionsChanged::default();
        for batch in &batches {
            let part = self.call(
                TokenUse::Csrf,
                |api, token| Ok(api.options_request(batch, csrf(token)?)),
                |r| parse_options(r, batch),
            )?;
            done.merge(part);
        }
        Ok(done)
    }

    /// Resets preferences to their defaults: all of them, or some kinds.
    ///
    /// # Errors
    /// As [`Client::change_options`].
    pub fn reset_options(&self, scope: ResetScope) -> Result<OptionsChanged, Error> {
        let change = match scope {
            ResetScope::All => OptionsChange::new().reset_all(),
            ResetScope::Kinds(kinds) => OptionsChange::new().reset_kinds(kinds),
        };
        self.change_options(&change)
    }

    /// Any action, answered as JSON. A POST with `with_token` carries the
    /// csrf token; a POST is a write, never sent twice blindly.
    ///
    /// # Errors
    /// Invalid input (see [`Api::raw_request`]) before sending; an API or
    /// transport error.
    pub fn raw(
        &self,
        params: &[(&str, &str)],
        method: Method,
        with_token: bool,
    ) -> Result<RawReply, Error> {
        let token_use = if method == Method::Post && with_token {
            TokenUse::Csrf
        } else {
            TokenUse::None
        };
        self.call(
            token_use,
            |api, token| api.raw_request(params, method, token),
            parse_raw,
        )
    }

    // ---- the loop ----------------------------------------------------------

    /// Builds, sends and parses, and sends again only when the core's advice
    /// says the server did not act.
    fn call<T>(
        &self,
        token_use: TokenUse,
        build: impl Fn(&Api, Option<&Token>) -> Result<Request, mw_core::Error>,
        parse: impl Fn(&Response) -> Result<T, mw_core::Error>,
    ) -> Result<T, Error> {
        // Build once with a stand-in token first, so that input the core
        // refuses fails before anything (even a token fetch) is sent.
        let stand_in = (token_use != TokenUse::None).then(Token::anonymous);
        build(&self.api(), stand_in.as_ref())?;
        let (mut refreshed, mut relogged, mut waits) = (false, false, 0);
        loop {
            let (api, generation) = {
                let session = self.read_session();
                (session.api.clone(), session.generation)
            };
            let token = match token_use {
                TokenUse::None => None,
                TokenUse::CsrfOrAnonymous if api.account().is_none() => Some(Token::anonymous()),
                TokenUse::Csrf | TokenUse::CsrfOrAnonymous => Some(self.csrf_token(&api)?),
            };
            let req = build(&api, token.as_ref())?;
            let resp = self.send(&req)?;
            let err = match parse(&resp) {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            match err.retry_advice(req.is_write) {
                RetryAdvice::RefreshToken if !refreshed && token_use != TokenUse::None => {
                    refreshed = true;
                    log::info!("badtoken: fetching a new csrf token and sending again");
                    self.invalidate_csrf(token.as_ref());
                }
                RetryAdvice::Relogin if !relogged && self.has_credentials() => {
                    relogged = true;
                    self.relogin(generation)?;
                }
                RetryAdvice::RetryAfter(after)
                    if waits < self.retries && self.wait(after, &err) =>
                {
                    waits += 1
                }
                _ => return Err(Error::from_core(err, req.is_write)),
            }
        }
    }

    /// Waits as the server asked, when that is within `max_wait`; says
    /// whether it waited.
    fn wait(&self, after: mw_core::RetryAfter, err: &mw_core::Error) -> bool {
        let delay = after.delay_from(SystemTime::now());
        if delay > self.max_wait {
            log::warn!(
                "{err}: the server asks to wait {delay:?}, more than the {:?} allowed",
                self.max_wait
            );
            return false;
        }
        log::info!("{err}: waiting {delay:?} before sending again");
        std::thread::sleep(delay);
        true
    }

    fn has_credentials(&self) -> bool {
        self.read_session().credentials.is_some()
    }

    /// The session's csrf token: cached, or fetched once for all the
    /// threads that need it now.
    fn csrf_token(&self, api: &Api) -> Result<Token, Error> {
        if let Some(token) = lock(&self.csrf).clone() {
            return Ok(token);
        }
        let _one_fetch = lock(&self.csrf_fetch);
        if let Some(token) = lock(&self.csrf).clone() {
            return Ok(token);
        }
        let token = self.call(
            TokenUse::None,
            |api, _| Ok(api.tokens_request(&[TokenType::Csrf])),
            |resp| {
                let mut tokens = parse_tokens(resp)?;
                tokens
                    .take(TokenType::Csrf)
                    .ok_or_else(|| mw_core::Error::Decode {
                        status: resp.status,
                        reason: "no csrftoken in the answer".into(),
                        snippet: String::new(),
                    })
            },
        )?;
        if token.is_anonymous() && api.account().is_some() {
            // Logged in, yet the server sees an anonymous session: the
            // session is gone. Writes asserting the user will say so and log
            // in again; don't cache the anonymous token.
            return Ok(token);
        }
        *lock(&self.csrf) = Some(token.clone());
        Ok(token)
    }

    /// Replaces the cached csrf token. For tests of the client's own
    /// recovery (a stale token, concurrent fetches); not part of the API.
    #[doc(hidden)]
    pub fn __set_cached_csrf_for_tests(&self, token: Option<Token>) {
        *lock(&self.csrf) = token;
    }

    fn invalidate_csrf(&self, used: Option<&Token>) {
        let mut cached = lock(&self.csrf);
        if cached.as_ref() == used {
            *cached = None;
        }
    }

    fn api(&self) -> Api {
        self.read_session().api.clone()
    }

    fn read_session(&self) -> std::sync::RwLockReadGuard<'_, Session> {
        self.session.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_session(&self) -> std::sync::RwLockWriteGuard<'_, Session> {
        self.session.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends one request; a transport failure is sorted by whether the
    /// request may have reached the server.
    fn send(&self, req: &Request) -> Result<Response, Error> {
        let started = Instant::now();
        let cookie = lock(&self.jar).header(SystemTime::now(), self.https);
        let result = match req.method {
            Method::Get => {
                let mut b = self.agent.get(&req.url);
                for (k, v) in &req.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                if let Some(cookie) = &cookie {
                    b = b.header("Cookie", cookie.as_str());
                }
                b.call()
            }
            Method::Post => {
                let mut b = self.agent.post(&req.url);
                for (k, v) in &req.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                if let Some(cookie) = &cookie {
                    b = b.header("Cookie", cookie.as_str());
                }
                b.send(&req.body[..])
            }
        };
        let mut resp = result.map_err(|e| {
            log::debug!("{} {}: {e}", req.method.as_str(), req.url);
            classify(&e, req.is_write)
        })?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        {
            let mut jar = lock(&self.jar);
            let now = SystemTime::now();
            for (_, v) in headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            {
                jar.store(v, now);
            }
        }
        if (300..400).contains(&status) {
            let location = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("location"))
                .map(|(_, v)| v.clone());
            return Err(Error::Redirected { status, location });
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .read_to_vec()
            .map_err(|e| classify(&e, req.is_write))?;
        log::debug!(
            "{} {} -> {status}, {} bytes in {:?}",
            req.method.as_str(),
            req.url,
            body.len(),
            started.elapsed()
        );
        Ok(Response::new(status, headers, body))
    }
}

fn csrf(token: Option<&Token>) -> Result<&Token, mw_core::Error> {
    token.ok_or_else(|| {
        mw_core::Error::InvalidInput(mw_core::InvalidInput::new(
            "token",
            "a csrf token is needed",
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_loopback_hosts() {
        for url in [
            "http://127.0.0.1:8080/api.php",
            "http://localhost/w/api.php",
            "http://[::1]:80/api.php",
            "http://127.5.0.1/a",
        ] {
            assert!(host_is_loopback(url), "{url}");
        }
        for url in [
            "http://wiki.example/api.php",
            "http://10.0.0.1/api.php",
            "http://localhost.example/api.php",
        ] {
            assert!(!host_is_loopback(url), "{url}");
        }
    }

    #[test]
    fn passwords_over_plain_http_to_another_host_are_refused_before_sending() {
        // The refusal comes before anything is resolved or sent.
        let client = Client::new("http://wiki.invalid/api.php", "mwkit-test/0")
            .unwrap_or_else(|e| panic!("{e}"));
        let err = client.login("A@b", "secret").expect_err("refused");
        assert!(
            matches!(err, Error::Core(mw_core::Error::InvalidInput(_))),
            "{err:?}"
        );
        let err = client
            .client_login("A", "secret", None)
            .expect_err("refused");
        assert!(
            matches!(err, Error::Core(mw_core::Error::InvalidInput(_))),
            "{err:?}"
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(Client::new("http://127.0.0.1/api.php", "").is_err());
        assert!(Client::new("http://127.0.0.1/api.php", "ua\r\nX: y").is_err());
        assert!(
            Client::builder("http://127.0.0.1/api.php", "ua")
                .read_timeout(Duration::ZERO)
                .build()
                .is_err()
        );
        assert!(
            Client::builder("http://127.0.0.1/api.php", "ua")
                .max_response_bytes(0)
                .build()
                .is_err()
        );
    }

    #[test]
    fn the_client_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Client>();
    }
}
