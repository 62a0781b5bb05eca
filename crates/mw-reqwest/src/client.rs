//! [`Client`]: an async loop over mw-core's [`Session`] engine that moves
//! its requests with reqwest, sleeps with tokio, and waits on a
//! [`Notify`] while another task does what a call needs.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime};

use mw_core::{
    Account, Answer, Call, CallEvent, CallEvents, CallOutput, ClientSettings, EmailSent, EmailUser,
    EmailableReport, Error, FailureKind, LoginInfo, Message, Method, OAuth1Keys, Observer,
    OptionsChange, OptionsChanged, Password, RawReply, Request, ResetPassword, ResetScope,
    Response, SecondFactor, Session, Step, Token, TransportFailure, UserOptions,
};
use tokio::sync::Notify;

/// Sets up a [`Client`]: the setters and defaults are mw-core's
/// [`ClientSettings`], the same as `mw-ureq`'s.
///
/// ```
/// use std::time::Duration;
/// let client = mw_reqwest::Client::builder("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")
///     .read_timeout(Duration::from_secs(20))
///     .retries(2)
///     .build()?;
/// assert!(client.account().is_none());
/// # Ok::<(), mw_reqwest::Error>(())
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

    /// Builds the client. It needs no runtime to be built; its calls run on
    /// tokio.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad API URL, a user agent that is empty
    /// or holds CR/LF, a zero timeout or body limit, or a CA file that
    /// cannot be read or holds no PEM certificate; [`Error::Transport`] if
    /// the TLS setup fails.
    pub fn build(self) -> Result<Client, Error> {
        let s = &self.settings;
        let mut session = s.session()?;
        session.set_nonce_seed(mw_tls::nonce_seed());
        // The system's store, or the CA file given (mw-tls), as mw-ureq.
        let tls = mw_tls::roots(s.ca_file.as_deref())?.client_config()?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            // A redirect is reported, never followed: a POST must not turn
            // into a GET or land elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(s.connect_timeout)
            .read_timeout(s.read_timeout)
            .timeout(s.timeout)
            .pool_max_idle_per_host(32)
            .no_proxy()
            .build()
            .map_err(|e| Error::Transport {
                detail: format!("http client setup: {e}"),
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                max_response_bytes: s.max_response_bytes,
                session: Mutex::new(session),
                progress: Notify::new(),
                observer: self.observer,
            }),
        })
    }
}

struct Inner {
    http: reqwest::Client,
    max_response_bytes: u64,
    session: Mutex<Session>,
    /// Signalled whenever a call made progress, for calls that parked.
    progress: Notify,
    observer: Option<Observer>,
}

/// An async MediaWiki client for account actions, with the operations of
/// `mw_ureq::Client` as `async fn`s.
///
/// Clone it freely: clones share one session (cookies, login, csrf token),
/// and concurrent token fetches and relogins become one. Its futures are
/// `Send`. Cancelling a call (dropping its future) leaves the client usable.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("session", &*self.lock())
            .finish_non_exhaustive()
    }
}

/// Abandons a call whose future was dropped before it finished, so that
/// the other tasks' calls never wait on it.
struct Running<'a, T> {
    inner: &'a Inner,
    call: Call<T>,
    done: bool,
}

impl<T> Drop for Running<'_, T> {
    fn drop(&mut self) {
        if !self.done {
            lock(&self.inner.session).abandon(&mut self.call);
            self.inner.progress.notify_waiters();
        }
    }
}

