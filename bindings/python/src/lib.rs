//! Native module `mwkit._native`, re-exported by the pure-Python `mwkit`
//! package: a translation layer over mw-core's engine driven here over
//! `mw-ureq`'s transport (`Session`, so that Ctrl-C can stop a call and a
//! forked process gets connections of its own) and over `mw-reqwest`
//! (`AsyncSession`). Arguments become Rust values, the GIL is released
//! around every network call (an async call runs on tokio without it), Rust
//! errors become the exceptions of `mwkit._exceptions`, and what a call
//! does is logged on the `mwkit` logger.
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use mw_ureq::mw_core::{
    self, Call as EngineCall, CallEvent, CallOutput, ClientSettings, EventLevel, Message,
};
use mw_ureq::{
    EmailResult as RustEmailResult, EmailSent, EmailUser, Emailability, EmailableReport, Error,
    Incomplete, LoginInfo, Method, OAuth1Keys, OptionsChange, OptionsChanged, RawReply,
    RejectedOption, ResetPassword, ResetScope, SecondFactor, UserOptions,
};
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple, PyType};

/// A warning or error message from the wiki: ``code``, ``text`` and
/// ``module`` (``None`` when the server did not say).
#[pyclass(frozen, get_all, module = "mwkit")]
#[derive(Clone)]
struct ApiWarning {
    code: String,
    text: String,
    module: Option<String>,
}

#[pymethods]
impl ApiWarning {
    fn __repr__(&self) -> String {
        format!(
            "ApiWarning(code={:?}, text={:?}, module={:?})",
            self.code, self.text, self.module
        )
    }
}

impl From<&Message> for ApiWarning {
    fn from(m: &Message) -> Self {
        ApiWarning {
            code: m.code.clone(),
            text: m.text.clone(),
            module: m.module.clone(),
        }
    }
}

fn warnings(messages: &[Message]) -> Vec<ApiWarning> {
    messages.iter().map(ApiWarning::from).collect()
}

/// The outcome of :meth:`Session.email_user`: ``result`` is ``"Success"`` or
/// ``"Warnings"``; ``warnings`` lists every warning.
#[pyclass(frozen, get_all, module = "mwkit")]
struct EmailResult {
    result: String,
    warnings: Vec<ApiWarning>,
}

#[pymethods]
impl EmailResult {
    fn __repr__(&self) -> String {
        format!(
            "EmailResult(result={:?}, warnings={})",
            self.result,
            self.warnings.len()
        )
    }
}

/// The outcome of :meth:`Session.set_options` and :meth:`Session.reset_options`:
/// ``warnings`` lists every
/// warning; ``rejected`` maps each option the wiki dropped (unknown name,
/// invalid value) to its warning. The wiki answers "success" even then.
#[pyclass(frozen, get_all, module = "mwkit")]
struct OptionsResult {
    warnings: Vec<ApiWarning>,
    rejected: BTreeMap<String, ApiWarning>,
    /// Dropped-option warnings that name none of the options sent (the
    /// wiki's text did not say which), so none is lost.
    rejected_unnamed: Vec<ApiWarning>,
}

impl From<&OptionsChanged> for OptionsResult {
    fn from(done: &OptionsChanged) -> Self {
        OptionsResult {
            warnings: warnings(&done.warnings),
            rejected: rejected_map(&done.rejected),
            rejected_unnamed: rejected_unnamed(&done.rejected),
        }
    }
}

#[pymethods]
impl OptionsResult {
    fn __repr__(&self) -> String {
        format!(
            "OptionsResult(warnings={}, rejected={:?})",
            self.warnings.len(),
            self.rejected.keys().collect::<Vec<_>>()
        )
    }
}

// ---- errors ------------------------------------------------------------------

fn exception<'py>(py: Python<'py>, name: &'static str) -> PyResult<&'py Bound<'py, PyType>> {
    const NAMES: [&str; 10] = [
        "MwError",
        "ApiError",
        "LoginError",
        "TransportError",
        "TransportTimeoutError",
        "TlsError",
        "DecodeError",
        "InvalidInputError",
        "SessionChangedError",
        "MediaWikiWarning",
    ];
    static CELLS: [PyOnceLock<Py<PyType>>; NAMES.len()] =
        [const { PyOnceLock::new() }; NAMES.len()];
    // An unknown name (a table row naming a class this list lacks) falls
    // back to MwError itself, never to another name's cache.
    let (index, name) = NAMES
        .iter()
        .position(|n| *n == name)
        .map_or((0, NAMES[0]), |i| (i, NAMES[i]));
    CELLS[index].import(py, "mwkit._exceptions", name)
}

