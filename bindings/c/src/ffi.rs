//! The machinery every exported function runs in (rustls-ffi's idea: a
//! panic boundary, checked pointer arguments, one way to hand out and free
//! a handle), so that each function is its logic only.
//!
//! A body runs in [`call`] (records what happened as the thread's last call:
//! success, failure and every refusal), [`read`] (the last-call readers:
//! records nothing, so reading never erases what it reads) or [`guard`]. Its
//! pointer arguments go through [`arg!`], which names the argument in the
//! refusal's text. Handles are made by [`boxed`] and freed by [`free_box`].

use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;

use mw_ureq::Error;

use crate::last::{LAST, LastCall, Warnings, last_of_error};
use crate::mw_result;

/// Why a call did not succeed: refused by this layer, or failed below it.
pub(crate) enum Fail {
    Refused(mw_result, String),
    Failed(Error),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Failed(e)
    }
}

pub(crate) fn refuse(code: mw_result, text: impl Into<String>) -> Fail {
    Fail::Refused(code, text.into())
}

impl Fail {
    pub(crate) fn code(&self) -> mw_result {
        match self {
            Fail::Refused(code, _) => *code,
            Fail::Failed(e) => mw_result::of(e),
        }
    }

    pub(crate) fn into_last(self) -> LastCall {
        match self {
            Fail::Refused(code, text) => LastCall::text(code, text),
            Fail::Failed(e) => last_of_error(&e),
        }
    }
}

/// Runs `body` inside a panic boundary: a panic gives `fallback`.
pub(crate) fn guard<R>(fallback: R, body: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The boundary of every call: runs `body`, records what it did (success
/// with its warnings, a failure, a refusal, a panic) as this thread's last
/// call, and returns its code.
pub(crate) fn call(body: impl FnOnce() -> Result<Warnings, Fail>) -> mw_result {
    guard(mw_result::MW_ERR_PANIC, || {
        let (code, last) = match catch_unwind(AssertUnwindSafe(body)) {
            Ok(Ok(warnings)) => (
                mw_result::MW_OK,
                LastCall {
                    warnings,
                    ..LastCall::EMPTY
                },
            ),
            Ok(Err(fail)) => (fail.code(), fail.into_last()),
            Err(_) => (
                mw_result::MW_ERR_PANIC,
                LastCall::text(
                    mw_result::MW_ERR_PANIC,
                    "the library panicked (a bug)".into(),
                ),
            ),
        };
        // The record it replaces is dropped outside the borrow. (At the
        // thread's end the record may be gone; the code still returns.)
        drop(LAST.try_with(|l| l.replace(last)));
        code
    })
}

/// The boundary of a last-call reader: records nothing.
pub(crate) fn read(body: impl FnOnce() -> Result<(), Fail>) -> mw_result {
    guard(mw_result::MW_ERR_PANIC, || {
        body().err().map_or(mw_result::MW_OK, |fail| fail.code())
    })
}

/// A successful call without warnings.
pub(crate) fn done() -> Warnings {
    Vec::new()
}

/// A handle for C.
pub(crate) fn boxed<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Frees a handle from [`boxed`]; NULL does nothing.
///
/// # Safety
/// `p` is NULL or from [`boxed`], and not used afterwards.
pub(crate) unsafe fn free_box<T>(p: *mut T) {
    guard((), || {
        if !p.is_null() {
            // SAFETY: from `Box::into_raw`, freed once, per the contract.
            drop(unsafe { Box::from_raw(p) });
        }
    });
}

/// Checks a pointer argument with one of the `unsafe fn`s below, which gets
/// the argument's name for its refusal text, and returns the refusal from
/// the enclosing body: `arg!(text(name))`, `arg!(texts(names, count))`.
macro_rules! arg {
    ($check:ident($p:ident $(, $more:ident)*)) => {
        // SAFETY: every exported function's Safety section requires its
        // pointer arguments to be NULL or valid for what `$check` does.
        unsafe { crate::ffi::$check(stringify!($p), $p $(, $more)*) }?
    };
}

/// The object behind a handle.
///
/// # Safety
/// `p` is NULL or a live handle.
pub(crate) unsafe fn handle<'a, T>(name: &str, p: *const T) -> Result<&'a T, Fail> {
    // SAFETY: per the contract.
    unsafe { p.as_ref() }.ok_or_else(|| null(name))
}

/// The object behind a handle, to change.
///
/// # Safety
/// `p` is NULL or a live handle no other thread uses meanwhile.
pub(crate) unsafe fn handle_mut<'a, T>(name: &str, p: *mut T) -> Result<&'a mut T, Fail> {
    // SAFETY: per the contract.
    unsafe { p.as_mut() }.ok_or_else(|| null(name))
}

pub(crate) fn null(name: &str) -> Fail {
    refuse(mw_result::MW_ERR_NULL_PARAMETER, format!("{name} is NULL"))
}

/// A NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn text<'a>(name: &str, p: *const c_char) -> Result<&'a str, Fail> {
    if p.is_null() {
        return Err(null(name));
    }
    // SAFETY: non-NULL and NUL-terminated, per the contract.
    unsafe { CStr::from_ptr(p) }.to_str().map_err(|_| {
        refuse(
            mw_result::MW_ERR_INVALID_UTF8,
            format!("{name} is not valid UTF-8"),
        )
    })
}

/// An optional string argument: NULL is `None`.
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn optional_text<'a>(
    name: &str,
    p: *const c_char,
) -> Result<Option<&'a str>, Fail> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: per the contract.
    unsafe { text(name, p) }.map(Some)
}

