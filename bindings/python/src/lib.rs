//! Native module `mwkit._native`, re-exported by the pure-Python `mwkit`
//! package: a translation layer over `mw-ureq`'s client (`Session`, with
//! Python's signal check as its interrupt, so that Ctrl-C can stop a call)
//! and `mw-reqwest`'s (`AsyncSession`). Arguments become Rust values, the
//! GIL is released around every network call (an async call runs on tokio
//! without it), Rust errors become the exceptions of `mwkit._exceptions`,
//! and what a call does is logged on the `mwkit` logger.
//!
//! One file a concern: `errors`, `results` (and the conversions), `methods`
//! (what both sessions share), `session`, `async_session` (and the asyncio
//! bridge), `logging`, `two_factor`; the module itself here.
#![forbid(unsafe_code)]

#[macro_use]
mod methods;

mod async_session;
mod errors;
mod logging;
mod results;
mod session;
mod two_factor;

use async_session::*;
use errors::*;
use logging::*;
use methods::*;
use results::*;
use session::*;
use two_factor::*;

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