/// An exception's attributes, by name.
type Fields = Vec<(&'static str, Py<PyAny>)>;

fn raise(py: Python<'_>, name: &'static str, message: String, fields: Fields) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let kwargs = PyDict::new(py);
        for (k, v) in fields {
            kwargs.set_item(k, v)?;
        }
        let instance = exception(py, name)?.call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

fn any<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> Py<PyAny> {
    v.into_py_any(py).unwrap_or_else(|_| py.None())
}

/// Every Rust error becomes an exception of `mwkit._exceptions`. Every
/// exception carries `outcome_unknown`, `retry_after` (seconds from now, or
/// None), `warnings` (every warning the wiki gave for the call, for an API
/// error, a refused login, a write in doubt or an incomplete change; None
/// for a failure of the connection itself) and
/// the four fields of an incomplete options change (`applied`,
/// `not_applied`, `unknown`, `rejected`; None unless it is one).
fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let message = err.to_string();
    let retry_after = err
        .retry_after()
        .map(|r| r.delay_from(SystemTime::now()).as_secs_f64());
    let outcome_unknown = err.outcome_unknown();
    // Every warning the wiki gave for the call, wherever on the error it is
    // (earlier requests', the refusal's own, an incomplete change's).
    let call_warnings = matches!(
        err,
        Error::Api(_) | Error::Login(_) | Error::Incomplete(_) | Error::OutcomeUnknown(_)
    )
    .then(|| warnings(&err.warnings()));
    let (inner, partial) = match err {
        Error::Incomplete(incomplete) => {
            let Incomplete {
                applied,
                rejected,
                unknown,
                not_applied,
                warnings: _,
                error,
            } = *incomplete;
            let partial = vec![
                ("applied", any(py, applied)),
                ("not_applied", any(py, not_applied)),
                ("unknown", any(py, unknown)),
                ("rejected", any(py, rejected_map(&rejected))),
                ("rejected_unnamed", any(py, rejected_unnamed(&rejected))),
            ];
            (error, Some(partial))
        }
        other => (other, None),
    };
    let (name, mut fields, cause) = describe(py, inner);
    fields.push(("outcome_unknown", any(py, outcome_unknown)));
    fields.push(("retry_after", any(py, retry_after)));
    fields.retain(|(k, _)| *k != "warnings");
    fields.push(("warnings", any(py, call_warnings)));
    match partial {
        Some(partial) => fields.extend(partial),
        None => {
            for key in [
                "applied",
                "not_applied",
                "unknown",
                "rejected",
                "rejected_unnamed",
            ] {
                fields.push((key, py.None()));
            }
        }
    }
    let exception = raise(py, name, message, fields);
    if let Some(cause) = cause {
        exception.set_cause(py, Some(cause));
    }
    exception
}

/// The exception class, fields and cause (for an outcome unknown: the
/// exception its cause maps to) of an error that is not incomplete.
fn describe(py: Python<'_>, err: Error) -> (&'static str, Fields, Option<PyErr>) {
    // The class and the name come from mw-core's one table; only the
    // attributes particular to each stage are set here.
    let row = err.code();
    let mut class = row.python_class.unwrap_or("MwError");
    let mut fields: Fields = vec![("kind", any(py, row.name))];
    let transport = |status: Option<u16>| {
        vec![
            ("stage", any(py, row.name)),
            ("http_status", any(py, status)),
        ]
    };
    let mut cause = None;
    match err {
        Error::InvalidInput(e) => fields.push(("field", any(py, e.field))),
        Error::Api(e) => fields.extend([
            ("code", any(py, &e.code)),
            ("info", any(py, &e.text)),
            ("module", any(py, &e.module)),
            ("http_status", any(py, e.http_status)),
            ("errors", any(py, warnings(&e.errors))),
            ("warnings", any(py, warnings(&e.warnings))),
        ]),
        Error::Login(e) => fields.extend([
            ("needs_new_password", any(py, e.needs_new_password())),
            ("result", any(py, e.result)),
            ("reason", any(py, e.reason)),
            ("code", any(py, e.code)),
        ]),
        Error::Decode {
            status, snippet, ..
        } => fields.extend([
            ("snippet", any(py, snippet)),
            ("http_status", any(py, status)),
        ]),
        Error::Http { status, .. } | Error::Redirected { status, .. } => {
            fields.extend(transport(Some(status)))
        }
        Error::Tls { failure, .. } => {
            fields.extend(transport(None));
            fields.push(("reason", any(py, failure.to_string())));
        }
        Error::OutcomeUnknown(unknown) => {
            let status = match &unknown.cause {
                Error::Http { status, .. } | Error::Decode { status, .. } => Some(*status),
                _ => None,
            };
            if unknown.timed_out() {
                // A write that timed out is a TimeoutError too.
                class = "TransportTimeoutError";
            }
            fields.extend(transport(status));
            cause = Some(to_py(py, unknown.cause));
        }
        // Only an options change is incomplete, and never twice over.
        Error::Incomplete(incomplete) => return describe(py, incomplete.error),
        Error::SessionChanged { .. } => {}
        _ => fields.extend(transport(None)),
    }
    (class, fields, cause)
}

/// Options the wiki dropped, by name, each with its warning.
fn rejected_map(rejected: &[RejectedOption]) -> BTreeMap<String, ApiWarning> {
    rejected
        .iter()
        .filter_map(|r| Some((r.name.clone()?, ApiWarning::from(&r.message))))
        .collect()
}

/// The dropped-option warnings that name none of the options sent.
fn rejected_unnamed(rejected: &[RejectedOption]) -> Vec<ApiWarning> {
    rejected
        .iter()
        .filter(|r| r.name.is_none())
        .map(|r| ApiWarning::from(&r.message))
        .collect()
}

/// Issues each server warning with `warnings.warn(..., MediaWikiWarning)`,
/// for calls whose result has no place for them.
fn warn_all(py: Python<'_>, messages: &[Message]) -> PyResult<()> {
    if messages.is_empty() {
        return Ok(());
    }
    let category = exception(py, "MediaWikiWarning")?;
    let warn = py.import("warnings")?.getattr("warn")?;
    for m in messages {
        let text = match &m.module {
            Some(module) => format!("{} ({module}): {}", m.code, m.text),
            None => format!("{}: {}", m.code, m.text),
        };
        warn.call1((text, category, 2))?;
    }
    Ok(())
}

// ---- conversions -------------------------------------------------------------

fn json_to_py(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => any(py, *b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => any(py, i),
            (_, Some(u), _) => any(py, u),
            (_, _, f) => any(py, f.unwrap_or(f64::NAN)),
        },
        Value::String(s) => any(py, s),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// `(name, value-or-None)` pairs from any mapping with `items()`.
fn mapping_items(changes: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Option<String>)>> {
    let items = changes.call_method0("items").map_err(|_| {
        PyTypeError::new_err("changes must be a mapping of option names to str or None")
    })?;
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        let name: String = name.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "option names must be str, not {}",
                type_name(&name)
            ))
        })?;
        let value: Option<String> = if value.is_none() {
            None
        } else {
            Some(value.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "the value of {name:?} must be str or None, not {}",
                    type_name(&value)
                ))
            })?)
        };
        out.push((name, value));
    }
    Ok(out)
}

