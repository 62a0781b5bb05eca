//! The session engine; its design note is in the crate docs.

use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::api::{Account, Api};
use crate::cookies::CookieJar;
use crate::email::{
    EmailSent, EmailUser, ResetPassword, add_block_info, parse_email_user, parse_reset_password,
};
use crate::error::{
    ApiError, Error, ErrorKind, Incomplete, LoginError, LoginFailure, Message, RetryAdvice,
};
use crate::http::{Method, Request, Response};
use crate::login::{BotLogin, ClientLogin, Flow, LoggedIn, SecondFactor, TokenLogin, parse_logout};
use crate::names::UserNames;
use crate::oauth::{AccessToken, OAuth1Keys, oauth1_authorization};
use crate::options::{
    OptionsBatch, OptionsChange, OptionsChanged, OptionsProgress, UserOptions, parse_options,
    parse_read_options,
};
use crate::raw::{RawReply, parse_raw};
use crate::scrub::Secrets;
use crate::secret::{Password, Token};
use crate::shared::{Claim, RenewGuard, SharedClient};
use crate::tokens::{TokenType, parse_tokens};
use crate::users::{EmailableReport, UsersBatch, normalize_user_name, parse_emailable_with};

/// How many relogins one call may make.
pub const MAX_RELOGINS_PER_CALL: u32 = 1;
/// How many requests one call may send without progress (a batch done)
/// before it gives up with the last error.
pub const MAX_SENDS_WITHOUT_PROGRESS: u32 = 16;
/// How long a call waits, each time, for another session of the process to
/// land the token of the confidential client they share. A wiki never asks
/// for this wait (it asks in whole seconds): a transport may log a wait of
/// exactly this as the shared token's, not as the wiki's.
pub const SHARED_TOKEN_WAIT: Duration = Duration::from_millis(200);
/// How many such waits before the call stops waiting and fetches a token
/// itself (a fetch that never lands: its call was neither driven nor
/// dropped). Longer than [`DEFAULT_TIMEOUT`].
const MAX_SHARED_TOKEN_WAITS: u32 = 750;

/// What a [`Session`] allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// How many times one call may wait and send again when the server
    /// proves it did not act and asks to wait (`maxlag`, `readonly`; for a
    /// read, HTTP 429 or 503). 0 turns waiting off.
    pub retries: u32,
    /// The longest single wait accepted; a server asking for longer gets
    /// its error returned instead.
    pub max_wait: Duration,
    /// Allow sending passwords over plain `http://` to a host that is not
    /// the loopback.
    pub allow_insecure_credentials: bool,
}

// The defaults of every client, in one place: the Rust clients use them,
// and the Python and C bindings take them from here.

/// Default number of waits per call.
pub const DEFAULT_RETRIES: u32 = 3;
/// Default longest wait accepted from the server.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(60);
/// Default time to connect.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time to wait for an answer (headers, then body).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default limit for one whole request, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Default `maxlag`, in seconds.
pub const DEFAULT_MAXLAG: u32 = 5;
/// Default largest answer body read, in bytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            retries: DEFAULT_RETRIES,
            max_wait: DEFAULT_MAX_WAIT,
            allow_insecure_credentials: false,
        }
    }
}

/// What the transport did with a request it was given.
#[derive(Debug, Clone)]
pub enum Answer {
    /// An answer was read whole, whatever its status.
    Response(Response),
    /// No answer could be read.
    Failed(TransportFailure),
}

/// A request that got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    /// What failed.
    pub kind: FailureKind,
    /// Whether the request may have reached the server (anything after a
    /// connection was made). Be generous: `true` when in doubt.
    pub may_have_been_sent: bool,
    /// A short description, with no secret in it.
    pub detail: String,
}

/// The kind of a [`TransportFailure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// No connection could be made (resolving, connecting, TLS): nothing
    /// was sent, whatever `may_have_been_sent` says.
    Connect,
    /// A timeout after connecting.
    Timeout,
    /// The answer's body was larger than the transport reads.
    BodyTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The TLS handshake failed: the wiki's certificate was refused, or the
    /// protocol could not be agreed. Nothing was sent.
    Tls(crate::error::TlsFailure),
    /// Anything else: a reset or dropped connection, a malformed answer.
    Other,
}

/// What the transport should do next for a call.
#[derive(Debug)]
#[must_use]
pub enum Step<T> {
    /// Send this request, then give its answer to [`Session::handle`].
    Send(Request),
    /// Sleep this long, then poll again.
    Wait(Duration),
    /// Another call is doing what this one needs (fetching the token,
    /// logging in): poll again after another call's `handle` or `abandon`.
    Park,
    /// The call is over.
    Done(Result<T, Error>),
}

/// A successful login.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginInfo {
    /// Who the session belongs to.
    pub account: Account,
    /// Every warning the server gave on the way.
    pub warnings: Vec<Message>,
}

/// How a login was made, kept to log in again when the session is lost.
#[derive(Debug, Clone)]
enum Credentials {
    Bot {
        name: String,
        password: Password,
    },
    Main {
        name: String,
        password: Password,
        /// Asked again at each login that the wiki asks for one.
        second_factor: Option<SecondFactor>,
    },
    /// An owner-only OAuth 2 access token: `Authorization: Bearer`.
    OAuth2 {
        token: Token,
    },
    /// OAuth 1.0a keys: each request signed.
    OAuth1 {
        keys: OAuth1Keys,
    },
    /// A confidential OAuth 2 client: its `client_credentials` token is
    /// fetched, and fetched again before it expires.
    OAuth2Client {
        client_id: String,
        secret: Password,
    },
}

impl Credentials {
    fn is_token(&self) -> bool {
        matches!(
            self,
            Credentials::OAuth2 { .. }
                | Credentials::OAuth1 { .. }
                | Credentials::OAuth2Client { .. }
        )
    }
}

/// Whether the session is meant to be logged in.
#[derive(Debug, Clone)]
enum Auth {
    /// Never logged in, or logged out.
    Anonymous,
    /// Logged in, as far as the engine knows.
    Active(Credentials),
    /// The server said the session is gone; log in again before sending.
    Lost(Credentials),
}

/// The session state shared by every call: see the module docs.
pub struct Session {
    api: Api,
    config: SessionConfig,
    credentials_ok: bool,
    https: bool,
    jar: CookieJar,
    auth: Auth,
    /// Counts logins and logouts; the csrf token belongs to one.
    generation: u64,
    /// Counts logouts: answers to requests sent before one are not kept.
    epoch: u64,
    csrf: Option<(u64, Token)>,
    token_owner: Option<u64>,
    login_owner: Option<u64>,
    /// Whether the login in progress is one a caller asked for.
    login_explicit: bool,
    logout_owner: Option<u64>,
    login_attempts: u64,
    login_failure: Option<(u64, Error)>,
    next_id: u64,
    /// A confidential OAuth client's current token.
    oauth_access: Option<AccessToken>,
    /// That client's token as the process's sessions share it, and the
    /// generation of the one this session uses.
    shared: Option<Arc<SharedClient>>,
    shared_seen: u64,
    /// OAuth 1.0a nonces: a seed the transport gives, and a counter.
    nonce_seed: u64,
    nonces: u64,
    /// How the wiki folds user names, read from its siteinfo by the first
    /// `emailable` call and kept for the session's life.
    user_names: Option<UserNames>,
    /// Every secret the session held or sent, cut out of every error and
    /// warning before it leaves the engine.
    secrets: Secrets,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("api_url", &self.api.url())
            .field("account", &self.api.account().map(|a| a.name.as_str()))
            .field(
                "state",
                &match self.auth {
                    Auth::Anonymous => "anonymous",
                    Auth::Active(_) => "logged in",
                    Auth::Lost(_) => "session lost",
                },
            )
            .field("generation", &self.generation)
            .field("cookies", &self.jar)
            .finish_non_exhaustive()
    }
}

/// One operation in progress; its answer type is `T`. Made by the
/// [`Session`] methods named after the operations, driven by
/// [`Session::poll`] and [`Session::handle`].
pub struct Call<T> {
    inner: CallState,
    _output: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("id", &self.inner.id)
            .field("op", &self.inner.op.name())
            .field("sends", &self.inner.sends)
            .field("waits", &self.inner.waits)
            .field("relogins", &self.inner.relogins)
            .finish_non_exhaustive()
    }
}

impl<T> Call<T> {
    /// Whether a request of this call is out, waiting for
    /// [`Session::handle`].
    pub fn in_flight(&self) -> bool {
        self.inner.in_flight.is_some()
    }

    /// Whether the call is a login (any kind): its login steps are its
    /// own, never a relogin.
    pub fn is_login(&self) -> bool {
        matches!(self.inner.op, Op::Login { .. })
    }

    /// Whether the request out (if any) is a write: an answer lost now
    /// leaves its outcome unknown.
    pub fn in_flight_is_write(&self) -> bool {
        self.inner.in_flight.as_ref().is_some_and(|f| f.is_write)
    }

