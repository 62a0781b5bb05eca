//! What both sessions share: the methods, written once (`session_methods!`),
//! the macros that run a call blocking or as a coroutine, and the helpers
//! that turn an answer into its Python value.

use super::*;

/// Seconds as a duration, or the error saying what is wrong.
pub(crate) fn seconds(py: Python<'_>, field: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| invalid(py, field, "must be a positive number of seconds"))
}

/// A call's outcome in Python: the error translated, or the answer turned
/// into its Python value by `done` (which also issues a read's warnings).
/// Both sessions end every call here, on the thread that made the call (an
/// async call: in the awaiting task), which logs a write whose outcome is
/// unknown.
pub(crate) fn finish<R, T>(
    py: Python<'_>,
    name: &str,
    result: Result<R, Error>,
    done: impl FnOnce(Python<'_>, R) -> PyResult<T>,
) -> PyResult<T> {
    let answer = result.map_err(|e| {
        if e.outcome_unknown() {
            log_outcome_unknown(py, name, &e);
        }
        to_py(py, e)
    })?;
    done(py, answer)
}

/// A login's answer: the user name; the wiki's warnings are issued once the
/// session is logged in.
pub(crate) fn logged_in(py: Python<'_>, info: LoginInfo) -> PyResult<String> {
    warn_all(py, &info.warnings)?;
    Ok(info.account.name)
}

/// A write's warnings, returned (never issued through a warnings filter).
pub(crate) fn returned(_py: Python<'_>, messages: Vec<Message>) -> PyResult<Vec<ApiWarning>> {
    Ok(warnings(&messages))
}

/// An options change's answer.
pub(crate) fn options_changed(_py: Python<'_>, done: OptionsChanged) -> PyResult<OptionsResult> {
    Ok(OptionsResult::from(&done))
}

/// The end of a `with` or `async with` block: the logout's error is raised
/// only when the block itself raised nothing; its warnings are issued as
/// ``MediaWikiWarning``, and one that a filter turns into an error is
/// reported as unraisable, never raised over the logout.
pub(crate) fn exited(
    py: Python<'_>,
    closed: Result<Vec<Message>, Error>,
    raised: bool,
) -> PyResult<bool> {
    match closed {
        Ok(messages) => {
            if let Err(e) = warn_all(py, &messages) {
                e.write_unraisable(py, None);
            }
        }
        Err(e) if !raised => return Err(to_py(py, e)),
        Err(_) => {}
    }
    Ok(false)
}

/// An emailability report: each name asked about, with `state` of its
/// status; the wiki's warnings are issued (a read).
pub(crate) fn by_name<V>(
    py: Python<'_>,
    report: EmailableReport,
    state: impl Fn(Emailability) -> V,
) -> PyResult<BTreeMap<String, V>> {
    warn_all(py, &report.warnings)?;
    Ok(report
        .entries
        .into_iter()
        .map(|e| (e.requested, state(e.status)))
        .collect())
}

/// The `token` argument of `request`: whether to add the csrf token.
pub(crate) fn with_token(py: Python<'_>, token: Option<&str>) -> PyResult<bool> {
    match token {
        None => Ok(false),
        Some("csrf") => Ok(true),
        Some(other) => Err(invalid(
            py,
            "token",
            &format!("{other:?}: only \"csrf\" is supported"),
        )),
    }
}

/// The request's parameters, borrowed as the clients take them.
pub(crate) fn pairs(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// What `Session` methods return: the answer itself.
pub(crate) type Blocking<T> = T;

/// Runs a call of a `Session` on its engine, with the GIL released (see
/// [`Session::run`]): the engine's start of the call (`check` or `start`)
/// is the call; the async client's form (`|c| ...`) is not used here.
macro_rules! run_blocking {
    ($session:expr, $py:expr, $name:literal, check |$s:ident| $start:expr, |$c:ident| $call:expr, $done:expr) => {
        run_blocking!($session, $py, $name, start | $s | $start, |$c| $call, $done)
    };
    ($session:expr, $py:expr, $name:literal, start |$s:ident| $start:expr, |$c:ident| $call:expr, $done:expr) => {{
        const NAME: &str = concat!("Session.", $name);
        let result = $session.run($py, NAME, |$s: &mut mw_core::Session| $start)?;
        finish($py, NAME, result, $done)
    }};
}

/// Runs a call of an `AsyncSession`'s async client: a coroutine that starts
/// the call on the tokio runtime when awaited. A `check` (the engine's
/// start of the same call, on the session's checker) runs first, now: bad
/// input raises at the method call, as `Session`'s does, and no coroutine
/// is made.
macro_rules! run_async {
    ($session:expr, $py:expr, $name:literal, check |$s:ident| $check:expr, |$c:ident| $call:expr, $done:expr) => {{
        $session.same_process()?;
        check_now(&$session.checker, |$s| $check).map_err(|e| to_py($py, e))?;
        run_async!($session, $py, $name, |$c| $call, $done)
    }};
    ($session:expr, $py:expr, $name:literal, start |$s:ident| $start:expr, |$c:ident| $call:expr, $done:expr) => {{ run_async!($session, $py, $name, |$c| $call, $done) }};
    ($session:expr, $py:expr, $name:literal, |$c:ident| $call:expr, $done:expr) => {{
        $session.same_process()?;
        $session.otp.not_asking()?;
        let $c = $session.client.clone();
        Awaitable::new(
            $py,
            concat!("AsyncSession.", $name),
            async move {
                let $c = &$c;
                $call.await
            },
            Arc::clone(&$session.otp.raised),
            $done,
        )
    }};
}

/// Checks a call's input now, by the engine's own start of that call
/// (`start` on `checker`, an engine that never sends): the same checks, in
/// the same order, with the same errors as when the call runs. The call
/// started here is dropped unsent.
pub(crate) fn check_now<T>(
    checker: &Mutex<mw_core::Session>,
    start: impl FnOnce(&mut mw_core::Session) -> Result<mw_core::Call<T>, Error>,
) -> Result<(), Error> {
    start(&mut checker.lock().unwrap_or_else(PoisonError::into_inner)).map(drop)
}

/// The methods `Session` and `AsyncSession` share, written once: the
/// arguments become Rust values, `$run` runs the call on the class's client
/// (blocking with the GIL released, or as a coroutine), and the answer
/// becomes its Python value through the same helpers. A method with input
/// gives `$run` a `check`, the engine's start of the same call, so that an
/// `AsyncSession` refuses bad input at the call, not when awaited. `$Out<T>`
/// is what a method returns for an answer `T`; `$extra` holds the methods particular to the class (pyo3 takes one
/// `#[pymethods]` block per class).
macro_rules! session_methods {
    ($Class:ident, $run:ident, $Out:ident, { $($extra:tt)* }) => {
        #[pymethods]
        impl $Class {
            #[new]
            #[pyo3(
                signature = (
                    api_url, user_agent, *, timeout = None, read_timeout = None,
                    connect_timeout = None, maxlag = Some(mw_core::DEFAULT_MAXLAG),
                    retries = mw_core::DEFAULT_RETRIES, max_wait = None,
                    max_response_bytes = mw_core::DEFAULT_MAX_RESPONSE_BYTES,
                    allow_insecure_credentials = false, ca_file = None
                ),
                text_signature = "(api_url, user_agent, *, timeout=None, read_timeout=None, connect_timeout=None, maxlag=5, retries=3, max_wait=None, max_response_bytes=16777216, allow_insecure_credentials=False, ca_file=None)"
            )]
            #[allow(clippy::too_many_arguments)]
            fn new(
                py: Python<'_>,
                api_url: &str,
                user_agent: &str,
                timeout: Option<f64>,
                read_timeout: Option<f64>,
                connect_timeout: Option<f64>,
                maxlag: Option<u32>,
                retries: u32,
                max_wait: Option<f64>,
                max_response_bytes: u64,
                allow_insecure_credentials: bool,
                ca_file: Option<std::path::PathBuf>,
            ) -> PyResult<Self> {
                let mut settings = ClientSettings::new(api_url, user_agent);
                settings.ca_file = ca_file;
                settings.maxlag = maxlag;
                settings.session.retries = retries;
                settings.max_response_bytes = max_response_bytes;
                settings.session.allow_insecure_credentials = allow_insecure_credentials;
                for (field, value, slot) in [
                    ("timeout", timeout, &mut settings.timeout),
                    ("read_timeout", read_timeout, &mut settings.read_timeout),
                    ("connect_timeout", connect_timeout, &mut settings.connect_timeout),
                    ("max_wait", max_wait, &mut settings.session.max_wait),
                ] {
                    if let Some(t) = value {
                        *slot = seconds(py, field, t)?;
                    }
                }
                $Class::build(settings).map_err(|e| to_py(py, e))
            }

            /// The logged-in user's name, or None.
            #[getter]
            fn user(&self, py: Python<'_>) -> PyResult<Option<String>> {
                self.otp.not_asking()?;
                // Without the GIL while the session is busy: an `otp`
                // callable of a login in progress may be waiting for it.
                Ok(py.detach(|| self.account_name()))
            }

            /// The API URL.
            #[getter]
            fn api_url(&self) -> String {
                self.api_url.clone()
            }

            /// Logs in with a bot password (``User@appid``); returns the user name.
            /// The wiki's warnings are issued as :class:`MediaWikiWarning` once the
            /// session is logged in: should a warnings filter turn one into an
            /// error, :attr:`user` still names the account.
            fn login(
                &self,
                py: Python<'_>,
                username: &str,
                password: &str,
            ) -> PyResult<$Out<String>> {
                let (username, password) = (username.to_owned(), mw_core::Password::new(password));
                $run!(
                    self, py, "login",
                    check |s| s.login(&username, password.clone()),
                    |c| c.login(&username, password),
                    logged_in
                )
            }

            /// Logs in with a main account's password (``action=clientlogin``);
            /// ``new_password`` completes a login with a temporary password from a
            /// reset. Returns the user name. Warnings as for :meth:`login` (a new
            /// password given is in force by then).
            ///
            /// ``otp`` answers the wiki's question for a second factor (a
            /// two-factor code, OATHAuth's TOTP): a str, or a callable taking
            /// no arguments that returns one, called only when the wiki asks
            /// (so the code is fresh), once per question; a relogin after the
            /// wiki ended the session asks it again (a str is good for one
            /// login: the wiki takes each code once). Should it raise, its
            /// exception is raised here and nothing more is sent. Asked with
            /// no code (``otp`` None, or a callable returning None or ""):
            /// :class:`LoginError` of kind ``"second_factor_required"``,
            /// nothing sent after the question; a code the wiki refuses:
            /// ``"second_factor_failed"``, and the session may log in again.
            /// When the wiki loses the login's session before it checks the
            /// code or sets the new password (it expired, or its cookie did
            /// not come back), the login starts over once and a callable is
            /// asked again; with a str, or lost again, :class:`LoginError` of
            /// kind ``"login_session_lost"``: nothing was checked or changed.
            /// The same for a first step answered ``badtoken`` (its login
            /// token stale): it starts over once with a new token, whatever
            /// the code, and lost again is ``"login_session_lost"``.
            /// Neither the code nor the password is ever logged or shown.
            #[pyo3(signature = (username, password, *, new_password = None, otp = None))]
            fn client_login(
                &self,
                py: Python<'_>,
                username: &str,
                password: &str,
                new_password: Option<&str>,
                otp: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<$Out<String>> {
                let (username, password) = (username.to_owned(), mw_core::Password::new(password));
                let new_password = new_password.map(mw_core::Password::new);
                let factor = self.otp.second_factor(otp, self.otp_runtime()?)?;
                $run!(
                    self, py, "client_login",
                    check |s| s.client_login(&username, password.clone(), new_password.clone(), factor.clone()),
                    |c| async move {
                        match factor {
                            Some(factor) => {
                                c.client_login_with_second_factor(&username, password, new_password, factor).await
                            }
                            None => c.client_login(&username, password, new_password).await,
                        }
                    },
                    logged_in
                )
            }

            /// Acts as the owner of an OAuth 2 access token (an owner-only
            /// consumer's, Extension:OAuth) instead of logging in: every request
            /// carries ``Authorization: Bearer``, the account is learnt with one
            /// ``meta=userinfo`` read, and every request asserts it, as after a
            /// password login. Returns the user name. No ``action=login`` or
            /// ``action=logout`` is ever sent under a token; :meth:`logout`
            /// forgets the token without sending anything. A token the wiki
            /// refuses (garbage, expired, revoked, a disabled consumer) raises
            /// :class:`LoginError` of kind ``"oauth_invalid"``: nothing acted.
            /// The token never shows in a repr, an error or a log record.
            fn login_oauth2(&self, py: Python<'_>, access_token: &str) -> PyResult<$Out<String>> {
                let token = mw_core::Token::new(access_token);
                $run!(
                    self, py, "login_oauth2",
                    check |s| s.login_oauth2(token.clone()),
                    |c| c.login_oauth2(token),
                    logged_in
                )
            }

            /// Acts as a confidential OAuth 2 client (an owner-only consumer
            /// with the ``client_credentials`` grant): its access token is
            /// fetched from the wiki's ``rest.php/oauth2/access_token`` (next to
            /// ``api.php``), then used as :meth:`login_oauth2` uses one, and
            /// fetched again before it expires, without the caller noticing.
            /// Returns the user name. A wrong id or secret, or a token the wiki
            /// refuses even once fetched anew, raises :class:`LoginError` of
            /// kind ``"oauth_invalid"``. Neither the secret nor a token ever
            /// shows.
            fn login_oauth2_client(
                &self,
                py: Python<'_>,
                client_id: &str,
                client_secret: &str,
            ) -> PyResult<$Out<String>> {
                let (client_id, secret) = (client_id.to_owned(), mw_core::Password::new(client_secret));
                $run!(
                    self, py, "login_oauth2_client",
                    check |s| s.login_oauth2_client(&client_id, secret.clone()),
                    |c| c.login_oauth2_client(&client_id, secret),
                    logged_in
                )
            }

            /// Acts with OAuth 1.0a keys (an owner-only consumer's): as
            /// :meth:`login_oauth2`, each request signed (HMAC-SHA1, RFC 5849)
            /// instead of carrying a bearer token. Returns the user name.
            /// Refused keys raise :class:`LoginError` of kind
            /// ``"oauth_invalid"``. No secret ever shows.
            fn login_oauth1(
                &self,
                py: Python<'_>,
                consumer_key: &str,
                consumer_secret: &str,
                access_token: &str,
                access_secret: &str,
            ) -> PyResult<$Out<String>> {
                let keys = OAuth1Keys::new(consumer_key, consumer_secret, access_token, access_secret)
                    .map_err(|e| to_py(py, e))?;
                $run!(
                    self, py, "login_oauth1",
                    check |s| s.login_oauth1(keys.clone()),
                    |c| c.login_oauth1(keys),
                    logged_in
                )
            }

            /// Logs out and forgets the session. Returns the wiki's warnings (a
            /// list of :class:`ApiWarning`, usually empty): a logout is a write, so
            /// they are returned, never raised through a warnings filter.
            fn logout(&self, py: Python<'_>) -> PyResult<$Out<Vec<ApiWarning>>> {
                $run!(self, py, "logout", start |s| Ok(s.logout()), |c| c.logout(), returned)
            }

            /// Emails a user. Never sent twice by mwkit: when the mail may have gone
            /// out without an answer saying so (a 5xx, a timeout, a dropped
            /// connection), raises :class:`TransportError` with ``outcome_unknown``.
            #[pyo3(signature = (target, subject, text, *, cc_me = false))]
            fn email_user(
                &self,
                py: Python<'_>,
                target: &str,
                subject: &str,
                text: &str,
                cc_me: bool,
            ) -> PyResult<$Out<EmailResult>> {
                let email = EmailUser::new(target, subject, text).cc_me(cc_me);
                $run!(
                    self, py, "email_user",
                    check |s| s.email_user(&email),
                    |c| c.email_user(&email),
                    |_, sent: EmailSent| {
                        let result = match sent.result {
                            RustEmailResult::Success => "Success",
                            RustEmailResult::Warnings => "Warnings",
                        };
                        Ok(EmailResult {
                            result: result.to_owned(),
                            warnings: warnings(&sent.warnings),
                        })
                    }
                )
            }

            /// Which users can be emailed: a dict from each name given to a bool
            /// (missing and invalid names map to False). Each name gets the
            /// wiki's answer for it as written (``User:Alice``, a decomposed or
            /// direction-marked spelling), keyed by the name as given.
            fn emailable(
                &self,
                py: Python<'_>,
                names: Vec<String>,
            ) -> PyResult<$Out<BTreeMap<String, bool>>> {
                $run!(
                    self, py, "emailable",
                    check |s| s.emailable(&names),
                    |c| c.emailable(&names),
                    |py, report| by_name(py, report, Emailability::is_emailable)
                )
            }

            /// Which users can be emailed, in four states: a dict from each name
            /// given to ``"emailable"``, ``"not_emailable"`` (no address, or email
            /// from users refused), ``"missing"`` (no such user) or ``"invalid"``
            /// (not a valid user name) -- the same names as C's ``mw_emailability``.
            fn emailable_states(
                &self,
                py: Python<'_>,
                names: Vec<String>,
            ) -> PyResult<$Out<BTreeMap<String, &'static str>>> {
                $run!(
                    self, py, "emailable_states",
                    check |s| s.emailable(&names),
                    |c| c.emailable(&names),
                    |py, report| by_name(py, report, Emailability::name)
                )
            }

            /// Starts a password reset by user name, by email address, or both.
            /// Success means the wiki accepted the request, not that a mail went out.
            /// Returns the wiki's warnings (a list of :class:`ApiWarning`, usually
            /// empty): a reset is a write, so they are returned, never raised
            /// through a warnings filter.
            #[pyo3(signature = (*, user = None, email = None))]
            fn reset_password(
                &self,
                py: Python<'_>,
                user: Option<&str>,
                email: Option<&str>,
            ) -> PyResult<$Out<Vec<ApiWarning>>> {
                let reset = ResetPassword::new(user, email).map_err(|e| to_py(py, e))?;
                $run!(
                    self, py, "reset_password",
                    start |s| Ok(s.reset_password(&reset)),
                    |c| c.reset_password(&reset),
                    returned
                )
            }

            /// The logged-in user's preferences, every value as str.
            fn get_options(&self, py: Python<'_>) -> PyResult<$Out<BTreeMap<String, String>>> {
                $run!(self, py, "get_options", start |s| Ok(s.read_options()), |c| c.options(), |py, read: UserOptions| {
                    warn_all(py, &read.warnings)?;
                    Ok(read.options)
                })
            }

            /// Changes preferences: a mapping of names to str values, None resetting
            /// that option to its default. More than 50 options (500 with
            /// ``apihighlimits``) take several requests; when one fails after
            /// another was applied, the exception's ``applied``, ``not_applied``,
            /// ``unknown`` and ``rejected`` say what the wiki did; so do the same
            /// attributes of the ``KeyboardInterrupt`` of Ctrl-C (blocking
            /// ``Session``).
            fn set_options(
                &self,
                py: Python<'_>,
                changes: &Bound<'_, PyAny>,
            ) -> PyResult<$Out<OptionsResult>> {
                let mut change = OptionsChange::new();
                for (name, value) in mapping_items(changes)? {
                    change = change.change(name, value);
                }
                $run!(
                    self, py, "set_options",
                    check |s| s.change_options(&change),
                    |c| c.change_options(&change),
                    options_changed
                )
            }

            /// Resets preferences to their defaults: ``("all",)`` or some kinds
            /// (``"registered"``, ``"userjs"``, ...). Returns an
            /// :class:`OptionsResult` holding the wiki's warnings.
            #[pyo3(signature = (kinds = vec!["all".to_owned()]))]
            fn reset_options(
                &self,
                py: Python<'_>,
                kinds: Vec<String>,
            ) -> PyResult<$Out<OptionsResult>> {
                // The change both clients' reset_options send, made here so
                // that the change checked is the change sent.
                let change = match ResetScope::from_kinds(kinds) {
                    ResetScope::All => OptionsChange::new().reset_all(),
                    ResetScope::Kinds(kinds) => OptionsChange::new().reset_kinds(kinds),
                };
                $run!(
                    self, py, "reset_options",
                    check |s| s.change_options(&change),
                    |c| c.change_options(&change),
                    options_changed
                )
            }

            /// Any action: ``params`` maps names to str or int values; ``post=True``
            /// sends a POST (a write, never sent twice blindly); ``token="csrf"``
            /// adds the session's csrf token, to a POST only (a token asked for
            /// a GET raises :class:`InvalidInputError` before anything is
            /// sent). Returns the answer as a dict.
            ///
            /// The answer's warnings are in the dict, under ``"warnings"`` as
            /// MediaWiki sent them. A GET also issues each as a
            /// :class:`MediaWikiWarning`; a POST does not, so that a warnings filter
            /// set to ``"error"`` cannot hide a write that was carried out.
            #[pyo3(signature = (params, *, post = false, token = None))]
            fn request(
                &self,
                py: Python<'_>,
                params: &Bound<'_, PyAny>,
                post: bool,
                token: Option<&str>,
            ) -> PyResult<$Out<Py<PyAny>>> {
                let params = request_params(params)?;
                let with_token = with_token(py, token)?;
                let method = if post { Method::Post } else { Method::Get };
                $run!(
                    self, py, "request",
                    check |s| s.raw(&pairs(&params), method, with_token),
                    |c| c.raw(&pairs(&params), method, with_token),
                    move |py, reply: RawReply| {
                        if !post {
                            warn_all(py, &reply.warnings)?;
                        }
                        json_to_py(py, &reply.json)
                    }
                )
            }

            /// Logs out if logged in; returns the logout's warnings, as
            /// :meth:`logout` does (an empty list when not logged in).
            fn close(&self, py: Python<'_>) -> PyResult<$Out<Vec<ApiWarning>>> {
                $run!(self, py, "close", start |s| Ok(s.logout()), |c| close_async(c), returned)
            }

            fn __repr__(&self, py: Python<'_>) -> String {
                // Inside this session's own `otp` callable the login holds
                // the session: the user is not known yet.
                let user = match self.otp.not_asking() {
                    Ok(()) => match py.detach(|| self.account_name()) {
                        Some(name) => format!("{name:?}"),
                        None => "None".to_owned(),
                    },
                    Err(_) => "<logging in>".to_owned(),
                };
                format!(
                    concat!(stringify!($Class), "(api_url={:?}, user={})"),
                    self.api_url,
                    user
                )
            }

            $($extra)*
        }
    };
}
