//! The Python values of a call's answers (warnings, an email's result, an
//! options change's), and the conversions of arguments and answers between
//! Python and Rust.

use super::*;

/// A warning or error message from the wiki: ``code``, ``text`` and
/// ``module`` (``None`` when the server did not say).
#[pyclass(frozen, get_all, module = "mwkit")]
#[derive(Clone)]
pub(crate) struct ApiWarning {
    code: String,
    text: String,
    module: Option<String>,
}

#[pymethods]
impl ApiWarning {
    pub(crate) fn __repr__(&self) -> String {
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

pub(crate) fn warnings(messages: &[Message]) -> Vec<ApiWarning> {
    messages.iter().map(ApiWarning::from).collect()
}

/// The outcome of :meth:`Session.email_user`: ``result`` is ``"Success"`` or
/// ``"Warnings"``; ``warnings`` lists every warning.
#[pyclass(frozen, get_all, module = "mwkit")]
pub(crate) struct EmailResult {
    pub(crate) result: String,
    pub(crate) warnings: Vec<ApiWarning>,
}

#[pymethods]
impl EmailResult {
    pub(crate) fn __repr__(&self) -> String {
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
pub(crate) struct OptionsResult {
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
    pub(crate) fn __repr__(&self) -> String {
        format!(
            "OptionsResult(warnings={}, rejected={:?})",
            self.warnings.len(),
            self.rejected.keys().collect::<Vec<_>>()
        )
    }
}

pub(crate) fn json_to_py(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
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
pub(crate) fn mapping_items(changes: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Option<String>)>> {
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
pub(crate) fn request_params(params: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
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

pub(crate) fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}
