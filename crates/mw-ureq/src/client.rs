//! [`Client`]: a thin loop over mw-core's [`Session`] engine that moves its
//! requests with ureq, sleeps when told, and parks while another thread
//! does what a call needs.

use std::fmt;
use std::ops::ControlFlow;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use mw_core::{
    Account, Answer, Call, CallEvent, CallEvents, CallOutput, ClientSettings, EmailSent, EmailUser,
    EmailableReport, FailureKind, Message, Method, OAuth1Keys, Observer, OptionsChange,
    OptionsChanged, OptionsProgress, Password, RawReply, Request, ResetPassword, ResetScope,
    Response, SecondFactor, Session, Step, Token, TransportFailure, UserOptions,
};

use crate::LoginInfo;
use crate::error::{Error, failure};

/// Sets up a [`Client`]: the setters (timeouts, `maxlag`, retries, ...)
/// and defaults are mw-core's [`ClientSettings`], the same for every client.
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
    settings: ClientSettings,
    observer: Option<Observer>,
}

impl From<ClientSettings> for ClientBuilder {
    fn from(settings: ClientSettings) -> Self {
        ClientBuilder {
            settings,
            observer: None,
        }
    }
}

impl ClientBuilder {
    mw_core::client_builder_setters!();

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad API URL, a user agent that is empty
    /// or holds CR/LF, a zero timeout or body limit, or a CA file that
    /// cannot be read or holds no PEM certificate.
    pub fn build(self) -> Result<Client, Error> {
        let s = &self.settings;
        let mut session = s.session()?;
        session.set_nonce_seed(mw_tls::nonce_seed());
        Ok(Client {
            transport: RwLock::new(Transport::unchecked(
                s,
                &mw_tls::roots(s.ca_file.as_deref())?,
            )),
            session: Mutex::new(session),
            progress: Condvar::new(),
            observer: self.observer,
            settings: self.settings,
        })
    }
}

/// The HTTP side of a [`Client`], apart from its session engine: a ureq
/// agent set up from the settings (timeouts, user agent, no redirects
/// followed, the body limit) with a connection pool of its own, that sends
/// one of the engine's [`Request`]s and reads its [`Answer`].
///
/// For programs that drive mw-core's [`Session`] engine themselves. A
/// [`Client`] is one of these and an engine. Clones share the connection
/// pool.
#[derive(Clone)]
pub struct Transport {
    agent: ureq::Agent,
    max_response_bytes: u64,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport with these settings, and no connection yet.
    ///
    /// # Errors
    /// As [`ClientBuilder::build`]: the settings are checked the same way.
    pub fn new(settings: &ClientSettings) -> Result<Transport, Error> {
        settings.session()?;
        let trust = mw_tls::roots(settings.ca_file.as_deref())?;
        Ok(Transport::unchecked(settings, &trust))
    }

    fn unchecked(s: &ClientSettings, trust: &mw_tls::Trust) -> Transport {
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let roots = match &trust.roots {
            mw_tls::Roots::Certificates(certs) => RootCerts::Specific(std::sync::Arc::new(
                certs
                    .iter()
                    .map(|c| Certificate::from_der(c.as_ref()).to_owned())
                    .collect(),
            )),
            mw_tls::Roots::Mozilla => RootCerts::WebPki,
        };
        let config = ureq::Agent::config_builder()
            // Error statuses carry API error bodies: read them, don't fail.
            .http_status_as_error(false)
            // A redirect is reported, never followed: a POST must not turn
            // into a GET or land elsewhere.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(s.connect_timeout))
            .timeout_recv_response(Some(s.read_timeout))
            .timeout_recv_body(Some(s.read_timeout))
            .timeout_global(Some(s.timeout))
            .user_agent(s.user_agent.as_str())
            // One host only: keep a connection for each thread sharing the
            // client (ureq's default keeps 3).
            .max_idle_connections_per_host(16)
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build();
        Transport {
            agent: ureq::Agent::new_with_config(config),
            max_response_bytes: s.max_response_bytes,
        }
    }