/// Request parameters: str keys; str or int values.
fn request_params(params: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let items = params
        .call_method0("items")
        .map_err(|_| PyTypeError::new_err("params must be a mapping of str to str or int"))?;
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        let key: String = key.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "parameter names must be str, not {}",
                type_name(&key)
            ))
        })?;
        let value = if value.is_instance_of::<PyBool>() {
            return Err(PyTypeError::new_err(format!(
                "parameter {key:?}: MediaWiki reads any value of a flag as true; pass \"1\" or leave it out"
            )));
        } else if value.is_instance_of::<PyString>() {
            value.extract::<String>()?
        } else if let Ok(i) = value.extract::<i64>() {
            i.to_string()
        } else {
            return Err(PyTypeError::new_err(format!(
                "parameter {key:?} must be str or int, not {}",
                type_name(&value)
            )));
        };
        out.push((key, value));
    }
    Ok(out)
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

// ---- the sessions ----------------------------------------------------------------

/// Seconds as a duration, or the error saying what is wrong.
fn seconds(py: Python<'_>, field: &str, value: f64) -> PyResult<Duration> {
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
fn finish<R, T>(
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
fn logged_in(py: Python<'_>, info: LoginInfo) -> PyResult<String> {
    warn_all(py, &info.warnings)?;
    Ok(info.account.name)
}

/// A write's warnings, returned (never issued through a warnings filter).
fn returned(_py: Python<'_>, messages: Vec<Message>) -> PyResult<Vec<ApiWarning>> {
    Ok(warnings(&messages))
}

/// An options change's answer.
fn options_changed(_py: Python<'_>, done: OptionsChanged) -> PyResult<OptionsResult> {
    Ok(OptionsResult::from(&done))
}

/// The end of a `with` or `async with` block: the logout's error is raised
/// only when the block itself raised nothing; its warnings are issued as
/// ``MediaWikiWarning``, and one that a filter turns into an error is
/// reported as unraisable, never raised over the logout.
fn exited(py: Python<'_>, closed: Result<Vec<Message>, Error>, raised: bool) -> PyResult<bool> {
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
fn by_name<V>(
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
fn with_token(py: Python<'_>, token: Option<&str>) -> PyResult<bool> {
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
fn pairs(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// What `Session` methods return: the answer itself.
type Blocking<T> = T;

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
fn check_now<T>(
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

/// A session with one wiki: its cookies, its csrf token, its login. Safe to
/// share between threads; every network call releases the GIL.
///
/// ``Session(api_url, user_agent, *, timeout=None, read_timeout=None,
/// connect_timeout=None, maxlag=5, retries=3, max_wait=None,
/// max_response_bytes=16777216, allow_insecure_credentials=False,
/// ca_file=None)``.
///
/// The defaults are the Rust client's and the C library's (``mwkit.DEFAULTS``
/// lists them): ``timeout`` bounds each request as a whole (120 s),
/// ``read_timeout`` each wait for the answer's headers and body (60 s),
/// ``connect_timeout`` the connection (10 s), in seconds; ``maxlag``
/// (seconds, or None) goes with every request; ``retries`` is how often one
/// call may wait and send again when the wiki says it did not act (maxlag,
/// readonly; for a read also HTTP 429 and 503), never waiting longer than
/// ``max_wait`` (60 s) at once; answers over ``max_response_bytes`` are not
/// read. Used as a context manager, it logs out on exit.
///
/// HTTPS: the wiki's certificate is verified against the system's trust
/// store (``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` honoured), or, with
/// ``ca_file`` (a path or ``os.PathLike``), against the CA bundle (PEM) in
/// that file instead, as ``requests``' ``verify=path`` does; a file that
/// cannot be read or holds no certificate raises :class:`InvalidInputError`
/// here. A failed handshake raises :class:`TlsError` (nothing was sent).
/// There is no way to turn verification off.
///
/// Ctrl-C interrupts any call within a fraction of a second, whatever the
/// timeouts: the call is abandoned and the session stays usable. A write
/// whose request was already on its way may or may not have been carried
/// out; mwkit never sends it again and logs a WARNING saying so. An
/// interrupted ``set_options`` (or ``reset_options``) puts the names on the
/// ``KeyboardInterrupt`` itself, as attributes named as an incomplete
/// change's: ``applied``, ``unknown`` (the request on its way),
/// ``not_applied`` (never sent), ``rejected`` and ``rejected_unnamed``. In a
/// process forked from the one that made it, a session opens connections
/// of its own (its login and cookies kept), unless a call of it was in
/// progress at the fork: then it raises :class:`RuntimeError`.
#[pyclass(frozen, module = "mwkit")]
struct Session {
    /// mw-ureq's client: its engine makes every decision, its loop drives
    /// every call.
    client: mw_ureq::Client,
    /// The process the client's connections belong to.
    pid: Mutex<u32>,
    /// Calls in progress. Inherited by a forked process whose threads
    /// running them are gone: that process cannot use the session.
    calls: AtomicUsize,
    /// The API URL (never changes).
    api_url: String,
    /// The `otp` callables' exceptions, and who is asking one.
    otp: Otp,
}

impl Session {
    fn build(settings: ClientSettings) -> Result<Self, Error> {
        let client = mw_ureq::ClientBuilder::from(settings).build()?;
        Ok(Session {
            api_url: client.api_url(),
            otp: Otp::new(),
            client,
            pid: Mutex::new(std::process::id()),
            calls: AtomicUsize::new(0),
        })
    }

    fn account_name(&self) -> Option<String> {
        self.client.account().map(|a| a.name)
    }

    /// An `otp` callable runs on the thread of the call that asked.
    fn otp_runtime(&self) -> PyResult<Option<&'static Runtime>> {
        Ok(None)
    }

    /// In a forked process, new connections (never the parent's) and a new
    /// OAuth 1.0a nonce seed, unless a call was in progress at the fork (its
    /// thread is gone, and what it held in the engine, a token fetch or a
    /// login, would never be given back).
    fn own_process(&self, py: Python<'_>) -> PyResult<()> {
        let pid = std::process::id();
        let mut owner = self.pid.lock().unwrap_or_else(PoisonError::into_inner);
        if *owner != pid {
            if self.calls.load(Ordering::SeqCst) > 0 {
                return Err(PyRuntimeError::new_err(format!(
                    "this mwkit.Session was in use by another thread of process {} when it \
                     forked, and cannot be used in process {pid}; make a new Session here",
                    *owner
                )));
            }
            self.client.renew_transport().map_err(|e| to_py(py, e))?;
            *owner = pid;
        }
        Ok(())
    }

    /// Runs one call on mw-ureq's client: the engine's `start`, then its
    /// steps, with the GIL released. Its events become records on the
    /// `mwkit` logger, made on this thread. On Python's main thread the
    /// client checks for signals at least every 50 ms while it waits (for an
    /// answer, a delay the wiki asked for, another call): an exception from
    /// a signal handler (Ctrl-C's `KeyboardInterrupt`) stops the call, and is
    /// raised: nothing of it is sent again, and an answer that comes later is
    /// dropped.
    fn run<T: CallOutput + Send>(
        &self,
        py: Python<'_>,
        name: &'static str,
        start: impl FnOnce(&mut mw_core::Session) -> Result<EngineCall<T>, Error> + Send,
    ) -> PyResult<Result<T, Error>> {
        self.otp.not_asking()?;
        self.own_process(py)?;
        let watch = Watch::new(py, name)?;
        self.calls.fetch_add(1, Ordering::SeqCst);
        let _counted = Counted(&self.calls);
        let raised = Mutex::new(None);
        let outcome = py.detach(|| {
            let check = || match watch.check_signals() {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    *raised.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                    ControlFlow::Break(())
                }
            };
            let interrupt: Option<&dyn mw_ureq::Interrupt> = watch.main.then_some(&check);
            self.client
                .call(start, interrupt, Some(&|e: &CallEvent| watch.event(e)))
        });
        let result = match outcome {
            Ok(result) => result,
            Err(stop) => {
                let raised = raised.into_inner().unwrap_or_else(PoisonError::into_inner);
                // Only a signal handler's exception stops a call.
                let raised = raised.unwrap_or_else(|| PyRuntimeError::new_err("call stopped"));
                return Err(stopped(py, &watch, stop, raised));
            }
        };
        // A login that failed because its `otp` callable raised raises that.
        match (&result, self.otp.take_raised()) {
            (Err(_), Some(raised)) => Err(raised),
            _ => Ok(result),
        }
    }
}

/// Counts a call in progress while it lives.
struct Counted<'a>(&'a AtomicUsize);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An interrupted call, given up by the client: a write that was on its way
/// (other than a login's, whose outcome nothing depends on) is logged as a
/// WARNING, and noted on the exception (Python 3.11 and later); an
/// interrupted change of options puts its names on the exception.
fn stopped(py: Python<'_>, watch: &Watch, stop: mw_ureq::Stopped, raised: PyErr) -> PyErr {
    if let Some(progress) = stop.options_progress {
        attach_progress(py, &raised, progress);
    }
    if stop.write_in_flight {
        let kind = type_name(raised.value(py).as_any());
        log_now(
            py,
            LEVEL_WARNING,
            "%s: interrupted (%s) while its request was on its way: the wiki may or may not \
             have carried it out; its outcome is unknown, and mwkit does not send it again",
            (watch.name, &kind),
        );
        let note = format!(
            "mwkit: {} was interrupted while its request was on its way; its outcome is \
             unknown, and mwkit does not send it again",
            watch.name
        );
        let value = raised.value(py);
        if value.hasattr(intern!(py, "add_note")).unwrap_or(false) {
            // A note that cannot be added changes nothing else.
            drop(value.call_method1(intern!(py, "add_note"), (note,)));
        }
    }
    raised
}

/// An interrupted change of options: the names go on the exception the
/// signal handler raised (`KeyboardInterrupt`) as attributes of the same
/// names and shapes as an incomplete change's error: `applied`,
/// `not_applied`, `unknown` (the request on its way), `rejected`,
/// `rejected_unnamed`. An exception that takes no attributes is raised
/// without them.
fn attach_progress(py: Python<'_>, stop: &PyErr, progress: mw_ureq::mw_core::OptionsProgress) {
    let value = stop.value(py);
    for (name, names) in [
        ("applied", any(py, &progress.applied)),
        ("not_applied", any(py, &progress.not_applied)),
        ("unknown", any(py, &progress.unknown)),
        ("rejected", any(py, rejected_map(&progress.rejected))),
        (
            "rejected_unnamed",
            any(py, rejected_unnamed(&progress.rejected)),
        ),
    ] {
        drop(value.setattr(name, names));
    }
}

session_methods!(Session, run_blocking, Blocking, {
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Logs out; a logout error is raised only when the block itself raised
    /// nothing. The logout's warnings are issued as ``MediaWikiWarning``; one
    /// that a warnings filter turns into an error goes to
    /// :func:`sys.unraisablehook` instead of being raised.
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let closed = self.run(py, "Session.__exit__", |s| Ok(s.logout()))?;
        exited(py, closed, exc_type.is_some())
    }
});

// ---- logging -----------------------------------------------------------------------

const LEVEL_DEBUG: i32 = 10;
const LEVEL_INFO: i32 = 20;
const LEVEL_WARNING: i32 = 30;

/// The `mwkit` logger.
fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    LOGGER
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("logging")?
                    .call_method1("getLogger", ("mwkit",))?
                    .unbind(),
            )
        })
        .map(|l| l.bind(py))
}