    /// For a change of options ([`Session::change_options`]) that has not
    /// finished: the names the wiki applied so far, those of the request
    /// out now (its outcome unknown if the caller gives the call up), and
    /// those not sent yet. For a caller about to [`Session::abandon`] the
    /// call (an interrupt), to say what was done. None for other calls.
    pub fn options_progress(&self) -> Option<OptionsProgress> {
        let Op::ChangeOptions {
            batches,
            next,
            done,
            applied,
        } = &self.inner.op
        else {
            return None;
        };
        // Only the options request itself: a token fetch or a relogin on
        // its behalf changes nothing.
        let sending = self
            .inner
            .in_flight
            .as_ref()
            .is_some_and(|f| f.purpose == Purpose::Action);
        let names = |b: &OptionsBatch| b.names().map(str::to_owned).collect::<Vec<_>>();
        let mut left = batches.iter().skip(*next);
        let unknown = if sending {
            left.next().map(names).unwrap_or_default()
        } else {
            Vec::new()
        };
        Some(OptionsProgress {
            applied: applied.clone(),
            rejected: done.rejected.clone(),
            unknown,
            not_applied: left.flat_map(names).collect(),
        })
    }
}

mod sealed {
    pub trait Sealed {}
}

/// The answer types of calls.
pub trait CallOutput: sealed::Sealed + Sized {
    #[doc(hidden)]
    fn from_output(output: Output) -> Option<Self>;
}

#[doc(hidden)]
#[derive(Debug)]
pub enum Output {
    Login(LoginInfo),
    Warnings(Vec<Message>),
    Email(EmailSent),
    Emailable(EmailableReport),
    Options(UserOptions),
    Changed(OptionsChanged),
    Raw(RawReply),
}

impl Output {
    fn prepend_warnings(&mut self, earlier: Vec<Message>) {
        if earlier.is_empty() {
            return;
        }
        let list = self.warnings_mut();
        let mut all = earlier;
        all.append(list);
        *list = all;
    }

    fn warnings_mut(&mut self) -> &mut Vec<Message> {
        match self {
            Output::Login(v) => &mut v.warnings,
            Output::Warnings(v) => v,
            Output::Email(v) => &mut v.warnings,
            Output::Emailable(v) => &mut v.warnings,
            Output::Options(v) => &mut v.warnings,
            Output::Changed(v) => &mut v.warnings,
            Output::Raw(v) => &mut v.warnings,
        }
    }
}

macro_rules! call_output {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl CallOutput for $t {
            fn from_output(output: Output) -> Option<Self> {
                match output {
                    Output::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    )*};
}

call_output!(
    LoginInfo => Login,
    Vec<Message> => Warnings,
    EmailSent => Email,
    EmailableReport => Emailable,
    UserOptions => Options,
    OptionsChanged => Changed,
    RawReply => Raw,
);

#[derive(Debug)]
enum Op {
    Login {
        credentials: Credentials,
        new_password: Option<Password>,
    },
    Logout {
        started: bool,
    },
    Email {
        email: EmailUser,
        /// The block error that refused the email, while the call asks
        /// the wiki what the block covers (see `ApiError::kind`).
        refused: Option<Box<ApiError>>,
    },
    Reset(ResetPassword),
    Emailable {
        batches: Vec<UsersBatch>,
        next: usize,
        report: EmailableReport,
        /// The session's folding rules; `None` until read (the request
        /// out, if any, is then the siteinfo read).
        names: Option<UserNames>,
    },
    ReadOptions,
    ChangeOptions {
        batches: Vec<OptionsBatch>,
        next: usize,
        done: OptionsChanged,
        applied: Vec<String>,
    },
    Raw {
        params: Vec<(String, String)>,
        method: Method,
        with_token: bool,
    },
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Op::Login { .. } => "login",
            Op::Logout { .. } => "logout",
            Op::Email { .. } => "emailuser",
            Op::Reset(_) => "resetpassword",
            Op::Emailable { .. } => "emailable",
            Op::ReadOptions => "read options",
            Op::ChangeOptions { .. } => "options",
            Op::Raw { .. } => "raw",
        }
    }
}

/// Which token an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenNeed {
    None,
    Csrf,
    /// The csrf token when logged in, the anonymous `+\` otherwise.
    CsrfOrAnonymous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Token,
    Login,
    Action,
    Logout,
}

#[derive(Debug)]
struct InFlight {
    purpose: Purpose,
    generation: u64,
    epoch: u64,
    is_write: bool,
    token: Option<Token>,
}

#[derive(Debug)]
enum LoginFlow {
    Bot(BotLogin),
    Client(ClientLogin),
    Token(TokenLogin),
}

impl LoginFlow {
    fn take_warnings(&mut self) -> Vec<Message> {
        match self {
            LoginFlow::Bot(f) => f.take_warnings(),
            LoginFlow::Client(f) => f.take_warnings(),
            LoginFlow::Token(f) => f.take_warnings(),
        }
    }
}

#[derive(Debug)]
struct LoginRun {
    flow: LoginFlow,
    /// The login's own cookies: it starts from none of the old session's
    /// (a stale bot-session cookie makes MediaWiki refuse the login), only
    /// the session-less pins that keep reads consistent with recent writes
    /// (`UseDC`, `cpPosIndex`: see [`CookieJar::without_sessions`]), and
    /// answers of other calls cannot touch it. It becomes the session's
    /// jar when the login succeeds.
    jar: CookieJar,
    credentials: Credentials,
    new_password: Option<Password>,
    relogin: bool,
    epoch: u64,
    attempt: u64,
    /// A confidential client's token fetch: the process's marker, held
    /// until the token is published (or the login ends).
    renewal: Option<RenewGuard>,
    /// The shared generation of the token the login uses.
    shared_generation: Option<u64>,
}

#[derive(Debug)]
struct CallState {
    id: u64,
    op: Op,
    login: Option<LoginRun>,
    in_flight: Option<InFlight>,
    wait: Option<Duration>,
    result: Option<Result<Output, Error>>,
    finished: bool,
    /// The account name the call runs as, captured when it first goes
    /// ahead (`Some(None)`: anonymous).
    identity: Option<Option<String>>,
    parked_on_login: Option<u64>,
    waits: u32,
    refreshed: bool,
    relogins: u32,
    /// Waits for another session's fetch of a shared client token.
    shared_waits: u32,
    /// What the last check of a shared client decided for the login about
    /// to start (see [`SharedClient::claim`]).
    claim: Option<Claim>,
    /// Whether a login of this call was started again after the wiki lost
    /// its session between its steps (once per call).
    restarted_lost_login: bool,
    sends: u32,
    last_error: Option<Error>,
    /// Warnings of the requests the call made on its way that are not in
    /// its final answer (a token fetch, a refusal it got past, a relogin):
    /// they go on its result or its error.
    warnings: Vec<Message>,
}

fn session_changed() -> Error {
    Error::SessionChanged {
        detail: "the client logged out, or in as another user, while this call was in \
                 progress; it was stopped before sending as anyone else"
            .to_owned(),
    }
}

fn usage(what: &str) -> Error {
    Error::invalid("call", what.to_owned())
}

impl Session {
    /// A logged-out session for `api`.
    pub fn new(api: Api, config: SessionConfig) -> Self {
        let https = api.url().starts_with("https://");
        let credentials_ok =
            https || host_is_loopback(api.url()) || config.allow_insecure_credentials;
        Self {
            api,
            config,
            credentials_ok,
            https,
            jar: CookieJar::default(),
            auth: Auth::Anonymous,
            generation: 0,
            epoch: 0,
            csrf: None,
            token_owner: None,
            login_owner: None,
            login_explicit: false,
            logout_owner: None,
            login_attempts: 0,
            login_failure: None,
            next_id: 1,
            oauth_access: None,
            shared: None,
            shared_seen: 0,
            nonce_seed: 0,
            nonces: 0,
            user_names: None,
            secrets: Secrets::new(),
        }
    }

    /// The secrets the session knows (its credentials, and every token,
    /// code and cookie it sent or was given): see [`Secrets`].
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// `text` with every secret the session knows cut out, in any form a
    /// server echoes it, and token values cut out by shape: for text a
    /// transport or binding adds of its own (a log record, an error
    /// message). Errors and warnings from the engine are scrubbed already.
    pub fn scrub(&self, text: &str) -> String {
        self.secrets.scrub(text)
    }

    /// Seeds OAuth 1.0a's nonces: each signed request's nonce is this seed
    /// and a counter, so give every session a different seed (the clients
    /// give a random one). Like the time, it is an input of the engine.
    pub fn set_nonce_seed(&mut self, seed: u64) {
        self.nonce_seed = seed;
    }

    /// The endpoint, and the account every request asserts.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The logged-in account, if any: the one requests assert, kept while
    /// a lost session waits for a new login.
    pub fn account(&self) -> Option<&Account> {
        self.api.account()
    }