/// An array of `count` optional strings (`array` may be NULL when `count`
/// is 0).
///
/// # Safety
/// `array` is NULL or holds `count` pointers, each NULL or a NUL-terminated
/// string.
pub(crate) unsafe fn optional_texts<'a>(
    name: &str,
    array: *const *const c_char,
    count: usize,
) -> Result<Vec<Option<&'a str>>, Fail> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if array.is_null() {
        return Err(null(name));
    }
    // SAFETY: `array` holds `count` pointers, per the contract.
    let pointers = unsafe { std::slice::from_raw_parts(array, count) };
    let entry = |(i, &p): (usize, &*const c_char)| {
        // SAFETY: each entry is NULL or NUL-terminated, per the contract.
        unsafe { optional_text(&format!("{name}[{i}]"), p) }
    };
    pointers.iter().enumerate().map(entry).collect()
}

/// An array of `count` strings, none NULL.
///
/// # Safety
/// As [`optional_texts`].
pub(crate) unsafe fn texts<'a>(
    name: &str,
    array: *const *const c_char,
    count: usize,
) -> Result<Vec<&'a str>, Fail> {
    // SAFETY: per the contract.
    let entries = unsafe { optional_texts(name, array, count) }?;
    let missing = entries.iter().position(Option::is_none);
    match missing {
        Some(i) => Err(null(&format!("{name}[{i}]"))),
        None => Ok(entries.into_iter().flatten().collect()),
    }
}

/// A checked out-parameter for `len` values, written only on success.
pub(crate) struct Out<T>(NonNull<T>, usize);

impl<T> Out<T> {
    pub(crate) fn put(&self, value: T) {
        self.put_at(0, value);
    }

    pub(crate) fn put_at(&self, index: usize, value: T) {
        if index < self.1 {
            // SAFETY: made by `outs`, whose caller vouched for `self.1`
            // writable values; the old value is plain C data, not dropped.
            unsafe { self.0.as_ptr().add(index).write(value) };
        }
    }
}

/// An out-parameter for `count` values.
///
/// # Safety
/// `p` is NULL or writable for `count` values.
pub(crate) unsafe fn outs<T>(name: &str, p: *mut T, count: usize) -> Result<Out<T>, Fail> {
    Ok(Out(NonNull::new(p).ok_or_else(|| null(name))?, count))
}

/// An out-parameter for one value.
///
/// # Safety
/// `p` is NULL or writable.
pub(crate) unsafe fn out<T>(name: &str, p: *mut T) -> Result<Out<T>, Fail> {
    // SAFETY: per the contract.
    unsafe { outs(name, p, 1) }
}

/// A caller's string buffer: `len` bytes at `buf`, and `out_n`.
pub(crate) struct Buffer {
    buf: *mut c_char,
    len: usize,
    out_n: NonNull<usize>,
}

/// A string buffer argument and its `len` and `out_n`.
///
/// # Safety
/// `buf` is NULL or writable for `len` bytes; `out_n` is NULL or writable.
pub(crate) unsafe fn buffer(
    name: &str,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> Result<Buffer, Fail> {
    if buf.is_null() && len > 0 {
        return Err(null(name));
    }
    let out_n = NonNull::new(out_n).ok_or_else(|| null(&format!("{name}'s out_n")))?;
    Ok(Buffer { buf, len, out_n })
}

impl Buffer {
    pub(crate) fn fits(&self, s: &str) -> bool {
        s.len() < self.len
    }

    /// Puts the size `s` needs, NUL included, in `out_n`.
    pub(crate) fn tell_needed(&self, s: &str) -> Fail {
        // SAFETY: `out_n` is writable, as `buffer`'s caller vouched.
        unsafe { self.out_n.as_ptr().write(s.len() + 1) };
        let text = format!("buffer too small: {} bytes needed", s.len() + 1);
        refuse(mw_result::MW_ERR_BUFFER_TOO_SMALL, text)
    }

    /// Writes `s` and a NUL, and its length into `out_n`; too small, only
    /// the size needed.
    pub(crate) fn write(&self, s: &str) -> Result<(), Fail> {
        if !self.fits(s) {
            return Err(self.tell_needed(s));
        }
        // SAFETY: `buf` holds `len` > `s.len()` writable bytes and `out_n`
        // is writable, as `buffer`'s caller vouched; no overlap with `s`.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), self.buf.cast::<u8>(), s.len());
            *self.buf.add(s.len()) = 0;
            self.out_n.as_ptr().write(s.len());
        }
        Ok(())
    }
}