/// Logs one record on the `mwkit` logger, if it takes that level: `msg`
/// with %-style `args`, as ``logger.log(level, msg, *args)``. A failure to
/// log is reported as unraisable, never raised over the call.
fn log_now<'py>(
    py: Python<'py>,
    level: i32,
    msg: &str,
    args: impl IntoPyObject<'py, Target = PyTuple, Output = Bound<'py, PyTuple>>,
) {
    let logged = logger(py).and_then(|logger| {
        if logger
            .call_method1(intern!(py, "isEnabledFor"), (level,))?
            .is_truthy()?
        {
            let args = args.into_pyobject(py).map_err(Into::into)?;
            let mut all = vec![any(py, level), any(py, msg)];
            all.extend(args.iter().map(Bound::unbind));
            logger.call_method1(intern!(py, "log"), PyTuple::new(py, all)?)?;
        }
        Ok(())
    });
    if let Err(e) = logged {
        e.write_unraisable(py, None);
    }
}

/// A WARNING for a call that ended with its outcome unknown (a write that
/// may have been carried out without an answer saying so).
fn log_outcome_unknown(py: Python<'_>, name: &str, err: &Error) {
    let cause = match err {
        Error::OutcomeUnknown(u) => describe_cause(&u.cause),
        Error::Incomplete(i) => match &i.error {
            Error::OutcomeUnknown(u) => describe_cause(&u.cause),
            other => describe_cause(other),
        },
        other => describe_cause(other),
    };
    log_now(
        py,
        LEVEL_WARNING,
        "%s: the request may have reached the wiki, but no answer says what it did (%s): its \
         outcome is unknown, and mwkit does not send it again",
        (name, cause),
    );
}