    /// Whether the session holds credentials to log in again with.
    pub fn wants_login(&self) -> bool {
        !matches!(self.auth, Auth::Anonymous)
    }

    /// Replaces the cached csrf token. For tests of recovery from a stale
    /// token; not part of the API.
    #[doc(hidden)]
    pub fn __set_csrf_for_tests(&mut self, token: Option<Token>) {
        self.csrf = token.map(|t| (self.generation, t));
    }

    fn call<T>(&mut self, op: Op) -> Call<T> {
        let id = self.next_id;
        self.next_id += 1;
        Call {
            inner: CallState {
                id,
                op,
                login: None,
                in_flight: None,
                wait: None,
                result: None,
                finished: false,
                identity: None,
                parked_on_login: None,
                waits: 0,
                refreshed: false,
                relogins: 0,
                restarted_lost_login: false,
                shared_waits: 0,
                claim: None,
                sends: 0,
                last_error: None,
                warnings: Vec::new(),
            },
            _output: PhantomData,
        }
    }

    fn check_credentials_allowed(&self) -> Result<(), Error> {
        if self.credentials_ok {
            Ok(())
        } else {
            Err(Error::invalid(
                "api url",
                "refusing to send a password over plain http:// to a host that is not the \
                 loopback (use https://, or allow insecure credentials)",
            ))
        }
    }

    // ---- calls -------------------------------------------------------------

    /// Logs in with a bot password (`User@appid`) through `action=login`.
    /// On success the session keeps the credentials to log in again when
    /// the server says the session is gone. A failed login changes nothing.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty name or password, or a password
    /// over plain `http://` to a host that is not the loopback.
    pub fn login(&mut self, name: &str, password: Password) -> Result<Call<LoginInfo>, Error> {
        self.check_credentials_allowed()?;
        BotLogin::new(name, password.clone())?;
        let credentials = Credentials::Bot {
            name: name.to_owned(),
            password,
        };
        Ok(self.call(Op::Login {
            credentials,
            new_password: None,
        }))
    }

    /// Logs in with a main account's password through `action=clientlogin`.
    /// When the server asks for a new password (after a temporary one from
    /// a reset), `new_password` is set; the flow is then never started
    /// again from the old password, and if confirming the session fails
    /// afterwards, the error says the password was changed (and the
    /// session keeps the new one to log in with).
    ///
    /// When the wiki asks for a second factor (a two-factor code), the
    /// answer is `second_factor`'s, asked for only then; without one the
    /// login fails as [`crate::LoginFailure::SecondFactorRequired`] and
    /// nothing more is sent. A code the wiki refuses fails it as
    /// [`crate::LoginFailure::SecondFactorFailed`]; a login is never made to
    /// answer the same question twice. A relogin (after the session ended on
    /// the server) asks `second_factor` again: give
    /// [`SecondFactor::ask`] when that may happen.
    ///
    /// When the wiki loses the login's session between its steps (it
    /// expired while the code was looked for, or its cookie did not come
    /// back), it has checked and changed nothing: the login starts over
    /// from its first step in a new session, once per call, asking
    /// [`SecondFactor::ask`] again; with a fixed code (which only its person
    /// can renew), or lost again, it fails as
    /// [`crate::LoginFailure::SessionLost`]. The same holds for a session
    /// lost before the new password was set, and for one lost before the
    /// first step (`badtoken` to the password: its login token is stale,
    /// and the wiki did not act), which starts over with a new login token
    /// whatever the code.
    ///
    /// # Errors
    /// As [`Session::login`].
    pub fn client_login(
        &mut self,
        name: &str,
        password: Password,
        new_password: Option<Password>,
        second_factor: Option<SecondFactor>,
    ) -> Result<Call<LoginInfo>, Error> {
        self.check_credentials_allowed()?;
        let flow = ClientLogin::new(name, password.clone())?;
        if let Some(new) = &new_password {
            flow.with_new_password(new.clone())?;
        }
        Ok(self.call(Op::Login {
            credentials: Credentials::Main {
                name: name.to_owned(),
                password,
                second_factor,
            },
            new_password,
        }))
    }

    /// Acts as the owner of an OAuth 2 access token (an owner-only
    /// consumer's, Extension:OAuth): every request carries `Authorization:
    /// Bearer`, the account is learnt with one `meta=userinfo` read (which
    /// also brings the csrf token), and from then on every request asserts
    /// it, as after a password login. `action=login` and `action=logout` are
    /// never sent under a token; logging out forgets it.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty token, or a token over plain
    /// `http://` to a host that is not the loopback (the password rule).
    pub fn login_oauth2(&mut self, token: Token) -> Result<Call<LoginInfo>, Error> {
        self.check_credentials_allowed()?;
        check_secret("access token", token.expose())?;
        Ok(self.token_login(Credentials::OAuth2 { token }))
    }

    /// Acts with OAuth 1.0a keys: as [`Session::login_oauth2`], each request
    /// signed (HMAC-SHA1, RFC 5849) with the nonce seed and the time given.
    ///
    /// # Errors
    /// As [`Session::login_oauth2`].
    pub fn login_oauth1(&mut self, keys: OAuth1Keys) -> Result<Call<LoginInfo>, Error> {
        self.check_credentials_allowed()?;
        Ok(self.token_login(Credentials::OAuth1 { keys }))
    }

    /// Acts as a confidential OAuth 2 client: its `client_credentials`
    /// token is fetched from the wiki's `rest.php/oauth2/access_token`, then
    /// used as [`Session::login_oauth2`] uses one, and fetched again before
    /// it expires (and once when the wiki calls it invalid), without the
    /// caller noticing.
    ///
    /// The sessions of a process that act as the same client (same API
    /// URL, id and secret) share its token, in memory: the wiki keeps one
    /// session per client, so a token of each one's own would end the
    /// others' csrf tokens. One fetches at a time; the others log in with
    /// its token, take a newer one (and a new csrf token) before their next
    /// request, and wait ([`Step::Wait`] of [`SHARED_TOKEN_WAIT`]) while it
    /// is being replaced rather than send a write or fetch a token of their
    /// own.
    ///
    /// # Errors
    /// As [`Session::login_oauth2`], for an empty id or secret.
    pub fn login_oauth2_client(
        &mut self,
        client_id: &str,
        client_secret: Password,
    ) -> Result<Call<LoginInfo>, Error> {
        self.check_credentials_allowed()?;
        check_secret("client id", client_id)?;
        check_secret("client secret", client_secret.expose())?;
        Ok(self.token_login(Credentials::OAuth2Client {
            client_id: client_id.to_owned(),
            secret: client_secret,
        }))
    }

    fn token_login(&mut self, credentials: Credentials) -> Call<LoginInfo> {
        self.call(Op::Login {
            credentials,
            new_password: None,
        })
    }

    /// Logs out (`action=logout`) and forgets the session: account, token,
    /// cookies and credentials, even when the answer is an error. A relogin
    /// another call has in flight is discarded. A session acting with an
    /// OAuth token forgets it without sending anything (the wiki refuses a
    /// logout under a token).
    pub fn logout(&mut self) -> Call<Vec<Message>> {
        self.call(Op::Logout { started: false })
    }

    /// Emails a user (`action=emailuser`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`], before anything is sent (see
    /// [`Api::email_user_request`]).
    pub fn email_user(&mut self, email: &EmailUser) -> Result<Call<EmailSent>, Error> {
        self.api.email_user_request(email, &Token::anonymous())?;
        Ok(self.call(Op::Email {
            email: email.clone(),
            refused: None,
        }))
    }

    /// Starts a password reset (`action=resetpassword`): with the anonymous
    /// token when logged out, the csrf token otherwise.
    pub fn reset_password(&mut self, reset: &ResetPassword) -> Call<Vec<Message>> {
        self.call(Op::Reset(reset.clone()))
    }

    /// Which of `names` can be emailed, one request per batch, and before
    /// the first batch of the session one siteinfo read: how the wiki folds
    /// user names ([`UserNames`]), kept for the session's life. Each name
    /// gets the wiki's answer for its spelling (see
    /// [`crate::parse_emailable_with`]).
    ///
    /// # Errors
    /// As [`Api::emailable_batches`].
    pub fn emailable<S: AsRef<str>>(
        &mut self,
        names: &[S],
    ) -> Result<Call<EmailableReport>, Error> {
        let batches = self.api.emailable_batches(names)?;
        Ok(self.call(Op::Emailable {
            batches,
            next: 0,
            report: EmailableReport::default(),
            names: None,
        }))
    }

    /// The logged-in user's preferences.
    pub fn read_options(&mut self) -> Call<UserOptions> {
        self.call(Op::ReadOptions)
    }

