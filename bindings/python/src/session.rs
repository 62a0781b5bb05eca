//! The blocking `Session`: calls on mw-ureq's client with the GIL released,
//! Python's signal check as its interrupt, the `mwkit` logger as its
//! observer, and fork handling.

use super::*;

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
pub(crate) struct Session {
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
    pub(crate) fn build(settings: ClientSettings) -> Result<Self, Error> {
        let client = mw_ureq::ClientBuilder::from(settings).build()?;
        Ok(Session {
            api_url: client.api_url(),
            otp: Otp::new(),
            client,
            pid: Mutex::new(std::process::id()),
            calls: AtomicUsize::new(0),
        })
    }

    pub(crate) fn account_name(&self) -> Option<String> {
        self.client.account().map(|a| a.name)
    }

    /// An `otp` callable runs on the thread of the call that asked.
    pub(crate) fn otp_runtime(&self) -> PyResult<Option<&'static Runtime>> {
        Ok(None)
    }

    /// In a forked process, new connections (never the parent's) and a new
    /// OAuth 1.0a nonce seed, unless a call was in progress at the fork (its
    /// thread is gone, and what it held in the engine, a token fetch or a
    /// login, would never be given back).
    pub(crate) fn own_process(&self, py: Python<'_>) -> PyResult<()> {
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
    pub(crate) fn run<T: CallOutput + Send>(
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
            // Wherever the call waits: Ctrl-C gives up an answer on its
            // way too (its outcome then unknown, as the exception says).
            let check = |_: mw_ureq::Waiting| match watch.check_signals() {
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
pub(crate) struct Counted<'a>(&'a AtomicUsize);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An interrupted call, given up by the client: a write that was on its way
/// (other than a login's, whose outcome nothing depends on) is logged as a
/// WARNING, and noted on the exception (Python 3.11 and later); an
/// interrupted change of options puts its names on the exception.
pub(crate) fn stopped(
    py: Python<'_>,
    watch: &Watch,
    stop: mw_ureq::Stopped,
    raised: PyErr,
) -> PyErr {
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
pub(crate) fn attach_progress(
    py: Python<'_>,
    stop: &PyErr,
    progress: mw_ureq::mw_core::OptionsProgress,
) {
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
    pub(crate) fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Logs out; a logout error is raised only when the block itself raised
    /// nothing. The logout's warnings are issued as ``MediaWikiWarning``; one
    /// that a warnings filter turns into an error goes to
    /// :func:`sys.unraisablehook` instead of being raised.
    pub(crate) fn __exit__(
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