    /// Sends one request and reads its answer whole (up to the body limit).
    pub fn send(&self, req: &Request) -> Answer {
        let result = match req.method {
            Method::Get => {
                let mut b = self.agent.get(&req.url);
                for (k, v) in &req.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                b.call()
            }
            Method::Post => {
                let mut b = self.agent.post(&req.url);
                for (k, v) in &req.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                b.send(&req.body[..])
            }
        };
        // What the log shows of a failure is the call's events' (scrubbed).
        let mut resp = match result {
            Ok(resp) => resp,
            Err(e) => return Answer::Failed(failure(&e)),
        };
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_owned(), v)
            })
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .read_to_vec();
        match body {
            Ok(body) => Answer::Response(Response::new(status, headers, body)),
            Err(e) => Answer::Failed(failure(&e)),
        }
    }
}

/// A blocking MediaWiki client for account actions.
///
/// `Client` is `Send + Sync`: share one between threads (in an `Arc`). All
/// its decisions (tokens, logins, waits, what may be sent again) are made by
/// mw-core's [`Session`] engine; see mw-core's crate docs. It keeps one
/// cookie jar and one csrf token for its session; concurrent token fetches
/// and relogins become one. Cookies go only to the API URL's host, and
/// `Secure` ones only over https.
///
/// - `badtoken`: a new token, sent once more;
/// - a lost session (`assertuserfailed`): one new login, sent once more; a
///   failed relogin is an error and nothing is then sent unasserted;
/// - `maxlag`, `readonly` (and for reads HTTP 429 or 503): waits as the
///   server asks (up to [`ClientBuilder::max_wait`]), at most
///   [`ClientBuilder::retries`] times;
/// - anything else that may have reached the server, a 503 included, is
///   never sent again: [`Error::outcome_unknown`] is true.
pub struct Client {
    /// Renewed by [`Client::renew_transport`] (a forked process).
    transport: RwLock<Transport>,
    session: Mutex<Session>,
    /// Signalled whenever a call made progress, for calls that parked.
    progress: Condvar,
    observer: Option<Observer>,
    /// To make the transport again.
    settings: ClientSettings,
}

/// A check a call makes while it waits (for an answer, a delay the wiki
/// asked for, another call), told what it waits for:
/// [`ControlFlow::Break`] stops the call. Asked at least every
/// [`CHECK_EVERY`] while it waits. For a program that must be able to give
/// a call up, such as Python's Ctrl-C (which stops wherever the call
/// waits), or a command line's SIGTERM (which lets a request on its way be
/// answered, and gives up only a call with nothing on its way).
pub trait Interrupt {
    /// Whether to go on, waiting as `waiting` says.
    fn check(&self, waiting: Waiting) -> ControlFlow<()>;
}

impl<F: Fn(Waiting) -> ControlFlow<()>> Interrupt for F {
    fn check(&self, waiting: Waiting) -> ControlFlow<()> {
        self(waiting)
    }
}

/// What a call waits for when it asks its [`Interrupt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Waiting {
    /// The answer to a request on its way. Stopping gives up the answer,
    /// not the request: when `write` is set, the wiki may carry the write
    /// out all the same, and its outcome is unknown
    /// ([`Stopped::write_in_flight`]). A login's steps and reads are not
    /// writes.
    Answer {
        /// The request is a write (not a login's step).
        write: bool,
    },
    /// A delay before sending again, as the wiki asked (`maxlag`,
    /// `readonly`, a rate limit): its answer proved that it did not act, and
    /// nothing of the call is on its way.
    Delay,
    /// Another call of this client, whose token fetch or login this one
    /// waits for: nothing of this call is on its way.
    OtherCall,
}

/// How long a call with an [`Interrupt`] waits, at most, between two checks.
pub const CHECK_EVERY: Duration = Duration::from_millis(50);

/// A call its [`Interrupt`] stopped. The client gave it up: nothing of it is
/// sent again, an answer that comes later is dropped, and what it held in
/// the session (a token fetch, a login) was given back.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Stopped {
    /// A write (not a login's step) was on its way: it may or may not have
    /// been carried out, and is not sent again.
    pub write_in_flight: bool,
    /// For a change of options: what was applied, what is unknown, what
    /// was never sent.
    pub options_progress: Option<OptionsProgress>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("session", &*self.lock())
            .finish_non_exhaustive()
    }
}

/// Abandons a call that did not finish (a panic in the loop), so that the
/// other threads' calls never wait on it.
struct Running<'a, T> {
    client: &'a Client,
    call: Call<T>,
    done: bool,
}

impl<T> Drop for Running<'_, T> {
    fn drop(&mut self) {
        if !self.done {
            self.client.lock().abandon(&mut self.call);
            self.client.progress.notify_all();
        }
    }
}

