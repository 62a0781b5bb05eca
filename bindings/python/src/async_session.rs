//! `AsyncSession` over mw-reqwest, and the bridge to asyncio: the coroutine
//! its methods return, mwkit's tokio runtime, and the hand-over of a
//! finished call to its future.

use super::*;

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
pub(crate) struct AsyncSession {
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
    pub(crate) fn build(settings: ClientSettings) -> Result<Self, Error> {
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

    pub(crate) fn account_name(&self) -> Option<String> {
        self.client.account().map(|a| a.name)
    }

    /// An `otp` callable runs on mwkit's runtime, on the thread of the
    /// task whose login asked (never once the interpreter is exiting).
    pub(crate) fn otp_runtime(&self) -> PyResult<Option<&'static Runtime>> {
        runtime().map(Some)
    }

    /// Refuses to run in a process forked from the one that made it: the
    /// client's pooled connections and their tasks are the parent's.
    pub(crate) fn same_process(&self) -> PyResult<()> {
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
pub(crate) async fn close_async(client: &mw_reqwest::Client) -> Result<Vec<Message>, Error> {
    match client.account() {
        Some(_) => client.logout().await,
        None => Ok(Vec::new()),
    }
}

session_methods!(AsyncSession, run_async, Awaitable, {
    pub(crate) fn __aenter__(slf: Bound<'_, Self>) -> PyResult<Awaitable<Py<Self>>> {
        slf.get().same_process()?;
        Awaitable::ready(slf.py(), slf.clone().unbind())
    }

    /// Logs out, as :meth:`Session.__exit__` does.
    pub(crate) fn __aexit__(
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
pub(crate) type Started = Pin<Box<dyn Future<Output = Finish> + Send>>;

/// The converter of an answer to its Python value, run in the awaiting task.
pub(crate) type Converter = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// The coroutine an `AsyncSession` method returns, resolving to a `T`.
pub(crate) struct Awaitable<T> {
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
pub(crate) fn aio<'py>(
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
    pub(crate) fn new<R, D>(
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
    pub(crate) fn ready(py: Python<'_>, value: T) -> PyResult<Self>
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
pub(crate) struct Call {
    started: Mutex<Option<Started>>,
}

#[pymethods]
impl Call {
    /// Spawns the call on mwkit's tokio runtime; returns a future of the
    /// running event loop that resolves to a `_Finish`. Cancelling that
    /// future aborts the task, which drops the call.
    pub(crate) fn start<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
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
pub(crate) struct Runtime {
    pub(crate) pid: u32,
    tokio: tokio::runtime::Runtime,
    /// Whether the runtime's threads may still take the GIL: true until the
    /// interpreter exits (`_at_exit`, an `atexit` hook, sets it false). A
    /// thread holds the read lock while it is in Python, so the interpreter
    /// never finalizes under a thread that would take the GIL again (a
    /// fatal error); calls that finish later are dropped unseen.
    pub(crate) python_alive: RwLock<bool>,
}

/// The runtime of this process, if one was started. Only ever locked with
/// the GIL held, so no thread holds it when the process forks.
pub(crate) static RUNTIME: Mutex<Option<&'static Runtime>> = Mutex::new(None);

/// mwkit's tokio runtime, started by the first async call in each process.
/// A forked process inherits the parent's runtime without its threads:
/// it starts one of its own, and the parent's is left alone (never used,
/// never dropped: dropping it would wait for threads that are not there).
pub(crate) fn runtime() -> PyResult<&'static Runtime> {
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
pub(crate) fn resolve(runtime: &Runtime, event_loop: Py<PyAny>, future: Py<PyAny>, finish: Finish) {
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
pub(crate) struct Abort {
    task: tokio::task::AbortHandle,
}

#[pymethods]
impl Abort {
    pub(crate) fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
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
pub(crate) struct Finish {
    convert: Mutex<Option<Converter>>,
}

impl Finish {
    pub(crate) fn new(
        convert: impl FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send + 'static,
    ) -> Self {
        Finish {
            convert: Mutex::new(Some(Box::new(convert))),
        }
    }
}

#[pymethods]
impl Finish {
    /// The call's answer as its Python value, or its exception raised.
    pub(crate) fn result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let convert = self
            .convert
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("this result was already taken"))?;
        convert(py)
    }
}