/// The records of an `AsyncSession` call, from what mw-reqwest saw of it:
/// one DEBUG record a request, INFO for a relogin and a wait. Logged in the
/// task that awaited the call, when it ends; names only, never a value.
fn log_events(py: Python<'_>, name: &str, events: &[CallEvent]) {
    for event in events {
        match event {
            // An async relogin's record names no account (as it always has).
            CallEvent::Relogin { .. } => log_event(py, name, &CallEvent::Relogin { account: None }),
            _ => log_event(py, name, event),
        }
    }
}

/// The record of one event of a call, as "NAME: EVENT" at the event's
/// level (mw-core's words, as every client logs them); a request sent is
/// not logged (its answer is).
fn log_event(py: Python<'_>, name: &str, event: &CallEvent) {
    let level = match event.level() {
        EventLevel::Trace => return,
        EventLevel::Info => LEVEL_INFO,
        _ => LEVEL_DEBUG,
    };
    log_now(py, level, "%s: %s", (name, event.to_string()));
}

/// An error's kind, and its HTTP status if any: never its text, which may
/// quote an answer.
fn describe_cause(err: &Error) -> String {
    match err {
        Error::Http { status, .. } => format!("HTTP {status}"),
        Error::Decode { status, .. } => format!("{}, HTTP {status}", err.code().name),
        _ => err.code().name.to_owned(),
    }
}

/// What a blocking call logs and checks, fixed when it starts (with the
/// GIL): its name, whether it runs on Python's main
/// thread (the only one that runs signal handlers), and the levels the
/// `mwkit` logger takes, so that a call takes the GIL only for records that
/// will be kept.
struct Watch {
    name: &'static str,
    main: bool,
    levels: [bool; 3],
}

impl Watch {
    fn new(py: Python<'_>, name: &'static str) -> PyResult<Self> {
        static MAIN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        static IDENT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let main_thread = MAIN.import(py, "threading", "main_thread")?.call0()?;
        let ident = IDENT.import(py, "threading", "get_ident")?.call0()?;
        let main = main_thread.getattr(intern!(py, "ident"))?.eq(ident)?;
        let logger = logger(py)?;
        let mut levels = [false; 3];
        for (slot, level) in levels
            .iter_mut()
            .zip([LEVEL_DEBUG, LEVEL_INFO, LEVEL_WARNING])
        {
            *slot = logger
                .call_method1(intern!(py, "isEnabledFor"), (level,))?
                .is_truthy()?;
        }
        Ok(Watch { name, main, levels })
    }

    /// The record of one of the call's events (see [`log_event`]), taking
    /// the GIL only when the logger takes its level.
    fn event(&self, event: &CallEvent) {
        let enabled = match event.level() {
            EventLevel::Trace => false,
            EventLevel::Info => self.levels[1],
            _ => self.levels[0],
        };
        if enabled {
            Python::attach(|py| log_event(py, self.name, event));
        }
    }

    /// Runs Python's signal handlers (on the main thread): the exception one
    /// raised, if any.
    fn check_signals(&self) -> PyResult<()> {
        Python::attach(|py| py.check_signals())
    }
}

// ---- two-factor codes -------------------------------------------------------------

/// Where the next session's id comes from (0 is no session).
static SESSION_IDS: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The session whose `otp` callable this thread is running, 0 for
    /// none. The login that asked holds that session's engine meanwhile,
    /// so the session refuses to be used from inside the callable rather
    /// than wait for itself.
    static ASKING: Cell<u64> = const { Cell::new(0) };
}

/// The exception an `otp` callable raised (or the `TypeError` for what it
/// returned), kept for the call whose login asked it: that call raises it
/// in place of the `second_factor_required` the engine saw.
struct Raised(Mutex<Option<PyErr>>);

impl Raised {
    fn take(&self) -> Option<PyErr> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    fn put(&self, err: PyErr) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(err);
    }
}

/// What a session keeps for the `otp` arguments of its logins.
struct Otp {
    id: u64,
    raised: Arc<Raised>,
}