impl Client {
    /// A builder for a client of the API at `api_url`, identifying itself as
    /// `user_agent` (name your tool and a contact, as MediaWiki's policy
    /// asks).
    pub fn builder(api_url: &str, user_agent: &str) -> ClientBuilder {
        ClientBuilder {
            settings: ClientSettings::new(api_url, user_agent),
            observer: None,
        }
    }

    /// A client with the default settings.
    ///
    /// # Errors
    /// As [`ClientBuilder::build`].
    pub fn new(api_url: &str, user_agent: &str) -> Result<Client, Error> {
        Self::builder(api_url, user_agent).build()
    }

    /// The logged-in account, if any (kept while a lost session waits for a
    /// new login: requests still assert it).
    pub fn account(&self) -> Option<Account> {
        self.lock().account().cloned()
    }

    /// `text` with every secret this client's session knows cut out (its
    /// credentials, and each token, code and cookie it sent or was given),
    /// in any form a server may echo them: for text of your own that may
    /// quote an answer. Errors and warnings come scrubbed already.
    pub fn scrub(&self, text: &str) -> String {
        self.lock().scrub(text)
    }

    /// The API URL.
    pub fn api_url(&self) -> String {
        self.lock().api().url().to_owned()
    }

    /// Logs in with a bot password (`name` is `User@appid`) through
    /// `action=login`. On success the client keeps the credentials to log in
    /// again when the session is lost; from then on every request asserts
    /// the account until [`Client::logout`].
    ///
    /// # Errors
    /// [`Error::Login`] with the server's reason; invalid input (empty name
    /// or password, or a password over plain `http://` to another host)
    /// before anything is sent. A failed login changes nothing.
    pub fn login(&self, name: &str, password: impl Into<Password>) -> Result<LoginInfo, Error> {
        let password = password.into();
        self.run(|s| s.login(name, password))
    }

    /// Logs in with a main account's password through `action=clientlogin`.
    /// When the server asks for a new password (after a temporary password
    /// from a reset), `new_password` completes the login and from then on
    /// is the password kept. Once the new password was sent the login is
    /// never started again from the old one.
    ///
    /// # Errors
    /// As [`Client::login`]; without `new_password`, a temporary password
    /// fails with an [`mw_core::LoginError`] whose
    /// [`needs_new_password`](mw_core::LoginError::needs_new_password) is
    /// true; a password changed whose session could not be confirmed fails
    /// with result `PasswordChanged`.
    pub fn client_login(
        &self,
        name: &str,
        password: impl Into<Password>,
        new_password: Option<Password>,
    ) -> Result<LoginInfo, Error> {
        let password = password.into();
        self.run(|s| s.client_login(name, password, new_password, None))
    }

    /// [`Client::client_login`] for an account with two-factor
    /// authentication: when the wiki asks for a second factor, the answer is
    /// `second_factor`'s, asked for only then (a [`SecondFactor::ask`]
    /// function is called then, so its code is fresh; a relogin after the
    /// session ended on the server calls it again).
    ///
    /// ```no_run
    /// # fn totp_now() -> String { String::new() }
    /// use mw_ureq::{Client, SecondFactor};
    /// let client = Client::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
    /// client.client_login_with_second_factor(
    ///     "Admin",
    ///     "main-password",
    ///     None,
    ///     SecondFactor::ask(|| Some(totp_now().into())),
    /// )?;
    /// # Ok::<(), mw_ureq::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Client::client_login`]; a [`mw_core::LoginError`] whose `kind`
    /// is [`LoginFailure::SecondFactorFailed`](mw_core::LoginFailure) when
    /// the wiki refused the code (the client is not logged in; try again
    /// with another code), `SecondFactorRequired` when no code came, or
    /// `SessionLost` when the wiki lost the login's session before it
    /// checked a fixed code (an `ask` function is asked again once
    /// instead: the login starts over), or lost it twice before it checked
    /// the password (a first step answered `badtoken` starts over once
    /// with a new login token, whatever the code).
    pub fn client_login_with_second_factor(
        &self,
        name: &str,
        password: impl Into<Password>,
        new_password: Option<Password>,
        second_factor: SecondFactor,
    ) -> Result<LoginInfo, Error> {
        let password = password.into();
        self.run(|s| s.client_login(name, password, new_password, Some(second_factor)))
    }