    /// Changes preferences in as few requests as MediaWiki allows. When a
    /// request after the first fails, the error is [`Error::Incomplete`]
    /// and names what was applied.
    ///
    /// # Errors
    /// As [`OptionsChange::validate`].
    pub fn change_options(
        &mut self,
        change: &OptionsChange,
    ) -> Result<Call<OptionsChanged>, Error> {
        let batches = self.api.options_batches(change)?;
        Ok(self.call(Op::ChangeOptions {
            batches,
            next: 0,
            done: OptionsChanged::default(),
            applied: Vec::new(),
        }))
    }

    /// Any action (see [`Api::raw_request`]); a POST is a write, and carries
    /// the csrf token when `with_token`.
    ///
    /// # Errors
    /// As [`Api::raw_request`]; a token asked for a GET (it would be
    /// dropped, or leak into a URL); a parameter whose name holds `password`
    /// over plain `http://` to a host that is not the loopback, as for a
    /// login.
    pub fn raw(
        &mut self,
        params: &[(&str, &str)],
        method: Method,
        with_token: bool,
    ) -> Result<Call<RawReply>, Error> {
        if with_token && method != Method::Post {
            return Err(Error::invalid(
                "token",
                "a token goes only with a POST (a write); send this request as a POST, or \
                 without a token",
            ));
        }
        let stand_in = with_token.then(Token::anonymous);
        self.api.raw_request(params, method, stand_in.as_ref())?;
        if params
            .iter()
            .any(|(k, _)| k.to_ascii_lowercase().contains("password"))
        {
            self.check_credentials_allowed()?;
        }
        Ok(self.call(Op::Raw {
            params: params
                .iter()
                .map(|&(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            method,
            with_token,
        }))
    }

    // ---- driving -----------------------------------------------------------

    /// What to do next for `call`, at time `now` (used for cookie expiry).
    pub fn poll<T: CallOutput>(&mut self, call: &mut Call<T>, now: SystemTime) -> Step<T> {
        match self.poll_inner(&mut call.inner, now) {
            Step::Send(r) => Step::Send(r),
            Step::Wait(d) => Step::Wait(d),
            Step::Park => Step::Park,
            Step::Done(result) => Step::Done(result.and_then(|out| {
                T::from_output(out).ok_or_else(|| usage("the answer does not fit the call"))
            })),
        }
    }

    /// Takes the answer to the request `call` sent last, at time `now`.
    /// Wake parked calls afterwards.
    pub fn handle<T>(&mut self, call: &mut Call<T>, answer: Answer, now: SystemTime) {
        let state = &mut call.inner;
        let Some(flight) = state.in_flight.take() else {
            self.finish(
                state,
                Err(usage("an answer was handled with no request out")),
            );
            return;
        };
        let (resp, err) = match answer {
            Answer::Response(resp) => {
                // Cookies go where the request came from: a login step's to
                // its login's own jar; any other answer's to the session's,
                // and only when it answers a request of the current login
                // (an answer of an ended session must not replace the
                // cookies of the new one).
                let jar = match (flight.purpose, state.login.as_mut()) {
                    (Purpose::Login, Some(run)) if run.epoch == flight.epoch => Some(&mut run.jar),
                    (Purpose::Login, _) => None,
                    _ if flight.generation == self.generation && flight.epoch == self.epoch => {
                        Some(&mut self.jar)
                    }
                    _ => None,
                };
                for (_, v) in resp
                    .headers
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
                {
                    self.secrets.learn_set_cookie(v);
                }
                if let Some(jar) = jar {
                    for (_, v) in resp
                        .headers
                        .iter()
                        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
                    {
                        jar.store(v, now);
                    }
                }
                if (300..400).contains(&resp.status) {
                    let location = resp.header("location").map(str::to_owned);
                    let err = Error::Redirected {
                        status: resp.status,
                        location,
                    };
                    (None, Some((err, true)))
                } else {
                    (Some(resp), None)
                }
            }
            Answer::Failed(f) => {
                let sent = f.may_have_been_sent
                    && !matches!(f.kind, FailureKind::Connect | FailureKind::Tls(_));
                let err = match f.kind {
                    FailureKind::Connect => Error::Connect { detail: f.detail },
                    FailureKind::Tls(failure) => Error::Tls {
                        failure,
                        detail: f.detail,
                    },
                    FailureKind::Timeout => Error::Timeout { detail: f.detail },
                    FailureKind::BodyTooLarge { limit } => Error::BodyTooLarge { limit },
                    FailureKind::Other => Error::Transport { detail: f.detail },
                };
                (None, Some((err, sent)))
            }
        };
        if let Some((err, sent)) = err {
            // Nothing readable came back: no resend, whatever the request;
            // a write that may have left is in doubt.
            let err = if flight.is_write && sent {
                err.for_write()
            } else {
                err
            };
            self.fail_request(state, &flight, err);
            return;
        }
        let Some(resp) = resp else { return };
        match flight.purpose {
            Purpose::Token => self.on_token(state, &flight, &resp, now),
            Purpose::Login => self.on_login_step(state, &flight, &resp, now),
            Purpose::Logout => {
                let result = parse_logout(&resp);
                self.forget();
                self.finish(state, result.map(Output::Warnings));
            }
            Purpose::Action => self.on_action(state, &flight, &resp, now),
        }
    }

    /// Gives up `call` (a cancelled future, a panic): whatever it held for
    /// the other calls (a token fetch, a login) is released, and a logout
    /// it started is completed locally. Wake parked calls afterwards.
    pub fn abandon<T>(&mut self, call: &mut Call<T>) {
        let state = &mut call.inner;
        self.release(state);
        // A token fetch given up frees the other sessions of the client.
        state.login = None;
        state.claim = None;
        if matches!(state.op, Op::Logout { started: true }) && !state.finished {
            self.forget();
        }
        state.finished = true;
        state.in_flight = None;
    }

    // ---- internals ---------------------------------------------------------

    fn release(&mut self, state: &CallState) {
        if self.token_owner == Some(state.id) {
            self.token_owner = None;
        }
        if self.login_owner == Some(state.id) {
            self.login_owner = None;
        }
        if self.logout_owner == Some(state.id) {
            self.logout_owner = None;
        }
    }

    fn finish(&mut self, state: &mut CallState, result: Result<Output, Error>) {
        self.release(state);
        state.login = None;
        state.claim = None;
        // An OAuth token the wiki refused is a login error: nothing acted.
        let result = result.map_err(|e| match e {
            Error::Api(api) if api.kind() == ErrorKind::OAuthInvalid => {
                let mut login = LoginError::new("OAuth", Some(api.code.clone()), api.text.clone());
                login.kind = crate::error::LoginFailure::OAuthInvalid;
                login.warnings = api.warnings.clone();
                Error::Login(login)
            }
            other => other,
        });
        let mut earlier = std::mem::take(&mut state.warnings);
        if let (Err(_), Op::Emailable { report, .. }) = (&result, &mut state.op) {
            // The batches answered before the failure.
            earlier.append(&mut report.warnings);
        }
        let result = match result.map_err(|e| incomplete(state, e)) {
            Ok(mut output) => {
                output.prepend_warnings(earlier);
                Ok(output)
            }
            Err(mut err) => {
                // A failure of the connection on a read has no place for
                // them: documented on `Error::warnings`.
                let _ = err.prepend_warnings(earlier);
                Err(err)
            }
        };
        state.result = Some(self.scrubbed(result));
    }

    /// `result` with the session's secrets cut out of its error, or of its
    /// warnings: nothing a server echoed leaves the engine.
    fn scrubbed(&self, result: Result<Output, Error>) -> Result<Output, Error> {
        match result {
            Ok(mut output) => {
                self.secrets.scrub_messages(output.warnings_mut());
                if let Output::Changed(changed) = &mut output {
                    for rejected in &mut changed.rejected {
                        self.secrets
                            .scrub_messages(std::slice::from_mut(&mut rejected.message));
                    }
                }
                Ok(output)
            }
            Err(mut err) => {
                self.secrets.scrub_error(&mut err);
                Err(err)
            }
        }
    }

    fn forget(&mut self) {
        self.oauth_access = None;
        self.shared = None;
        self.shared_seen = 0;
        self.api.set_account(None);
        self.auth = Auth::Anonymous;
        self.csrf = None;
        self.generation += 1;
        self.jar.clear();
        self.login_failure = None;
    }

    fn send(
        &mut self,
        state: &mut CallState,
        mut req: Request,
        purpose: Purpose,
        token: Option<Token>,
        epoch: u64,
        now: SystemTime,
    ) -> Step<Output> {
        let jar = match (purpose, state.login.as_ref()) {
            (Purpose::Login, Some(run)) => &run.jar,
            _ => &self.jar,
        };
        // A token fetch goes to the token endpoint bare: no cookie, no token.
        let fetching = matches!(
            (purpose, state.login.as_ref()),
            (Purpose::Login, Some(LoginRun { flow: LoginFlow::Token(f), .. })) if f.fetching()
        );
        if !fetching {
            if let Some(cookie) = jar.header(now, self.https) {
                req.headers.push(("Cookie".to_owned(), cookie));
            }
            // The OAuth token that is the login: the one a login in
            // progress uses, else the session's.
            let credentials = match (purpose, state.login.as_ref()) {
                (Purpose::Login, Some(run)) => Some(&run.credentials),
                (Purpose::Login, None) => None,
                _ => match &self.auth {
                    Auth::Active(c) | Auth::Lost(c) => Some(c),
                    Auth::Anonymous => None,
                },
            };
            let access = match (purpose, state.login.as_ref()) {
                (
                    Purpose::Login,
                    Some(LoginRun {
                        flow: LoginFlow::Token(f),
                        ..
                    }),
                ) => f.access.as_ref().map(|a| a.token.clone()),
                _ => self.oauth_access.as_ref().map(|a| a.token.clone()),
            };
            let header = match credentials {
                Some(Credentials::OAuth2 { token }) => Some(format!("Bearer {}", token.expose())),
                Some(Credentials::OAuth2Client { .. }) => {
                    access.map(|t| format!("Bearer {}", t.expose()))
                }
                Some(Credentials::OAuth1 { keys }) => {
                    self.nonces += 1;
                    let nonce = format!("{:016x}{:08x}", self.nonce_seed, self.nonces);
                    Some(oauth1_authorization(&req, keys, &nonce, now))
                }
                _ => None,
            };
            if let Some(value) = header {
                req.headers.push(("Authorization".to_owned(), value));
            }
        }
        // Whatever the request carries may come back in an echo.
        self.secrets.learn_request(&req);
        state.sends += 1;
        state.in_flight = Some(InFlight {
            purpose,
            generation: self.generation,
            epoch,
            is_write: req.is_write,
            token,
        });
        Step::Send(req)
    }

    fn poll_inner(&mut self, state: &mut CallState, now: SystemTime) -> Step<Output> {
        if let Some(result) = state.result.take() {
            state.finished = true;
            return Step::Done(result);
        }
        if state.finished {
            return Step::Done(Err(usage("the call has already finished")));
        }
        if state.in_flight.is_some() {
            self.finish(state, Err(usage("polled before the answer was handled")));
            return self.poll_inner(state, now);
        }
        if let Some(delay) = state.wait.take() {
            return Step::Wait(delay);
        }
        if state.sends >= MAX_SENDS_WITHOUT_PROGRESS {
            let err = state
                .last_error
                .clone()
                .unwrap_or_else(|| usage("too many requests without progress"));
            self.finish(state, Err(err));
            return self.poll_inner(state, now);
        }
        if state.login.is_some() {
            return self.poll_login(state, now);
        }
        match &mut state.op {
            Op::Login {
                credentials,
                new_password,
            } => {
                // Logins and logouts the caller asked for happen one at a
                // time, in the order they get here.
                if self.login_owner.is_some_and(|o| o != state.id) || self.logout_owner.is_some() {
                    return Step::Park;
                }
                let (credentials, new_password) = (credentials.clone(), new_password.clone());
                if self.wait_for_shared(state, &credentials, now) {
                    return Step::Wait(SHARED_TOKEN_WAIT);
                }
                match self.start_login(state, credentials, new_password, false, now) {
                    Ok(()) => self.poll_login(state, now),
                    Err(e) => {
                        self.finish(state, Err(e));
                        self.poll_inner(state, now)
                    }
                }
            }
            Op::Logout { started } => {
                if !*started {
                    let explicit_login = self.login_owner.is_some() && self.login_explicit;
                    if explicit_login || self.logout_owner.is_some_and(|o| o != state.id) {
                        return Step::Park;
                    }
                    *started = true;
                    let token =
                        matches!(&self.auth, Auth::Active(c) | Auth::Lost(c) if c.is_token());
                    if self.api.account().is_none() || token {
                        self.forget();
                        self.finish(state, Ok(Output::Warnings(Vec::new())));
                        return self.poll_inner(state, now);
                    }
                    // The intent ends now: a relogin in flight is discarded.
                    self.logout_owner = Some(state.id);
                    self.epoch += 1;
                    self.auth = Auth::Anonymous;
                    self.login_failure = None;
                }
                match self.current_csrf() {
                    Some(token) => {
                        let req = self.api.logout_request(&token);
                        let epoch = self.epoch;
                        self.send(state, req, Purpose::Logout, Some(token), epoch, now)
                    }
                    None => {
                        let req = self.api.tokens_request(&[TokenType::Csrf]);
                        let epoch = self.epoch;
                        self.send(state, req, Purpose::Token, None, epoch, now)
                    }
                }
            }
            _ => self.poll_action(state, now),
        }
    }

    /// The process's slot for a confidential client's token; a session
    /// that changes client starts from none of the old one's.
    fn shared_client(&mut self, client_id: &str, secret: &Password) -> Arc<SharedClient> {
        let shared = SharedClient::of(self.api.url(), client_id, secret.expose());
        if !self
            .shared
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, &shared))
        {
            self.shared = Some(Arc::clone(&shared));
            self.shared_seen = 0;
        }
        shared
    }