impl Otp {
    fn new() -> Self {
        Otp {
            id: SESSION_IDS.fetch_add(1, Ordering::Relaxed),
            raised: Arc::new(Raised(Mutex::new(None))),
        }
    }

    /// Refuses a use of the session from inside its own `otp` callable.
    fn not_asking(&self) -> PyResult<()> {
        if ASKING.get() != self.id {
            return Ok(());
        }
        Err(PyRuntimeError::new_err(
            "this mwkit session is logging in and waits for its otp callable: the callable \
             cannot use the session (it can use another one)",
        ))
    }

    /// The raised exception of a login of this session, if one is kept.
    fn take_raised(&self) -> Option<PyErr> {
        self.raised.take()
    }

    /// The second factor an `otp` argument gives: none, a code, or a
    /// callable asked only when the wiki asks. On `runtime` (an async
    /// session's), the callable is never called once the interpreter is
    /// exiting.
    fn second_factor(
        &self,
        otp: Option<&Bound<'_, PyAny>>,
        runtime: Option<&'static Runtime>,
    ) -> PyResult<Option<SecondFactor>> {
        let Some(otp) = otp.filter(|o| !o.is_none()) else {
            return Ok(None);
        };
        // An exception kept from an earlier login is no longer anyone's.
        drop(self.take_raised());
        if otp.is_instance_of::<PyString>() {
            return Ok(Some(SecondFactor::code(mw_core::Password::new(
                otp.extract::<String>()?,
            ))));
        }
        if !otp.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "otp must be a str, a callable returning one, or None, not {}",
                type_name(otp)
            )));
        }
        let (callable, raised, id) = (otp.clone().unbind(), Arc::clone(&self.raised), self.id);
        Ok(Some(SecondFactor::ask(move || {
            let alive = runtime.map(|r| {
                r.python_alive
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
            });
            if alive.as_deref() == Some(&false) {
                return None;
            }
            Python::attach(|py| {
                let before = ASKING.replace(id);
                let answer = callable.bind(py).call0().and_then(|code| otp_code(&code));
                ASKING.set(before);
                answer.unwrap_or_else(|err| {
                    raised.put(err);
                    None
                })
            })
        })))
    }
}

/// The code an `otp` callable returned: a str, or None for none.
fn otp_code(code: &Bound<'_, PyAny>) -> PyResult<Option<mw_core::Password>> {
    if code.is_none() {
        return Ok(None);
    }
    if code.is_instance_of::<PyString>() {
        return Ok(Some(mw_core::Password::new(code.extract::<String>()?)));
    }
    Err(PyTypeError::new_err(format!(
        "the otp callable must return the code as a str (or None for no code), not {}",
        type_name(code)
    )))
}

// ---- the async session -----------------------------------------------------------

/// A session with one wiki for asyncio: the constructor, methods,
/// exceptions and warnings of :class:`Session`, every method that talks to
/// the wiki a coroutine. The calls run on a tokio runtime of mwkit's own,
/// without the GIL, so the event loop is never blocked; any number may be
/// in flight at once on one session (they share its login and csrf token).
///
/// ``AsyncSession(api_url, user_agent, *, timeout=None, read_timeout=None,
/// connect_timeout=None, maxlag=5, retries=3, max_wait=None,
/// max_response_bytes=16777216, allow_insecure_credentials=False,
/// ca_file=None)``, the same settings and defaults as :class:`Session`.
///
/// A call starts when it is awaited, but its input is checked at the
/// call, as :class:`Session` checks it: bad input raises
/// :class:`InvalidInputError` (a wrong type ``TypeError``) from the method
/// itself, before any coroutine is returned or anything sent.
///
/// A call whose task is cancelled (``asyncio.wait_for``, ``task.cancel()``)
/// is abandoned and the session stays usable; a write already on its way
/// may or may not have been carried out, as after a dropped connection.
/// Used as an async context manager (``async with``), it logs out on exit.
///
/// The ``otp`` callable of :meth:`client_login` is called on one of
/// mwkit's threads, not the event loop's: it must return the code without
/// waiting for the loop.
///
/// In a process forked from the one that made it, an ``AsyncSession``
/// raises :class:`RuntimeError`: its connections and their tasks belong to
/// the parent. A new ``AsyncSession`` works in any process.
#[pyclass(frozen, module = "mwkit")]
struct AsyncSession {
    client: mw_reqwest::Client,
    /// The process that made it: the only one it works in.
    pid: u32,
    /// An engine made from the client's settings that never sends: a
    /// method starts its call here first, so the engine's checks of its
    /// input (which need no state of the session) raise at the method
    /// call. The client's own engine would run them only once the
    /// coroutine is awaited.
    checker: Mutex<mw_core::Session>,
    /// The API URL (never changes).
    api_url: String,
    /// The `otp` callables' exceptions, and who is asking one.
    otp: Otp,
}

impl AsyncSession {
    fn build(settings: ClientSettings) -> Result<Self, Error> {
        let checker = Mutex::new(settings.session()?);
        let client = mw_reqwest::ClientBuilder::from(settings).build()?;
        Ok(AsyncSession {
            api_url: client.api_url(),
            otp: Otp::new(),
            client,
            pid: std::process::id(),
            checker,
        })
    }

    fn account_name(&self) -> Option<String> {
        self.client.account().map(|a| a.name)
    }

    /// An `otp` callable runs on mwkit's runtime, on the thread of the
    /// task whose login asked (never once the interpreter is exiting).
    fn otp_runtime(&self) -> PyResult<Option<&'static Runtime>> {
        runtime().map(Some)
    }

    /// Refuses to run in a process forked from the one that made it: the
    /// client's pooled connections and their tasks are the parent's.
    fn same_process(&self) -> PyResult<()> {
        let pid = std::process::id();
        if pid == self.pid {
            return Ok(());
        }
        Err(PyRuntimeError::new_err(format!(
            "this mwkit.AsyncSession was made in process {}, and cannot be used in process \
             {pid}, forked from it (its connections belong to the parent); make a new \
             AsyncSession here",
            self.pid
        )))
    }
}