    /// Acts as the owner of an OAuth 2 access token (an owner-only
    /// consumer's, Extension:OAuth): `Authorization: Bearer` on every
    /// request, the account learnt with one read and asserted from then on.
    /// No `action=login` or `action=logout` is ever sent under a token;
    /// [`Client::logout`] forgets it. Returns the account, as a login does.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty token, or one over plain
    /// `http://` to a host that is not the loopback; a [`mw_core::LoginError`]
    /// of kind [`LoginFailure::OAuthInvalid`](mw_core::LoginFailure) when the
    /// wiki refuses the token (garbage, expired, revoked).
    pub fn login_oauth2(&self, access_token: impl Into<Token>) -> Result<LoginInfo, Error> {
        let token = access_token.into();
        self.run(|s| s.login_oauth2(token))
    }

    /// Acts with OAuth 1.0a keys, each request signed (HMAC-SHA1).
    ///
    /// # Errors
    /// As [`Client::login_oauth2`].
    pub fn login_oauth1(&self, keys: OAuth1Keys) -> Result<LoginInfo, Error> {
        self.run(|s| s.login_oauth1(keys))
    }

    /// Acts as a confidential OAuth 2 client: its `client_credentials`
    /// token is fetched from the wiki's `rest.php/oauth2/access_token` and
    /// fetched again before it expires (and once when the wiki calls it
    /// invalid), without the caller noticing.
    ///
    /// # Errors
    /// As [`Client::login_oauth2`]; a wrong id or secret is
    /// `OAuthInvalid` too.
    pub fn login_oauth2_client(
        &self,
        client_id: &str,
        client_secret: impl Into<Password>,
    ) -> Result<LoginInfo, Error> {
        let secret = client_secret.into();
        self.run(|s| s.login_oauth2_client(client_id, secret))
    }

    /// Logs out (`action=logout`) and forgets the session: account, token,
    /// cookies and credentials, even when the server's answer is an error.
    /// A relogin in progress on another thread is discarded.
    ///
    /// # Errors
    /// A transport or API error of the logout request.
    pub fn logout(&self) -> Result<Vec<Message>, Error> {
        self.run(|s| Ok(s.logout()))
    }

    /// Emails a user (`action=emailuser`). Sent again only after an answer
    /// proving MediaWiki did not act (`badtoken`, a lost session, `maxlag`,
    /// `readonly`).
    ///
    /// # Errors
    /// Invalid input before sending; an API error (`notarget`, `noemail`,
    /// `nowikiemail`, `ratelimited`, ...); [`Error::OutcomeUnknown`] when
    /// the mail may have gone out (a 5xx, a timeout, a dropped answer,
    /// `Failure`).
    pub fn email_user(&self, email: &EmailUser) -> Result<EmailSent, Error> {
        self.run(|s| s.email_user(email))
    }

    /// Starts a password reset (`action=resetpassword`). Logged out it uses
    /// the anonymous token; through a bot password MediaWiki refuses it
    /// (`badaccess`). Success means the server accepted the request, not
    /// that a mail was sent.
    ///
    /// # Errors
    /// As [`Client::email_user`].
    pub fn reset_password(&self, reset: &ResetPassword) -> Result<Vec<Message>, Error> {
        self.run(|s| Ok(s.reset_password(reset)))
    }

    /// Which of `names` can be emailed: one POST per 50 names (500 with
    /// `apihighlimits`), so no request line is too long for the server.
    ///
    /// # Errors
    /// Invalid input (no names, an empty name) before sending; an API or
    /// transport error.
    pub fn emailable<S: AsRef<str>>(&self, names: &[S]) -> Result<EmailableReport, Error> {
        self.run(|s| s.emailable(names))
    }

    /// The logged-in user's preferences (after a lost session, read again
    /// once logged in again: never the wiki's defaults instead).
    ///
    /// # Errors
    /// An API or transport error.
    pub fn options(&self) -> Result<UserOptions, Error> {
        self.run(|s| Ok(s.read_options()))
    }

