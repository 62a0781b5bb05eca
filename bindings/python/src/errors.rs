//! Rust errors as the exceptions of `mwkit._exceptions`, and the wiki's
//! warnings as `MediaWikiWarning`s.

use super::*;

pub(crate) fn exception<'py>(
    py: Python<'py>,
    name: &'static str,
) -> PyResult<&'py Bound<'py, PyType>> {
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
pub(crate) type Fields = Vec<(&'static str, Py<PyAny>)>;

pub(crate) fn raise(py: Python<'_>, name: &'static str, message: String, fields: Fields) -> PyErr {
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

pub(crate) fn any<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> Py<PyAny> {
    v.into_py_any(py).unwrap_or_else(|_| py.None())
}

/// Every Rust error becomes an exception of `mwkit._exceptions`. Every
/// exception carries `outcome_unknown`, `retry_after` (seconds from now, or
/// None), `warnings` (every warning the wiki gave for the call, for an API
/// error, a refused login, a write in doubt or an incomplete change; None
/// for a failure of the connection itself) and
/// the four fields of an incomplete options change (`applied`,
/// `not_applied`, `unknown`, `rejected`; None unless it is one).
pub(crate) fn to_py(py: Python<'_>, err: Error) -> PyErr {
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
pub(crate) fn describe(py: Python<'_>, err: Error) -> (&'static str, Fields, Option<PyErr>) {
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
pub(crate) fn rejected_map(rejected: &[RejectedOption]) -> BTreeMap<String, ApiWarning> {
    rejected
        .iter()
        .filter_map(|r| Some((r.name.clone()?, ApiWarning::from(&r.message))))
        .collect()
}

/// The dropped-option warnings that name none of the options sent.
pub(crate) fn rejected_unnamed(rejected: &[RejectedOption]) -> Vec<ApiWarning> {
    rejected
        .iter()
        .filter(|r| r.name.is_none())
        .map(|r| ApiWarning::from(&r.message))
        .collect()
}

/// Issues each server warning with `warnings.warn(..., MediaWikiWarning)`,
/// for calls whose result has no place for them.
pub(crate) fn warn_all(py: Python<'_>, messages: &[Message]) -> PyResult<()> {
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

pub(crate) fn invalid(py: Python<'_>, field: &str, reason: &str) -> PyErr {
    to_py(
        py,
        Error::InvalidInput(mw_core::InvalidInput::new(field, reason)),
    )
}