    /// Whether another session of the process is fetching the token of
    /// the confidential client this session acts as.
    fn renewing_elsewhere(&self) -> bool {
        matches!(&self.auth, Auth::Active(Credentials::OAuth2Client { .. }))
            && self.shared.as_ref().is_some_and(|s| s.lock().renewing())
    }

    /// Takes the shared token of the confidential client when another
    /// session published a newer one: the csrf token goes with the old one
    /// (the wiki's session changed), and so does the generation, so that
    /// answers to requests sent under the old one change nothing. A session
    /// lost with the old token is back.
    fn adopt_shared(&mut self) {
        let (Auth::Active(c @ Credentials::OAuth2Client { .. })
        | Auth::Lost(c @ Credentials::OAuth2Client { .. })) = &self.auth
        else {
            return;
        };
        let Some(shared) = &self.shared else { return };
        let newer = {
            let slot = shared.lock();
            (slot.generation > self.shared_seen)
                .then(|| slot.access.clone().map(|a| (a, slot.generation)))
                .flatten()
        };
        if let Some((access, generation)) = newer {
            self.auth = Auth::Active(c.clone());
            self.oauth_access = Some(access);
            self.shared_seen = generation;
            self.csrf = None;
            self.generation += 1;
        }
    }

    /// Whether a login as `credentials` waits for another session's fetch
    /// of the shared token, instead of fetching one of its own (which
    /// would end that session's, and every other's, csrf tokens).
    fn wait_for_shared(
        &mut self,
        state: &mut CallState,
        credentials: &Credentials,
        now: SystemTime,
    ) -> bool {
        let Credentials::OAuth2Client { client_id, secret } = credentials else {
            return false;
        };
        let shared = SharedClient::of(self.api.url(), client_id, secret.expose());
        let seen = match &self.shared {
            Some(s) if Arc::ptr_eq(s, &shared) => self.shared_seen,
            _ => 0,
        };
        // Decided under the slot's lock: two sessions never both fetch.
        let force = state.shared_waits >= MAX_SHARED_TOKEN_WAITS;
        match shared.claim(seen, now, force) {
            Claim::Wait => {
                state.shared_waits += 1;
                true
            }
            claim => {
                state.claim = Some(claim);
                false
            }
        }
    }

    fn current_csrf(&self) -> Option<Token> {
        match &self.csrf {
            Some((generation, token)) if *generation == self.generation => Some(token.clone()),
            _ => None,
        }
    }