    /// Changes preferences in as few requests as MediaWiki allows; the
    /// result lists every warning and every option the server dropped.
    ///
    /// # Errors
    /// Invalid input (see [`OptionsChange::validate`]) before sending; an
    /// API or transport error; [`Error::Incomplete`] naming the options
    /// applied, not applied and in doubt when a later request fails.
    pub fn change_options(&self, change: &OptionsChange) -> Result<OptionsChanged, Error> {
        self.run(|s| s.change_options(change))
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
    /// Invalid input (see [`mw_core::Api::raw_request`]) before sending; an API or
    /// transport error.
    pub fn raw(
        &self,
        params: &[(&str, &str)],
        method: Method,
        with_token: bool,
    ) -> Result<RawReply, Error> {
        self.run(|s| s.raw(params, method, with_token))
    }

    /// Replaces the cached csrf token. For tests of the client's own
    /// recovery (a stale token, concurrent fetches); not part of the API.
    #[doc(hidden)]
    pub fn __set_cached_csrf_for_tests(&self, token: Option<Token>) {
        self.lock().__set_csrf_for_tests(token);
    }

    /// Makes the connections again (a new transport, the same session),
    /// and gives the session a new OAuth 1.0a nonce seed: for a process
    /// forked from the one that made the client, whose connections and
    /// nonces must be its own. Calls in progress keep the old transport.
    ///
    /// # Errors
    /// As [`ClientBuilder::build`].
    pub fn renew_transport(&self) -> Result<(), Error> {
        let transport = Transport::new(&self.settings)?;
        *self
            .transport
            .write()
            .unwrap_or_else(PoisonError::into_inner) = transport;
        self.lock().set_nonce_seed(mw_tls::nonce_seed());
        Ok(())
    }

    /// Runs `f` with the session engine, locked: for a binding that reads
    /// what the session knows or starts a call of its own making
    /// ([`Client::call`]). Make no call of this client inside `f`.
    pub fn with_session<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        f(&mut self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn run<T: CallOutput>(
        &self,
        start: impl FnOnce(&mut Session) -> Result<Call<T>, Error>,
    ) -> Result<T, Error> {
        match self.call(start, None, None) {
            Ok(result) => result,
            // Without an interrupt a call is never stopped.
            Err(stopped) => unreachable!("stopped without an interrupt: {stopped:?}"),
        }
    }

    /// Drives one call of the engine, started by `start`, to its end: the
    /// loop behind every method of the client, for a binding that starts
    /// calls of its own (with [`Client::with_session`]'s engine).
    ///
    /// With an `interrupt`, each request is sent from a helper thread and
    /// every wait (for an answer, a delay the wiki asked for, another call)
    /// asks it at least every [`CHECK_EVERY`]; when it says stop, the call is
    /// given up ([`Stopped`]). `observer` gets the call's events, after the
    /// client's own observer (if any) and its `log` records.
    ///
    /// # Errors
    /// [`Stopped`] when the interrupt stopped the call; the call's own
    /// result otherwise.
    pub fn call<T: CallOutput>(
        &self,
        start: impl FnOnce(&mut Session) -> Result<Call<T>, Error>,
        interrupt: Option<&dyn Interrupt>,
        observer: Option<&dyn Fn(&CallEvent)>,
    ) -> Result<Result<T, Error>, Stopped> {
        let transport = self
            .transport
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let call = match start(&mut self.lock()) {
            Ok(call) => call,
            Err(e) => return Ok(Err(e)),
        };
        let mut events = CallEvents::new(&call);
        let report = |event: CallEvent| {
            mw_tls::log_event(module_path!(), &event);
            if let Some(o) = &self.observer {
                o.report(&event);
            }
            if let Some(o) = observer {
                o(&event);
            }
        };
        let mut running = Running {
            client: self,
            call,
            done: false,
        };
        let mut session = self.lock();
        loop {
            match session.poll(&mut running.call, SystemTime::now()) {
                Step::Send(req) => {
                    // Events are reported without the session held: an
                    // observer may wait for something that waits for it.
                    let mut sending = Vec::with_capacity(2);
                    events.sending(&req, session.account(), |e| sending.push(e));
                    drop(session);
                    sending.into_iter().for_each(report);
                    let started = Instant::now();
                    let waiting = Waiting::Answer {
                        write: write_out(&running.call),
                    };
                    let Some(answer) = send(&transport, req, interrupt, waiting) else {
                        let event = events.interrupted(false, started.elapsed());
                        return Err(stopped(running, event, report));
                    };
                    events.answered(&answer, started.elapsed(), report);
                    session = self.lock();
                    session.handle(&mut running.call, answer, SystemTime::now());
                    self.progress.notify_all();
                }
                Step::Wait(delay) => {
                    drop(session);
                    report(events.waiting(delay));
                    if sleep(delay, interrupt).is_break() {
                        let event = events.interrupted(false, Duration::ZERO);
                        return Err(stopped(running, event, report));
                    }
                    session = self.lock();
                }
                Step::Park => match interrupt {
                    None => {
                        session = self
                            .progress
                            .wait(session)
                            .unwrap_or_else(PoisonError::into_inner);
                    }
                    Some(interrupt) => {
                        let (guard, waited) = self
                            .progress
                            .wait_timeout(session, CHECK_EVERY)
                            .unwrap_or_else(PoisonError::into_inner);
                        session = guard;
                        if waited.timed_out() {
                            // Never asked with the session held: the check
                            // may wait for a thread that wants it.
                            drop(session);
                            if interrupt.check(Waiting::OtherCall).is_break() {
                                let event = events.interrupted(false, Duration::ZERO);
                                return Err(stopped(running, event, report));
                            }
                            session = self.lock();
                        }
                    }
                },
                Step::Done(result) => {
                    running.done = true;
                    self.progress.notify_all();
                    return Ok(result);
                }
            }
        }
    }
}

/// Gives up a call its interrupt stopped, and says what it left.
fn stopped<T>(
    running: Running<'_, T>,
    mut event: CallEvent,
    report: impl Fn(CallEvent),
) -> Stopped {
    let write_in_flight = write_out(&running.call);
    let options_progress = running.call.options_progress();
    drop(running);
    if let CallEvent::Interrupted {
        write_in_flight: w, ..
    } = &mut event
    {
        *w = write_in_flight;
    }
    report(event);
    Stopped {
        write_in_flight,
        options_progress,
    }
}

/// Whether the request `call` has out is a write (not a login's step): its
/// outcome is unknown if the call is given up now.
fn write_out<T>(call: &Call<T>) -> bool {
    call.in_flight_is_write() && !call.is_login()
}

/// Sends one request: with an interrupt from a helper thread, waiting for
/// its answer in slices with a check between them (an answer that comes
/// after a stop is dropped with the thread); without, on this thread.
/// None when the interrupt stopped the call.
fn send(
    transport: &Transport,
    req: Request,
    interrupt: Option<&dyn Interrupt>,
    waiting: Waiting,
) -> Option<Answer> {
    let Some(interrupt) = interrupt else {
        return Some(transport.send(&req));
    };
    let (to_caller, answer) = mpsc::sync_channel(1);
    let sender = transport.clone();
    let spawned = std::thread::Builder::new()
        .name("mw-ureq-send".to_owned())
        .spawn(move || {
            // The caller may be gone (stopped): the answer is dropped.
            drop(to_caller.send(sender.send(&req)));
        });
    if let Err(e) = spawned {
        return Some(Answer::Failed(TransportFailure {
            kind: FailureKind::Connect,
            may_have_been_sent: false,
            detail: format!("could not start a thread to send the request: {e}"),
        }));
    }
    loop {
        match answer.recv_timeout(CHECK_EVERY) {
            Ok(answer) => return Some(answer),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if interrupt.check(waiting).is_break() {
                    return None;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Some(Answer::Failed(TransportFailure {
                    kind: FailureKind::Other,
                    may_have_been_sent: true,
                    detail: "the thread sending the request stopped without an answer".to_owned(),
                }));
            }
        }
    }
}

/// Sleeps `delay`; with an interrupt, in slices with a check between them.
fn sleep(delay: Duration, interrupt: Option<&dyn Interrupt>) -> ControlFlow<()> {
    let Some(interrupt) = interrupt else {
        std::thread::sleep(delay);
        return ControlFlow::Continue(());
    };
    let until = Instant::now() + delay;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return ControlFlow::Continue(());
        }
        std::thread::sleep(left.min(CHECK_EVERY));
        interrupt.check(Waiting::Delay)?;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn passwords_over_plain_http_to_another_host_are_refused_before_sending() {
        // The refusal comes before anything is resolved or sent.
        let client = Client::new("http://wiki.invalid/api.php", "mwkit-test/0")
            .unwrap_or_else(|e| panic!("{e}"));
        let err = client.login("A@b", "secret").expect_err("refused");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        let err = client
            .client_login("A", "secret", None)
            .expect_err("refused");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        let err = client
            .raw(
                &[("action", "createaccount"), ("password", "secret")],
                Method::Post,
                false,
            )
            .expect_err("refused");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
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