/// Logs out if logged in.
async fn close_async(client: &mw_reqwest::Client) -> Result<Vec<Message>, Error> {
    match client.account() {
        Some(_) => client.logout().await,
        None => Ok(Vec::new()),
    }
}

session_methods!(AsyncSession, run_async, Awaitable, {
    fn __aenter__(slf: Bound<'_, Self>) -> PyResult<Awaitable<Py<Self>>> {
        slf.get().same_process()?;
        Awaitable::ready(slf.py(), slf.clone().unbind())
    }

    /// Logs out, as :meth:`Session.__exit__` does.
    fn __aexit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Awaitable<bool>> {
        let raised = exc_type.is_some();
        run_async!(
            self,
            py,
            "__aexit__",
            |c| async move { Ok::<_, Error>(close_async(c).await) },
            move |py, closed| exited(py, closed, raised)
        )
    }
});

/// A boxed call of the async client, ending in its [`Finish`].
type Started = Pin<Box<dyn Future<Output = Finish> + Send>>;

/// The converter of an answer to its Python value, run in the awaiting task.
type Converter = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// The coroutine an `AsyncSession` method returns, resolving to a `T`.
struct Awaitable<T> {
    coroutine: Py<PyAny>,
    answer: PhantomData<fn() -> T>,
}

impl<'py, T> IntoPyObject<'py> for Awaitable<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Infallible> {
        Ok(self.coroutine.into_bound(py))
    }
}

/// A helper coroutine of `mwkit._aio`.
fn aio<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyAny>> {
    cell.import(py, "mwkit._aio", name)
}

impl<T> Awaitable<T> {
    /// The coroutine `mwkit._aio.run(call)`: awaited, it starts `call` on
    /// the tokio runtime (not before: no event loop need run when the
    /// method is called), waits for it without blocking the loop, and
    /// converts its result with `done` in the awaiting task, where the
    /// exceptions are raised and a read's warnings issued. Cancelling the
    /// task cancels the future, which aborts the call's tokio task and so
    /// drops the Rust future: the client abandons the call.
    fn new<R, D>(
        py: Python<'_>,
        name: &'static str,
        call: impl Future<Output = Result<R, Error>> + Send + 'static,
        raised: Arc<Raised>,
        done: D,
    ) -> PyResult<Self>
    where
        R: Send + 'static,
        D: FnOnce(Python<'_>, R) -> PyResult<T> + Send + 'static,
        T: for<'py> IntoPyObject<'py>,
    {
        static RUN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let started: Started = Box::pin(async move {
            // What the call did, logged in the awaiting task when it ends.
            let (result, events) = mw_reqwest::observe::observed(call).await;
            Finish::new(move |py| {
                log_events(py, name, &events);
                // A login that failed because its `otp` callable raised
                // raises that.
                if result.is_err() {
                    if let Some(raised) = raised.take() {
                        return Err(raised);
                    }
                }
                finish(py, name, result, done)?.into_py_any(py)
            })
        });
        let call = Call {
            started: Mutex::new(Some(started)),
        };
        let coroutine = aio(py, &RUN, "run")?.call1((call,))?;
        coroutine.setattr(intern!(py, "__qualname__"), name)?;
        Ok(Awaitable {
            coroutine: coroutine.unbind(),
            answer: PhantomData,
        })
    }

    /// The coroutine `mwkit._aio.ready(value)`, which returns `value`.
    fn ready(py: Python<'_>, value: T) -> PyResult<Self>
    where
        T: for<'py> IntoPyObject<'py>,
    {
        static READY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let coroutine = aio(py, &READY, "ready")?.call1((value,))?;
        Ok(Awaitable {
            coroutine: coroutine.unbind(),
            answer: PhantomData,
        })
    }
}

/// One call of an `AsyncSession`, not yet started. For `mwkit._aio.run`.
#[pyclass(frozen, module = "mwkit._native", name = "_Call")]
struct Call {
    started: Mutex<Option<Started>>,
}

#[pymethods]
impl Call {
    /// Spawns the call on mwkit's tokio runtime; returns a future of the
    /// running event loop that resolves to a `_Finish`. Cancelling that
    /// future aborts the task, which drops the call.
    fn start<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let event_loop = GET_RUNNING_LOOP
            .import(py, "asyncio", "get_running_loop")?
            .call0()?;
        let started = self
            .started
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("this call was already awaited"))?;
        let future = event_loop.call_method0(intern!(py, "create_future"))?;
        let (to_loop, to_future) = (event_loop.unbind(), future.clone().unbind());
        let runtime = runtime()?;
        let task = runtime.tokio.spawn(async move {
            let finish = started.await;
            // Off the async workers: taking the GIL may take a while.
            tokio::task::spawn_blocking(move || resolve(runtime, to_loop, to_future, finish));
        });
        future.call_method1(
            intern!(py, "add_done_callback"),
            (Abort {
                task: task.abort_handle(),
            },),
        )?;
        Ok(future)
    }
}

/// mwkit's tokio runtime in one process, and the flag its threads check
/// before taking the GIL.
struct Runtime {
    pid: u32,
    tokio: tokio::runtime::Runtime,
    /// Whether the runtime's threads may still take the GIL: true until the
    /// interpreter exits (`_at_exit`, an `atexit` hook, sets it false). A
    /// thread holds the read lock while it is in Python, so the interpreter
    /// never finalizes under a thread that would take the GIL again (a
    /// fatal error); calls that finish later are dropped unseen.
    python_alive: RwLock<bool>,
}