    fn poll_action(&mut self, state: &mut CallState, now: SystemTime) -> Step<Output> {
        if self.login_owner.is_some_and(|o| o != state.id) {
            state.parked_on_login = Some(self.login_attempts);
            return Step::Park;
        }
        let current = self.api.account().map(|a| a.name.clone());
        match &state.identity {
            None => state.identity = Some(current),
            Some(identity) if *identity != current => {
                self.finish(state, Err(session_changed()));
                return self.poll_inner(state, now);
            }
            Some(_) => {}
        }
        // A newer token of a confidential client, fetched by another
        // session of the process, replaces this one's before it sends.
        self.adopt_shared();
        // A confidential client's token near its expiry is fetched again
        // before anything else is sent, as a relogin; while another session
        // of the process fetches it, the current one is still good.
        if let (Auth::Active(c @ Credentials::OAuth2Client { .. }), Some(access)) =
            (&self.auth, &self.oauth_access)
        {
            let expired = access.expires.is_some_and(|e| now >= e);
            if access.renew_at(now) && (expired || !self.renewing_elsewhere()) {
                self.auth = Auth::Lost(c.clone());
                self.csrf = None;
            }
        }
        if let Auth::Lost(credentials) = &self.auth {
            let credentials = credentials.clone();
            if let (Some(parked), Some((failed, err))) =
                (state.parked_on_login, &self.login_failure)
            {
                if *failed >= parked {
                    let err = err.clone();
                    self.finish(state, Err(err));
                    return self.poll_inner(state, now);
                }
            }
            if self.wait_for_shared(state, &credentials, now) {
                return Step::Wait(SHARED_TOKEN_WAIT);
            }
            if state.relogins >= MAX_RELOGINS_PER_CALL {
                let err = state.last_error.clone().unwrap_or_else(|| {
                    self.login_failure
                        .as_ref()
                        .map(|(_, e)| e.clone())
                        .unwrap_or_else(session_changed)
                });
                self.finish(state, Err(err));
                return self.poll_inner(state, now);
            }
            state.relogins += 1;
            return match self.start_login(state, credentials, None, true, now) {
                Ok(()) => self.poll_login(state, now),
                Err(e) => {
                    self.finish(state, Err(e));
                    self.poll_inner(state, now)
                }
            };
        }
        state.parked_on_login = None;
        let need = match &state.op {
            Op::Email { refused: None, .. } | Op::ChangeOptions { .. } => TokenNeed::Csrf,
            Op::Reset(_) => TokenNeed::CsrfOrAnonymous,
            Op::Raw {
                method, with_token, ..
            } if *method == Method::Post && *with_token => TokenNeed::Csrf,
            _ => TokenNeed::None,
        };
        if need != TokenNeed::None
            && self.renewing_elsewhere()
            && state.shared_waits < MAX_SHARED_TOKEN_WAITS
        {
            // Another session is replacing the client's token: the wiki's
            // session, and with it every csrf token, is about to change.
            // A write or a token fetch now would only get `badtoken`.
            state.shared_waits += 1;
            return Step::Wait(SHARED_TOKEN_WAIT);
        }
        let token = match need {
            TokenNeed::None => None,
            TokenNeed::CsrfOrAnonymous if self.api.account().is_none() => Some(Token::anonymous()),
            TokenNeed::Csrf | TokenNeed::CsrfOrAnonymous => match self.current_csrf() {
                Some(token) => Some(token),
                None if self.token_owner.is_some_and(|o| o != state.id) => return Step::Park,
                None => {
                    self.token_owner = Some(state.id);
                    let req = self.api.tokens_request(&[TokenType::Csrf]);
                    let epoch = self.epoch;
                    return self.send(state, req, Purpose::Token, None, epoch, now);
                }
            },
        };
        if let Op::Emailable {
            names: names @ None,
            ..
        } = &mut state.op
        {
            // Read by another call of this session meanwhile: no need to ask.
            names.clone_from(&self.user_names);
        }
        let built = self.build_action(&state.op, token.as_ref());
        match built {
            Ok(req) => {
                let epoch = self.epoch;
                self.send(state, req, Purpose::Action, token, epoch, now)
            }
            Err(e) => {
                self.finish(state, Err(e));
                self.poll_inner(state, now)
            }
        }
    }

    fn build_action(&self, op: &Op, token: Option<&Token>) -> Result<Request, Error> {
        let need_token = || token.ok_or_else(|| usage("a csrf token is needed"));
        match op {
            Op::Email {
                refused: Some(_), ..
            } => Ok(self.api.block_info_request()),
            Op::Email { email, .. } => self.api.email_user_request(email, need_token()?),
            Op::Reset(reset) => Ok(self.api.reset_password_request(reset, need_token()?)),
            Op::Emailable { names: None, .. } => Ok(self.api.user_names_request()),
            Op::Emailable { batches, next, .. } => batches
                .get(*next)
                .map(|b| self.api.emailable_request(b))
                .ok_or_else(|| usage("no batch left")),
            Op::ReadOptions => Ok(self.api.read_options_request()),
            Op::ChangeOptions { batches, next, .. } => {
                let batch = batches.get(*next).ok_or_else(|| usage("no batch left"))?;
                Ok(self.api.options_request(batch, need_token()?))
            }
            Op::Raw { params, method, .. } => {
                let pairs: Vec<(&str, &str)> = params
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                self.api.raw_request(&pairs, *method, token)
            }
            Op::Login { .. } | Op::Logout { .. } => Err(usage("not an action")),
        }
    }

    fn start_login(
        &mut self,
        state: &mut CallState,
        credentials: Credentials,
        new_password: Option<Password>,
        relogin: bool,
        now: SystemTime,
    ) -> Result<(), Error> {
        self.hold(&credentials, new_password.as_ref());
        let mut renewal = None;
        let mut shared_generation = None;
        let flow = match &credentials {
            Credentials::Bot { name, password } => {
                LoginFlow::Bot(BotLogin::new(name, password.clone())?)
            }
            Credentials::OAuth2 { .. } | Credentials::OAuth1 { .. } => {
                LoginFlow::Token(TokenLogin::new(None))
            }
            Credentials::OAuth2Client { client_id, secret } => {
                let shared = self.shared_client(client_id, secret);
                // Decided by the wait before this login, or now (a login
                // started over: it fetches, whatever else is in progress).
                let claim = match state.claim.take() {
                    Some(claim @ (Claim::Use(..) | Claim::Fetch(_))) => claim,
                    _ => shared.claim(self.shared_seen, now, true),
                };
                match claim {
                    // Another session's token, newer than this one's: only
                    // the confirming read.
                    Claim::Use(access, generation) => {
                        shared_generation = Some(generation);
                        LoginFlow::Token(TokenLogin::with_access(access))
                    }
                    Claim::Fetch(guard) => {
                        renewal = Some(guard);
                        LoginFlow::Token(TokenLogin::new(Some((client_id.clone(), secret.clone()))))
                    }
                    Claim::Wait => return Err(usage("a shared token fetch was not claimed")),
                }
            }
            Credentials::Main {
                name,
                password,
                second_factor,
            } => {
                let mut flow = ClientLogin::new(name, password.clone())?;
                if let Some(factor) = second_factor {
                    flow = flow.with_second_factor(factor.clone());
                }
                LoginFlow::Client(match &new_password {
                    Some(p) => flow.with_new_password(p.clone())?,
                    None => flow,
                })
            }
        };
        self.login_owner = Some(state.id);
        self.login_explicit = !relogin;
        self.login_attempts += 1;
        state.login = Some(LoginRun {
            flow,
            jar: self.jar.without_sessions(),
            credentials,
            new_password,
            relogin,
            epoch: self.epoch,
            attempt: self.login_attempts,
            renewal,
            shared_generation,
        });
        Ok(())
    }

    /// Keeps a login's secrets, to cut them out of what comes back.
    fn hold(&mut self, credentials: &Credentials, new_password: Option<&Password>) {
        match credentials {
            Credentials::Bot { password, .. } | Credentials::Main { password, .. } => {
                self.secrets.hold(password.expose());
            }
            Credentials::OAuth2 { token } => self.secrets.hold(token.expose()),
            Credentials::OAuth1 { keys } => {
                self.secrets.hold(keys.consumer_secret.expose());
                self.secrets.hold(keys.access_secret.expose());
                self.secrets.hold(&keys.access_token);
            }
            Credentials::OAuth2Client { secret, .. } => self.secrets.hold(secret.expose()),
        }
        if let Some(new) = new_password {
            self.secrets.hold(new.expose());
        }
    }

    fn poll_login(&mut self, state: &mut CallState, now: SystemTime) -> Step<Output> {
        let Some(run) = state.login.as_mut() else {
            return self.poll_inner(state, now);
        };
        if run.epoch != self.epoch {
            self.finish(state, Err(session_changed()));
            return self.poll_inner(state, now);
        }
        // A login's own steps are never asserted.
        let mut api = self.api.clone();
        api.set_account(None);
        let next = match &mut run.flow {
            LoginFlow::Bot(f) => f.next_request(&api),
            LoginFlow::Client(f) => f.next_request(&api),
            LoginFlow::Token(f) => f.next_request(&api),
        };
        let epoch = run.epoch;
        match next {
            Some(req) => self.send(state, req, Purpose::Login, None, epoch, now),
            None => {
                self.finish(state, Err(usage("the login flow has finished")));
                self.poll_inner(state, now)
            }
        }
    }

    /// A request of `state` failed without a readable answer, or with an
    /// error already sorted.
    fn fail_request(&mut self, state: &mut CallState, flight: &InFlight, err: Error) {
        match flight.purpose {
            Purpose::Login => self.login_failed(state, err),
            Purpose::Logout => {
                self.forget();
                self.finish(state, Err(err));
            }
            Purpose::Token if matches!(state.op, Op::Logout { .. }) => {
                self.forget();
                self.finish(state, Err(err));
            }
            Purpose::Action => {
                // The read about a block that refused an email got no
                // answer: the refusal is still the call's result.
                let err = match &mut state.op {
                    Op::Email { refused, .. } => refused.take().map_or(err, Error::Api),
                    _ => err,
                };
                self.finish(state, Err(err));
            }
            Purpose::Token => self.finish(state, Err(err)),
        }
    }