fn lock(m: &Mutex<Session>) -> MutexGuard<'_, Session> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
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

    /// Logs in with a bot password (`name` is `User@appid`); see
    /// `mw_ureq::Client::login`.
    ///
    /// # Errors
    /// [`Error::Login`] with the server's reason; invalid input before
    /// anything is sent.
    pub async fn login(
        &self,
        name: &str,
        password: impl Into<Password>,
    ) -> Result<LoginInfo, Error> {
        let password = password.into();
        self.run(|s| s.login(name, password)).await
    }

    /// Logs in with a main account's password through `action=clientlogin`,
    /// setting `new_password` when the server asks for one; see
    /// `mw_ureq::Client::client_login`.
    ///
    /// # Errors
    /// As [`Client::login`].
    pub async fn client_login(
        &self,
        name: &str,
        password: impl Into<Password>,
        new_password: Option<Password>,
    ) -> Result<LoginInfo, Error> {
        let password = password.into();
        self.run(|s| s.client_login(name, password, new_password, None))
            .await
    }

    /// [`Client::client_login`] for an account with two-factor
    /// authentication: when the wiki asks for a second factor, the answer is
    /// `second_factor`'s, asked for only then (a [`SecondFactor::ask`]
    /// function is called then, on the task's thread, so its code is
    /// fresh; a relogin calls it again).
    ///
    /// # Errors
    /// As [`Client::client_login`]; a [`mw_core::LoginError`] of kind
    /// `SecondFactorFailed` when the wiki refused the code,
    /// `SecondFactorRequired` when no code came, or `SessionLost` when the
    /// wiki lost the login's session before it checked a fixed code (an
    /// `ask` function is asked again once instead), or lost it twice before
    /// it checked the password (a first step answered `badtoken` starts
    /// over once with a new login token, whatever the code).
    pub async fn client_login_with_second_factor(
        &self,
        name: &str,
        password: impl Into<Password>,
        new_password: Option<Password>,
        second_factor: SecondFactor,
    ) -> Result<LoginInfo, Error> {
        let password = password.into();
        self.run(|s| s.client_login(name, password, new_password, Some(second_factor)))
            .await
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
    pub async fn login_oauth2(&self, access_token: impl Into<Token>) -> Result<LoginInfo, Error> {
        let token = access_token.into();
        self.run(|s| s.login_oauth2(token)).await
    }

    /// Acts with OAuth 1.0a keys, each request signed (HMAC-SHA1).
    ///
    /// # Errors
    /// As [`Client::login_oauth2`].
    pub async fn login_oauth1(&self, keys: OAuth1Keys) -> Result<LoginInfo, Error> {
        self.run(|s| s.login_oauth1(keys)).await
    }

    /// Acts as a confidential OAuth 2 client: its `client_credentials`
    /// token is fetched from the wiki's `rest.php/oauth2/access_token` and
    /// fetched again before it expires (and once when the wiki calls it
    /// invalid), without the caller noticing.
    ///
    /// # Errors
    /// As [`Client::login_oauth2`]; a wrong id or secret is
    /// `OAuthInvalid` too.
    pub async fn login_oauth2_client(
        &self,
        client_id: &str,
        client_secret: impl Into<Password>,
    ) -> Result<LoginInfo, Error> {
        let secret = client_secret.into();
        self.run(|s| s.login_oauth2_client(client_id, secret)).await
    }

    /// Logs out and forgets the session, even when the answer is an error.
    ///
    /// # Errors
    /// A transport or API error of the logout request.
    pub async fn logout(&self) -> Result<Vec<Message>, Error> {
        self.run(|s| Ok(s.logout())).await
    }

    /// Emails a user (`action=emailuser`), sent again only after MediaWiki's
    /// proof that it did not act.
    ///
    /// # Errors
    /// Invalid input before sending; an API error; [`Error::OutcomeUnknown`]
    /// when the mail may have gone out.
    pub async fn email_user(&self, email: &EmailUser) -> Result<EmailSent, Error> {
        self.run(|s| s.email_user(email)).await
    }

    /// Starts a password reset (`action=resetpassword`).
    ///
    /// # Errors
    /// As [`Client::email_user`].
    pub async fn reset_password(&self, reset: &ResetPassword) -> Result<Vec<Message>, Error> {
        self.run(|s| Ok(s.reset_password(reset))).await
    }

    /// Which of `names` can be emailed, one POST per 50 names (500 with
    /// `apihighlimits`).
    ///
    /// # Errors
    /// Invalid input before sending; an API or transport error.
    pub async fn emailable<S: AsRef<str>>(&self, names: &[S]) -> Result<EmailableReport, Error> {
        self.run(|s| s.emailable(names)).await
    }

    /// The logged-in user's preferences.
    ///
    /// # Errors
    /// An API or transport error.
    pub async fn options(&self) -> Result<UserOptions, Error> {
        self.run(|s| Ok(s.read_options())).await
    }

    /// Changes preferences in as few requests as MediaWiki allows.
    ///
    /// # Errors
    /// Invalid input before sending; an API or transport error;
    /// [`Error::Incomplete`] when a later request fails.
    pub async fn change_options(&self, change: &OptionsChange) -> Result<OptionsChanged, Error> {
        self.run(|s| s.change_options(change)).await
    }

    /// Resets preferences to their defaults: all of them, or some kinds.
    ///
    /// # Errors
    /// As [`Client::change_options`].
    pub async fn reset_options(&self, scope: ResetScope) -> Result<OptionsChanged, Error> {
        let change = match scope {
            ResetScope::All => OptionsChange::new().reset_all(),
            ResetScope::Kinds(kinds) => OptionsChange::new().reset_kinds(kinds),
        };
        self.change_options(&change).await
    }

    /// Any action, answered as JSON; a POST is a write.
    ///
    /// # Errors
    /// Invalid input before sending; an API or transport error.
    pub async fn raw(
        &self,
        params: &[(&str, &str)],
        method: Method,
        with_token: bool,
    ) -> Result<RawReply, Error> {
        self.run(|s| s.raw(params, method, with_token)).await
    }

    /// Replaces the cached csrf token. For tests of recovery; not part of
    /// the API.
    #[doc(hidden)]
    pub fn __set_cached_csrf_for_tests(&self, token: Option<Token>) {
        self.lock().__set_csrf_for_tests(token);
    }

    fn lock(&self) -> MutexGuard<'_, Session> {
        lock(&self.inner.session)
    }

    /// Drives one call of the engine to its end. The session's lock is
    /// never held across an `.await`.
    async fn run<T: CallOutput>(
        &self,
        start: impl FnOnce(&mut Session) -> Result<Call<T>, Error>,
    ) -> Result<T, Error> {
        let inner = &*self.inner;
        let call = start(&mut lock(&inner.session))?;
        let mut events = CallEvents::new(&call);
        let report = |event: CallEvent| {
            mw_tls::log_event(module_path!(), &event);
            if let Some(o) = &inner.observer {
                o.report(&event);
            }
            crate::observe::record(event);
        };
        let mut running = Running {
            inner,
            call,
            done: false,
        };
        loop {
            // Registered before polling, so a wake-up between the poll and
            // the wait is not missed.
            let notified = inner.progress.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let mut sending = Vec::new();
            let step = {
                let mut session = lock(&inner.session);
                let step = session.poll(&mut running.call, SystemTime::now());
                if let Step::Send(req) = &step {
                    events.sending(req, session.account(), |e| sending.push(e));
                }
                step
            };
            match step {
                Step::Send(req) => {
                    sending.into_iter().for_each(report);
                    let started = Instant::now();
                    let answer = self.send(req).await;
                    events.answered(&answer, started.elapsed(), report);
                    lock(&inner.session).handle(&mut running.call, answer, SystemTime::now());
                    inner.progress.notify_waiters();
                }
                Step::Wait(delay) => {
                    report(events.waiting(delay));
                    tokio::time::sleep(delay).await;
                }
                Step::Park => notified.await,
                Step::Done(result) => {
                    running.done = true;
                    inner.progress.notify_waiters();
                    return result;
                }
            }
        }
    }

    /// Sends one request and reads its answer whole (up to the body limit).
    /// What the log shows of it is the call's events'.
    async fn send(&self, req: Request) -> Answer {
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut b = self.inner.http.request(method, &req.url);
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if req.method == Method::Post {
            b = b.body(req.body);
        }
        let mut resp = match b.send().await {
            Ok(resp) => resp,
            Err(e) => return Answer::Failed(failure(e)),
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
        let limit = self.inner.max_response_bytes;
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > limit {
                        return Answer::Failed(TransportFailure {
                            kind: FailureKind::BodyTooLarge { limit },
                            may_have_been_sent: true,
                            detail: format!("response body larger than {limit} bytes"),
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Answer::Failed(failure(e)),
            }
        }
        Answer::Response(Response::new(status, headers, body))
    }
}

/// Sorts a reqwest error for the engine: nothing is sent before a
/// connection exists (or when the request could not even be built);
/// anything after it may have reached the server.
fn failure(e: reqwest::Error) -> TransportFailure {
    let tls = mw_tls::find_reason(&e);
    let (kind, sent) = if let Some(reason) = tls {
        // A handshake that failed sent nothing.
        (FailureKind::Tls(reason), false)
    } else if e.is_connect() {
        (FailureKind::Connect, false)
    } else if e.is_builder() {
        (FailureKind::Other, false)
    } else if e.is_timeout() {
        (FailureKind::Timeout, true)
    } else {
        (FailureKind::Other, true)
    };
    // Without the URL (a GET's holds every parameter); never a body, a
    // header or a cookie.
    let e = e.without_url();
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    TransportFailure {
        kind,
        may_have_been_sent: sent,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_send_sync_and_clone_and_its_futures_are_send() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Client>();
        fn send<F: std::future::Future + Send>(_: F) {}
        let client = Client::new("http://127.0.0.1:9/api.php", "mwkit-test/0")
            .unwrap_or_else(|e| panic!("{e}"));
        send(client.email_user(&EmailUser::new("Bob", "s", "t")));
        send(client.options());
        send(client.login("A@b", "pw"));
    }

    #[tokio::test]
    async fn passwords_over_plain_http_to_another_host_are_refused_before_sending() {
        let client = Client::new("http://wiki.invalid/api.php", "mwkit-test/0")
            .unwrap_or_else(|e| panic!("{e}"));
        let err = client.login("A@b", "secret").await.expect_err("refused");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(Client::new("http://127.0.0.1/api.php", "").is_err());
        assert!(
            Client::builder("http://127.0.0.1/api.php", "ua")
                .timeout(std::time::Duration::ZERO)
                .build()
                .is_err()
        );
    }
}