/// The runtime of this process, if one was started. Only ever locked with
/// the GIL held, so no thread holds it when the process forks.
static RUNTIME: Mutex<Option<&'static Runtime>> = Mutex::new(None);

/// mwkit's tokio runtime, started by the first async call in each process.
/// A forked process inherits the parent's runtime without its threads:
/// it starts one of its own, and the parent's is left alone (never used,
/// never dropped: dropping it would wait for threads that are not there).
fn runtime() -> PyResult<&'static Runtime> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(runtime) = *slot {
        if runtime.pid == pid {
            return Ok(runtime);
        }
    }
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .thread_name("mwkit-tokio")
        .enable_all()
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("mwkit could not start its runtime: {e}")))?;
    let runtime: &'static Runtime = Box::leak(Box::new(Runtime {
        pid,
        tokio,
        python_alive: RwLock::new(true),
    }));
    *slot = Some(runtime);
    Ok(runtime)
}

/// Hands a finished call to its future, on the future's event loop (unless
/// the future was cancelled meanwhile, or the loop is closed).
fn resolve(runtime: &Runtime, event_loop: Py<PyAny>, future: Py<PyAny>, finish: Finish) {
    let alive = runtime
        .python_alive
        .read()
        .unwrap_or_else(PoisonError::into_inner);
    if !*alive {
        return;
    }
    Python::attach(move |py| {
        static SET_RESULT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let handed = aio(py, &SET_RESULT, "set_result").and_then(|set_result| {
            event_loop.call_method1(
                py,
                intern!(py, "call_soon_threadsafe"),
                (set_result, future, finish),
            )
        });
        // A loop closed before its call finished: nobody waits for it.
        drop(handed);
    });
    drop(alive);
}

/// The done callback of a call's future: aborts the call's task when the
/// future was cancelled.
#[pyclass(frozen, module = "mwkit._native", name = "_Abort")]
struct Abort {
    task: tokio::task::AbortHandle,
}

#[pymethods]
impl Abort {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future
            .call_method0(intern!(future.py(), "cancelled"))?
            .is_truthy()?
        {
            self.task.abort();
        }
        Ok(())
    }
}

/// A finished call of an `AsyncSession`, its answer not yet converted.
#[pyclass(frozen, module = "mwkit._native", name = "_Finish")]
struct Finish {
    convert: Mutex<Option<Converter>>,
}

impl Finish {
    fn new(convert: impl FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send + 'static) -> Self {
        Finish {
            convert: Mutex::new(Some(Box::new(convert))),
        }
    }
}

#[pymethods]
impl Finish {
    /// The call's answer as its Python value, or its exception raised.
    fn result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let convert = self
            .convert
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("this result was already taken"))?;
        convert(py)
    }
}

fn invalid(py: Python<'_>, field: &str, reason: &str) -> PyErr {
    to_py(
        py,
        Error::InvalidInput(mw_core::InvalidInput::new(field, reason)),
    )
}

/// Native part of mwkit; import `mwkit`, not this module.
#[pymodule]
mod _native {
    #[pymodule_export]
    use super::{ApiWarning, AsyncSession, EmailResult, OptionsResult, Session};

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("DEFAULTS", super::defaults(m.py())?)?;
        m.add("ERROR_CODES", super::error_codes(m.py())?)?;
        m.py()
            .import("atexit")?
            .call_method1("register", (m.getattr("_at_exit")?,))?;
        Ok(())
    }

    /// Stops AsyncSession's runtime threads from entering Python: run by
    /// :mod:`atexit`, before the interpreter finalizes. Not part of the API.
    #[pyfunction]
    fn _at_exit(py: Python<'_>) {
        let runtime = *super::RUNTIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Only this process's runtime: a parent's (before a fork) has no
        // thread here, and its lock may have been held by one at the fork.
        if let Some(runtime) = runtime.filter(|r| r.pid == std::process::id()) {
            // Without the GIL while waiting: a thread in Python finishes first.
            py.detach(|| {
                *runtime
                    .python_alive
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = false;
            });
        }
    }

    /// The exception mwkit raises for one row of ``ERROR_CODES`` (an
    /// example error of that row, translated as any other). For the test
    /// that walks the table; not part of the API.
    #[pyfunction]
    fn _example_error(py: Python<'_>, name: &str) -> Option<PyErr> {
        let row = mw_ureq::mw_core::ErrorCode::by_name(name)?;
        Some(super::to_py(py, row.example()?))
    }
}

/// The client's defaults, in Python's units (seconds as floats).
fn defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("timeout", mw_ureq::DEFAULT_TIMEOUT.as_secs_f64())?;
    d.set_item("read_timeout", mw_ureq::DEFAULT_READ_TIMEOUT.as_secs_f64())?;
    d.set_item(
        "connect_timeout",
        mw_ureq::DEFAULT_CONNECT_TIMEOUT.as_secs_f64(),
    )?;
    d.set_item("maxlag", mw_ureq::DEFAULT_MAXLAG)?;
    d.set_item("retries", mw_ureq::DEFAULT_RETRIES)?;
    d.set_item("max_wait", mw_ureq::DEFAULT_MAX_WAIT.as_secs_f64())?;
    d.set_item("max_response_bytes", mw_ureq::DEFAULT_MAX_RESPONSE_BYTES)?;
    Ok(d)
}

/// mw-core's table of error codes, one tuple per row: ``(name, c_value,
/// c_name, python_class, stage, outcome_unknown)``.
fn error_codes(py: Python<'_>) -> PyResult<Bound<'_, PyTuple>> {
    let rows: Vec<_> = mw_ureq::mw_core::ERROR_CODES
        .iter()
        .map(|r| {
            (
                r.name,
                r.c_value,
                r.c_name,
                r.python_class,
                r.stage,
                r.outcome_unknown,
            )
        })
        .collect();
    PyTuple::new(py, rows)
}