    fn on_token(
        &mut self,
        state: &mut CallState,
        flight: &InFlight,
        resp: &Response,
        now: SystemTime,
    ) {
        if self.token_owner == Some(state.id) {
            self.token_owner = None;
        }
        match parse_tokens(resp) {
            Ok(mut tokens) => {
                state.warnings.append(&mut tokens.warnings);
                match tokens.take(TokenType::Csrf) {
                    Some(token) if token.is_anonymous() && self.api.account().is_some() => {
                        // A logged-out token for a logged-in session: the session
                        // is gone, as surely as if the assertion had failed.
                        let err = ApiError::new(
                            "assertuserfailed",
                            "the server gave a logged-out token to a logged-in session",
                            resp.status,
                        );
                        if matches!(state.op, Op::Logout { .. }) {
                            self.forget();
                            self.finish(state, Ok(Output::Warnings(Vec::new())));
                        } else {
                            self.react(state, flight, err.into(), now);
                        }
                    }
                    Some(token) => {
                        self.secrets.saw(token.expose());
                        if flight.generation == self.generation && flight.epoch == self.epoch {
                            self.csrf = Some((self.generation, token));
                        }
                    }
                    None => {
                        let err =
                            crate::response::decode_error(resp, "the answer holds no csrftoken");
                        self.fail_request(state, flight, err);
                    }
                }
            }
            Err(err) if matches!(state.op, Op::Logout { .. }) => {
                // The session had already ended on the server: nothing to end.
                self.forget();
                let result = if err.retry_advice(false) == RetryAdvice::Relogin {
                    Ok(Output::Warnings(err.warnings()))
                } else {
                    Err(err)
                };
                self.finish(state, result);
            }
            Err(err) => self.react(state, flight, err, now),
        }
    }

    fn on_action(
        &mut self,
        state: &mut CallState,
        flight: &InFlight,
        resp: &Response,
        now: SystemTime,
    ) {
        // The account the request asserted, when it asserted one: a read
        // that asserts `assert=user` alone is checked against it here.
        let asserted = state.identity.clone().flatten();
        let named = |name: &str, anonymous: bool, warnings: &[Message]| -> Result<(), Error> {
            match &asserted {
                Some(account) if anonymous || name != account => Err(answered_as_someone_else(
                    name,
                    account,
                    resp.status,
                    warnings,
                )),
                _ => Ok(()),
            }
        };
        let parsed: Result<Option<Output>, Error> = match &mut state.op {
            Op::Email {
                refused: refused @ Some(_),
                ..
            } => {
                // The answer about the block: whatever it says, the email's
                // refusal is the call's result, with the block's details
                // when the answer had them.
                let err = refused.take().map_or_else(
                    || usage("no refusal kept"),
                    |mut api| {
                        add_block_info(&mut api, resp);
                        Error::Api(api)
                    },
                );
                self.finish(state, Err(err));
                return;
            }
            Op::Email { refused, .. } => match parse_email_user(resp) {
                Err(Error::Api(api))
                    if api.is_block()
                        && api.block_partial().is_none()
                        && self.api.account().is_some() =>
                {
                    // Ask what the block covers before reporting it: its
                    // code does not say on every version.
                    *refused = Some(api);
                    return;
                }
                other => other.map(|v| Some(Output::Email(v))),
            },
            Op::Reset(_) => parse_reset_password(resp).map(|v| Some(Output::Warnings(v))),
            Op::ReadOptions => parse_read_options(resp).and_then(|v| {
                named(&v.user, v.anonymous, &v.warnings).map(|()| Some(Output::Options(v)))
            }),
            Op::Raw { .. } => parse_raw(resp).map(|v| Some(Output::Raw(v))),
            Op::Emailable {
                names: names @ None,
                ..
            } => match UserNames::from_siteinfo(resp) {
                Ok((read, warnings)) => {
                    state.warnings.extend(warnings);
                    self.user_names = Some(read.clone());
                    *names = Some(read);
                    Ok(None)
                }
                Err(e) => Err(e),
            },
            Op::Emailable {
                batches,
                next,
                report,
                names: Some(names),
            } => match batches
                .get(*next)
                .map(|b| parse_emailable_with(resp, b, names))
            {
                Some(Ok(part)) => {
                    let (name, anonymous) = answered_as(resp);
                    named(&name, anonymous, &part.warnings).map(|()| {
                        report.merge(part);
                        *next += 1;
                        (*next == batches.len()).then(|| Output::Emailable(std::mem::take(report)))
                    })
                }
                Some(Err(e)) => Err(e),
                None => Err(usage("no batch left")),
            },
            Op::ChangeOptions {
                batches,
                next,
                done,
                applied,
            } => match batches.get(*next).map(|b| (b, parse_options(resp, b))) {
                Some((batch, Ok(part))) => {
                    applied.extend(batch.names().map(str::to_owned));
                    done.merge(part);
                    *next += 1;
                    Ok((*next == batches.len()).then(|| Output::Changed(std::mem::take(done))))
                }
                Some((_, Err(e))) => Err(e),
                None => Err(usage("no batch left")),
            },
            Op::Login { .. } | Op::Logout { .. } => Err(usage("not an action")),
        };
        match parsed {
            Ok(Some(output)) => self.finish(state, Ok(output)),
            Ok(None) => {
                // A batch is done: progress, so the per-request budget starts over.
                state.sends = 0;
                state.last_error = None;
            }
            Err(err) => self.react(state, flight, err, now),
        }
    }

    /// The decision after an error answer: send again only on proof that
    /// MediaWiki did not act, within the call's budget.
    fn react(&mut self, state: &mut CallState, flight: &InFlight, err: Error, now: SystemTime) {
        let mut err = err;
        if err.api_kind() == Some(ErrorKind::OAuthInvalid) {
            // The wiki refused the token before doing anything. A
            // confidential client fetches a new token once and sends again;
            // any other token is reported (and nothing is sent again with
            // it).
            let refreshable = matches!(
                &self.auth,
                Auth::Active(Credentials::OAuth2Client { .. })
                    | Auth::Lost(Credentials::OAuth2Client { .. })
            );
            if refreshable && state.relogins < MAX_RELOGINS_PER_CALL {
                if flight.generation == self.generation {
                    if let Auth::Active(c) = &self.auth {
                        self.auth = Auth::Lost(c.clone());
                    }
                    self.csrf = None;
                }
                let taken = err.take_warnings();
                state.warnings.extend(taken);
                state.last_error = Some(err);
                return;
            }
            self.finish(state, Err(err));
            return;
        }
        let advice = err.retry_advice(flight.is_write);
        // A refusal the call gets past: its warnings stay with the call.
        let goes_on = match advice {
            RetryAdvice::RefreshToken => !state.refreshed && flight.token.is_some(),
            RetryAdvice::Relogin => {
                self.wants_login()
                    && !(flight.generation != self.generation
                        && state.relogins >= MAX_RELOGINS_PER_CALL
                        && matches!(self.auth, Auth::Lost(_)))
            }
            RetryAdvice::RetryAfter(after) => {
                state.waits < self.config.retries && after.delay_from(now) <= self.config.max_wait
            }
            _ => false,
        };
        if goes_on {
            let taken = err.take_warnings();
            state.warnings.extend(taken);
        }
        state.last_error = Some(err.clone());
        match advice {
            RetryAdvice::RefreshToken if !state.refreshed && flight.token.is_some() => {
                state.refreshed = true;
                if let (Some((generation, cached)), Some(used)) = (&self.csrf, &flight.token) {
                    if *generation == flight.generation && cached == used {
                        self.csrf = None;
                    }
                }
            }
            RetryAdvice::Relogin if self.wants_login() => {
                if flight.generation == self.generation {
                    if let Auth::Active(credentials) = &self.auth {
                        self.auth = Auth::Lost(credentials.clone());
                    }
                    self.csrf = None;
                } else if state.relogins >= MAX_RELOGINS_PER_CALL
                    && matches!(self.auth, Auth::Lost(_))
                {
                    self.finish(state, Err(err));
                }
                // Otherwise poll logs in again (or finds it done) and resends.
            }
            RetryAdvice::RetryAfter(after) => {
                let delay = after.delay_from(now);
                if state.waits < self.config.retries && delay <= self.config.max_wait {
                    state.waits += 1;
                    state.wait = Some(delay);
                } else {
                    self.finish(state, Err(err));
                }
            }
            RetryAdvice::OutcomeUnknown => self.finish(state, Err(err.for_write())),
            _ => self.finish(state, Err(err)),
        }
    }

