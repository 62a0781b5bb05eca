//! The `otp` argument of the logins: a code, or a callable asked when the
//! wiki wants a second factor, and the exception it raised.

use super::*;

/// Where the next session's id comes from (0 is no session).
pub(crate) static SESSION_IDS: AtomicU64 = AtomicU64::new(1);

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
pub(crate) struct Raised(Mutex<Option<PyErr>>);

impl Raised {
    pub(crate) fn take(&self) -> Option<PyErr> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    pub(crate) fn put(&self, err: PyErr) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(err);
    }
}

/// What a session keeps for the `otp` arguments of its logins.
pub(crate) struct Otp {
    id: u64,
    pub(crate) raised: Arc<Raised>,
}

impl Otp {
    pub(crate) fn new() -> Self {
        Otp {
            id: SESSION_IDS.fetch_add(1, Ordering::Relaxed),
            raised: Arc::new(Raised(Mutex::new(None))),
        }
    }

    /// Refuses a use of the session from inside its own `otp` callable.
    pub(crate) fn not_asking(&self) -> PyResult<()> {
        if ASKING.get() != self.id {
            return Ok(());
        }
        Err(PyRuntimeError::new_err(
            "this mwkit session is logging in and waits for its otp callable: the callable \
             cannot use the session (it can use another one)",
        ))
    }

    /// The raised exception of a login of this session, if one is kept.
    pub(crate) fn take_raised(&self) -> Option<PyErr> {
        self.raised.take()
    }

    /// The second factor an `otp` argument gives: none, a code, or a
    /// callable asked only when the wiki asks. On `runtime` (an async
    /// session's), the callable is never called once the interpreter is
    /// exiting.
    pub(crate) fn second_factor(
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
pub(crate) fn otp_code(code: &Bound<'_, PyAny>) -> PyResult<Option<mw_core::Password>> {
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
