//! Native module `mwkit._native`, re-exported by the pure-Python `mwkit`
//! package: a translation layer over `mw-ureq`. Arguments become Rust values,
//! the GIL is released around every network call, and Rust errors become
//! the exceptions of `mwkit._exceptions`.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use mw_ureq::mw_core::{self, Message};
use mw_ureq::{
    Client, EmailResult as RustEmailResult, EmailUser, Error, Incomplete, Method, OptionsChange,
    OptionsChanged, RejectedOption, ResetPassword, ResetScope,
};
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::PyTypeError;
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
    const NAMES: [&str; 8] = [
        "MwError",
        "ApiError",
        "LoginError",
        "TransportError",
        "TransportTimeoutError",
        "DecodeError",
        "InvalidInputError",
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
/// None), `warnings` (None unless an API error or an incomplete change) and
/// the four fields of an incomplete options change (`applied`,
/// `not_applied`, `unknown`, `rejected`; None unless it is one).
fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let message = err.to_string();
    let retry_after = err
        .retry_after()
        .map(|r| r.delay_from(SystemTime::now()).as_secs_f64());
    let outcome_unknown = err.outcome_unknown();
    let (inner, partial) = match err {
        Error::Incomplete(incomplete) => {
            let Incomplete {
                applied,
                rejected,
                unknown,
                not_applied,
                warnings: applied_warnings,
                error,
            } = *incomplete;
            let partial = vec![
                ("applied", any(py, applied)),
                ("not_applied", any(py, not_applied)),
                ("unknown", any(py, unknown)),
                ("rejected", any(py, rejected_map(&rejected))),
                ("rejected_unnamed", any(py, rejected_unnamed(&rejected))),
            ];
            (error, Some((partial, applied_warnings)))
        }
        other => (other, None),
    };
    let own_warnings = match &inner {
        Error::Api(e) => e.warnings.clone(),
        _ => Vec::new(),
    };
    let (name, mut fields, cause) = describe(py, inner);
    fields.push(("outcome_unknown", any(py, outcome_unknown)));
    fields.push(("retry_after", any(py, retry_after)));
    match partial {
        Some((partial, applied_warnings)) => {
            // The applied requests' warnings follow the error's own.
            fields.retain(|(k, _)| *k != "warnings");
            let all: Vec<ApiWarning> = own_warnings
                .iter()
                .chain(&applied_warnings)
                .map(ApiWarning::from)
                .collect();
            fields.push(("warnings", any(py, all)));
            fields.extend(partial);
        }
        None => {
            if !fields.iter().any(|(k, _)| *k == "warnings") {
                fields.push(("warnings", py.None()));
            }
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

// ---- the session ---------------------------------------------------------------

/// A session with one wiki: its cookies, its csrf token, its login. Safe to
/// share between threads; every network call releases the GIL.
///
/// ``Session(api_url, user_agent, *, timeout=None, read_timeout=None,
/// connect_timeout=None, maxlag=5, retries=3, max_wait=None,
/// max_response_bytes=16777216, allow_insecure_credentials=False)``.
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
#[pyclass(frozen, module = "mwkit")]
struct Session {
    client: Client,
}

/// Seconds as a duration, or the error saying what is wrong.
fn seconds(py: Python<'_>, field: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| invalid(py, field, "must be a positive number of seconds"))
}

#[pymethods]
impl Session {
    #[new]
    #[pyo3(
        signature = (
            api_url, user_agent, *, timeout = None, read_timeout = None, connect_timeout = None,
            maxlag = Some(mw_ureq::DEFAULT_MAXLAG), retries = mw_ureq::DEFAULT_RETRIES,
            max_wait = None, max_response_bytes = mw_ureq::DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_credentials = false
        ),
        text_signature = "(api_url, user_agent, *, timeout=None, read_timeout=None, connect_timeout=None, maxlag=5, retries=3, max_wait=None, max_response_bytes=16777216, allow_insecure_credentials=False)"
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
    ) -> PyResult<Self> {
        let mut builder = Client::builder(api_url, user_agent)
            .maxlag(maxlag)
            .retries(retries)
            .max_response_bytes(max_response_bytes)
            .allow_insecure_credentials(allow_insecure_credentials);
        if let Some(t) = timeout {
            builder = builder.timeout(seconds(py, "timeout", t)?);
        }
        if let Some(t) = read_timeout {
            builder = builder.read_timeout(seconds(py, "read_timeout", t)?);
        }
        if let Some(t) = connect_timeout {
            builder = builder.connect_timeout(seconds(py, "connect_timeout", t)?);
        }
        if let Some(t) = max_wait {
            builder = builder.max_wait(seconds(py, "max_wait", t)?);
        }
        let client = builder.build().map_err(|e| to_py(py, e))?;
        Ok(Session { client })
    }

    /// The logged-in user's name, or None.
    #[getter]
    fn user(&self) -> Option<String> {
        self.client.account().map(|a| a.name)
    }

    /// The API URL.
    #[getter]
    fn api_url(&self) -> String {
        self.client.api_url()
    }

    /// Logs in with a bot password (``User@appid``); returns the user name.
    /// The wiki's warnings are issued as :class:`MediaWikiWarning` once the
    /// session is logged in: should a warnings filter turn one into an
    /// error, :attr:`user` still names the account.
    fn login(&self, py: Python<'_>, username: &str, password: &str) -> PyResult<String> {
        let password = mw_core::Password::new(password);
        let info = py
            .detach(|| self.client.login(username, password))
            .map_err(|e| to_py(py, e))?;
        warn_all(py, &info.warnings)?;
        Ok(info.account.name)
    }

    /// Logs in with a main account's password (``action=clientlogin``);
    /// ``new_password`` completes a login with a temporary password from a
    /// reset. Returns the user name. Warnings as for :meth:`login` (a new
    /// password given is in force by then).
    #[pyo3(signature = (username, password, *, new_password = None))]
    fn client_login(
        &self,
        py: Python<'_>,
        username: &str,
        password: &str,
        new_password: Option<&str>,
    ) -> PyResult<String> {
        let password = mw_core::Password::new(password);
        let new_password = new_password.map(mw_core::Password::new);
        let info = py
            .detach(|| self.client.client_login(username, password, new_password))
            .map_err(|e| to_py(py, e))?;
        warn_all(py, &info.warnings)?;
        Ok(info.account.name)
    }

    /// Logs out and forgets the session. Returns the wiki's warnings (a
    /// list of :class:`ApiWarning`, usually empty): a logout is a write, so
    /// they are returned, never raised through a warnings filter.
    fn logout(&self, py: Python<'_>) -> PyResult<Vec<ApiWarning>> {
        let messages = py
            .detach(|| self.client.logout())
            .map_err(|e| to_py(py, e))?;
        Ok(warnings(&messages))
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
    ) -> PyResult<EmailResult> {
        let email = EmailUser::new(target, subject, text).cc_me(cc_me);
        let sent = py
            .detach(|| self.client.email_user(&email))
            .map_err(|e| to_py(py, e))?;
        let result = match sent.result {
            RustEmailResult::Success => "Success",
            RustEmailResult::Warnings => "Warnings",
        };
        Ok(EmailResult {
            result: result.to_owned(),
            warnings: warnings(&sent.warnings),
        })
    }

    /// Which users can be emailed: a dict from each name given to a bool
    /// (missing and invalid names map to False).
    fn emailable(&self, py: Python<'_>, names: Vec<String>) -> PyResult<BTreeMap<String, bool>> {
        let report = py
            .detach(|| self.client.emailable(&names))
            .map_err(|e| to_py(py, e))?;
        warn_all(py, &report.warnings)?;
        Ok(report
            .entries
            .into_iter()
            .map(|e| (e.requested, e.status.is_emailable()))
            .collect())
    }

    /// Which users can be emailed, in four states: a dict from each name
    /// given to ``"emailable"``, ``"not_emailable"`` (no address, or email
    /// from users refused), ``"missing"`` (no such user) or ``"invalid"``
    /// (not a valid user name) -- the same names as C's ``mw_emailability``.
    fn emailable_states(
        &self,
        py: Python<'_>,
        names: Vec<String>,
    ) -> PyResult<BTreeMap<String, &'static str>> {
        let report = py
            .detach(|| self.client.emailable(&names))
            .map_err(|e| to_py(py, e))?;
        warn_all(py, &report.warnings)?;
        Ok(report
            .entries
            .into_iter()
            .map(|e| (e.requested, e.status.name()))
            .collect())
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
    ) -> PyResult<Vec<ApiWarning>> {
        let reset = ResetPassword::new(user, email).map_err(|e| to_py(py, e))?;
        let messages = py
            .detach(|| self.client.reset_password(&reset))
            .map_err(|e| to_py(py, e))?;
        Ok(warnings(&messages))
    }

    /// The logged-in user's preferences, every value as str.
    fn get_options(&self, py: Python<'_>) -> PyResult<BTreeMap<String, String>> {
        let read = py
            .detach(|| self.client.options())
            .map_err(|e| to_py(py, e))?;
        warn_all(py, &read.warnings)?;
        Ok(read.options)
    }

    /// Changes preferences: a mapping of names to str values, None resetting
    /// that option to its default. More than 50 options (500 with
    /// ``apihighlimits``) take several requests; when one fails after
    /// another was applied, the exception's ``applied``, ``not_applied``,
    /// ``unknown`` and ``rejected`` say what the wiki did.
    fn set_options(&self, py: Python<'_>, changes: &Bound<'_, PyAny>) -> PyResult<OptionsResult> {
        let mut change = OptionsChange::new();
        for (name, value) in mapping_items(changes)? {
            change = change.change(name, value);
        }
        let done = py
            .detach(|| self.client.change_options(&change))
            .map_err(|e| to_py(py, e))?;
        Ok(OptionsResult::from(&done))
    }

    /// Resets preferences to their defaults: ``("all",)`` or some kinds
    /// (``"registered"``, ``"userjs"``, ...). Returns an
    /// :class:`OptionsResult` holding the wiki's warnings.
    #[pyo3(signature = (kinds = vec!["all".to_owned()]))]
    fn reset_options(&self, py: Python<'_>, kinds: Vec<String>) -> PyResult<OptionsResult> {
        let scope = ResetScope::from_kinds(kinds);
        let done = py
            .detach(|| self.client.reset_options(scope))
            .map_err(|e| to_py(py, e))?;
        Ok(OptionsResult::from(&done))
    }

    /// Any action: ``params`` maps names to str or int values; ``post=True``
    /// sends a POST (a write, never sent twice blindly); ``token="csrf"``
    /// adds the session's csrf token. Returns the answer as a dict.
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
    ) -> PyResult<Py<PyAny>> {
        let params = request_params(params)?;
        let with_token = match token {
            None => false,
            Some("csrf") => true,
            Some(other) => {
                return Err(invalid(
                    py,
                    "token",
                    &format!("{other:?}: only \"csrf\" is supported"),
                ));
            }
        };
        let method = if post { Method::Post } else { Method::Get };
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let reply = py
            .detach(|| self.client.raw(&pairs, method, with_token))
            .map_err(|e| to_py(py, e))?;
        if !post {
            warn_all(py, &reply.warnings)?;
        }
        json_to_py(py, &reply.json)
    }

    /// Logs out if logged in; returns the logout's warnings, as
    /// :meth:`logout` does (an empty list when not logged in).
    fn close(&self, py: Python<'_>) -> PyResult<Vec<ApiWarning>> {
        if self.client.account().is_some() {
            self.logout(py)
        } else {
            Ok(Vec::new())
        }
    }

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
        let closed = if self.client.account().is_some() {
            py.detach(|| self.client.logout()).map_err(|e| to_py(py, e))
        } else {
            Ok(Vec::new())
        };
        match closed {
            // No result carries them here: each is issued as a
            // MediaWikiWarning, and one that a filter turns into an error is
            // reported as unraisable, never raised over the logout.
            Ok(messages) => {
                if let Err(e) = warn_all(py, &messages) {
                    e.write_unraisable(py, None);
                }
            }
            Err(e) if exc_type.is_none() => return Err(e),
            Err(_) => {}
        }
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Session(api_url={:?}, user={:?})",
            self.client.api_url(),
            self.user()
        )
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
    use super::{ApiWarning, EmailResult, OptionsResult, Session};

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("DEFAULTS", super::defaults(m.py())?)?;
        m.add("ERROR_CODES", super::error_codes(m.py())?)
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
