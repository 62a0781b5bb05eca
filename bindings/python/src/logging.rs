//! Records on the `mwkit` logger: the events of a call (mw-core's words), a
//! write whose outcome is unknown, and what a blocking call fixes when it
//! starts (`Watch`).

use super::*;

pub(crate) const LEVEL_DEBUG: i32 = 10;
pub(crate) const LEVEL_INFO: i32 = 20;
pub(crate) const LEVEL_WARNING: i32 = 30;

/// The `mwkit` logger.
pub(crate) fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
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
pub(crate) fn log_now<'py>(
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
pub(crate) fn log_outcome_unknown(py: Python<'_>, name: &str, err: &Error) {
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
pub(crate) fn log_events(py: Python<'_>, name: &str, events: &[CallEvent]) {
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
pub(crate) fn log_event(py: Python<'_>, name: &str, event: &CallEvent) {
    let level = match event.level() {
        EventLevel::Trace => return,
        EventLevel::Info => LEVEL_INFO,
        _ => LEVEL_DEBUG,
    };
    log_now(py, level, "%s: %s", (name, event.to_string()));
}

/// An error's kind, and its HTTP status if any: never its text, which may
/// quote an answer.
pub(crate) fn describe_cause(err: &Error) -> String {
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
pub(crate) struct Watch {
    pub(crate) name: &'static str,
    pub(crate) main: bool,
    levels: [bool; 3],
}

impl Watch {
    pub(crate) fn new(py: Python<'_>, name: &'static str) -> PyResult<Self> {
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
    pub(crate) fn event(&self, event: &CallEvent) {
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
    pub(crate) fn check_signals(&self) -> PyResult<()> {
        Python::attach(|py| py.check_signals())
    }
}