    fn on_login_step(
        &mut self,
        state: &mut CallState,
        flight: &InFlight,
        resp: &Response,
        now: SystemTime,
    ) {
        let Some(run) = state.login.as_mut() else {
            self.finish(state, Err(usage("no login in progress")));
            return;
        };
        let result = match &mut run.flow {
            LoginFlow::Bot(f) => f.handle_response(resp),
            LoginFlow::Client(f) => f.handle_response(resp),
            LoginFlow::Token(f) => f.handle_response(resp, now),
        };
        if let (LoginFlow::Token(f), None, Some(shared)) =
            (&run.flow, run.shared_generation, &self.shared)
        {
            if let Some(access) = &f.access {
                // A token fetched: the other sessions adopt it at once
                // (the wiki's session already changed with it).
                run.shared_generation = Some(shared.publish(access.clone()));
                run.renewal = None;
            }
        }
        match result {
            Ok(None) => {}
            Ok(Some(done)) => self.login_succeeded(state, done),
            Err(mut err) => {
                let restartable = match &run.flow {
                    LoginFlow::Bot(_) | LoginFlow::Token(_) => true,
                    LoginFlow::Client(f) => !f.password_change_sent(),
                };
                if let Error::Login(lost) = &mut err {
                    if lost.kind == LoginFailure::SessionLost {
                        // The wiki checked and changed nothing: when all the
                        // login sent can be had again (a code by asking
                        // again), it starts over once, from a new session.
                        let again = match &run.flow {
                            LoginFlow::Client(f) => f.can_start_again(),
                            LoginFlow::Bot(_) | LoginFlow::Token(_) => false,
                        };
                        if again && !state.restarted_lost_login {
                            state.restarted_lost_login = true;
                            state.warnings.extend(std::mem::take(&mut lost.warnings));
                            self.restart_login(state, now);
                            return;
                        }
                        if state.restarted_lost_login {
                            lost.reason
                                .push_str("; it was lost again after the login started over once");
                        }
                    }
                }
                if let RetryAdvice::RetryAfter(after) = err.retry_advice(flight.is_write) {
                    let delay = after.delay_from(now);
                    if restartable
                        && state.waits < self.config.retries
                        && delay <= self.config.max_wait
                    {
                        state.waits += 1;
                        state.wait = Some(delay);
                        let taken = err.take_warnings();
                        state.warnings.extend(taken);
                        self.restart_login(state, now);
                        return;
                    }
                }
                let err = if flight.is_write {
                    err.for_write()
                } else {
                    err
                };
                self.login_failed(state, err);
            }
        }
    }

    /// Starts the call's login over from its first step, with the same
    /// input and none of its cookies; what the wiki said so far stays with
    /// the call.
    fn restart_login(&mut self, state: &mut CallState, now: SystemTime) {
        let Some(mut run) = state.login.take() else {
            return;
        };
        state.warnings.extend(run.flow.take_warnings());
        if let Err(e) = self.start_login(state, run.credentials, run.new_password, run.relogin, now)
        {
            self.login_failed(state, e);
        }
    }

    fn login_succeeded(&mut self, state: &mut CallState, done: LoggedIn) {
        let Some(mut run) = state.login.take() else {
            return;
        };
        if self.login_owner == Some(state.id) {
            self.login_owner = None;
        }
        if run.epoch != self.epoch {
            self.finish(state, Err(session_changed()));
            return;
        }
        if run.relogin {
            if let Some(previous) = self.api.account() {
                if previous.name != done.account.name {
                    let mut err = LoginError::new(
                        "OtherUser",
                        None,
                        format!(
                            "logging in again gave a session of {:?}, not of {:?}; nothing was sent",
                            done.account.name, previous.name
                        ),
                    );
                    err.warnings = done.warnings;
                    self.login_failure = Some((run.attempt, err.clone().into()));
                    self.finish(state, Err(err.into()));
                    return;
                }
            }
        }
        let credentials = match (&run.flow, run.credentials) {
            (
                LoginFlow::Client(f),
                Credentials::Main {
                    name,
                    second_factor,
                    ..
                },
            ) if f.password_changed() => Credentials::Main {
                name,
                password: run.new_password.unwrap_or_else(|| Password::new("")),
                second_factor,
            },
            (_, credentials) => credentials,
        };
        if let LoginFlow::Token(flow) = &mut run.flow {
            self.oauth_access = flow.access.take();
        }
        if let Some(generation) = run.shared_generation {
            self.shared_seen = self.shared_seen.max(generation);
        }
        self.api.set_account(Some(done.account.clone()));
        self.auth = Auth::Active(credentials);
        self.generation += 1;
        // The new session's cookies, and none of the old one's.
        self.jar = run.jar;
        self.csrf = Some((self.generation, done.csrf));
        self.login_failure = None;
        if run.relogin {
            // Back to the call's own action, which the server proved undone.
            state.warnings.extend(done.warnings);
            state.sends = 0;
        } else {
            self.finish(
                state,
                Ok(Output::Login(LoginInfo {
                    account: done.account,
                    warnings: done.warnings,
                })),
            );
        }
    }

    fn login_failed(&mut self, state: &mut CallState, err: Error) {
        let Some(mut run) = state.login.take() else {
            self.finish(state, Err(err));
            return;
        };
        // Warnings the failure had no place for stay with the call.
        state.warnings.extend(run.flow.take_warnings());
        if self.login_owner == Some(state.id) {
            self.login_owner = None;
        }
        let changed = match &run.flow {
            LoginFlow::Client(f) => f.password_changed(),
            LoginFlow::Bot(_) | LoginFlow::Token(_) => false,
        };
        let err = match (changed, &run.credentials, &run.new_password) {
            (
                true,
                Credentials::Main {
                    name,
                    second_factor,
                    ..
                },
                Some(new_password),
            ) if run.epoch == self.epoch => {
                // The new password is the account's now: keep it, and say so.
                self.auth = Auth::Lost(Credentials::Main {
                    name: name.clone(),
                    password: new_password.clone(),
                    second_factor: second_factor.clone(),
                });
                if self.api.account().is_none() {
                    self.api.set_account(Some(Account {
                        name: normalize_user_name(name),
                        id: 0,
                        high_limits: false,
                    }));
                }
                let mut changed = LoginError::new(
                    "PasswordChanged",
                    None,
                    format!(
                        "the new password was set, but confirming the session failed ({err}); \
                         log in with the new password"
                    ),
                );
                changed.warnings = err.warnings();
                changed.into()
            }
            _ => err,
        };
        if run.relogin {
            self.login_failure = Some((run.attempt, err.clone()));
        }
        self.finish(state, Err(err));
    }
}

/// Who an answer with `meta=userinfo` says it was read as: the name, and
/// whether the session was anonymous (also when the answer does not say).
fn answered_as(resp: &Response) -> (String, bool) {
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Answer {
        query: Option<Query>,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Query {
        userinfo: Option<UserInfo>,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct UserInfo {
        id: u64,
        name: String,
        anon: bool,
    }
    match serde_json::from_slice::<Answer>(&resp.body)
        .ok()
        .and_then(|a| a.query?.userinfo)
    {
        Some(info) => (info.name, info.anon || info.id == 0),
        None => (String::new(), true),
    }
}

/// A read that asserted `assert=user` alone came back as another account
/// than the one the call runs as (or did not say whose it was): the same
/// proof as MediaWiki's own `assertnameduserfailed`, which `assertuser`
/// would have given before the module ran. The answer is dropped (its
/// warnings kept), and the call logs in again, from a jar without the
/// session's cookies.
fn answered_as_someone_else(name: &str, account: &str, status: u16, warnings: &[Message]) -> Error {
    let text = if name.is_empty() {
        format!("the answer does not say it was read as {account:?}")
    } else {
        format!("the wiki answered as {name:?}, not as {account:?}")
    };
    let mut err = ApiError::new("assertnameduserfailed", text, status);
    err.warnings = warnings.to_vec();
    err.into()
}

/// An options change that failed after its first request, or of several
/// requests, as [`Error::Incomplete`] naming what was applied.
fn incomplete(state: &mut CallState, err: Error) -> Error {
    let Op::ChangeOptions {
        batches,
        next,
        done,
        applied,
    } = &mut state.op
    else {
        return err;
    };
    // Nothing applied and nothing in doubt: the plain error says it all.
    let in_doubt = err.outcome_unknown() && batches.len() > 1;
    if (*next == 0 && !in_doubt) || *next >= batches.len() || matches!(err, Error::Incomplete(_)) {
        return err;
    }
    let failing: Vec<String> = batches[*next].names().map(str::to_owned).collect();
    let later = batches[*next + 1..]
        .iter()
        .flat_map(|b| b.names().map(str::to_owned));
    let (unknown, mut not_applied) = if err.outcome_unknown() {
        (failing, Vec::new())
    } else {
        (Vec::new(), failing)
    };
    not_applied.extend(later);
    let done = std::mem::take(done);
    Error::Incomplete(Box::new(Incomplete {
        applied: std::mem::take(applied),
        rejected: done.rejected,
        unknown,
        not_applied,
        warnings: done.warnings,
        error: err,
    }))
}

/// Whether the URL's host is `localhost` or a loopback address.
pub(crate) fn host_is_loopback(url: &str) -> bool {
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

/// An OAuth secret or id must be neither empty nor hold a control character.
fn check_secret(field: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() || value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "must not be empty or hold control characters",
        ));
    }
    Ok(())
}
