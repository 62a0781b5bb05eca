//! C ABI for mwkit (`libmw`): a translation layer over `mw-ureq`.
//!
//! Conventions (rustls-ffi's):
//! - everything is `mw_`; an opaque handle `mw_client` with `mw_client_new`
//!   and a NULL-tolerant `mw_client_free`;
//! - every fallible function returns an [`mw_result`]; out-parameters come
//!   last and are written only on success (one documented exception: a
//!   too-small buffer gets the size it needs in `out_n`);
//! - strings in are NUL-terminated UTF-8; strings out go into caller buffers
//!   (`buf`, `len`, `out_n`: `out_n` receives the bytes written, without the
//!   terminating NUL, which is always written), or are allocated by the
//!   library and freed with [`mw_string_free`];
//! - every body runs inside a panic boundary, and every pointer is checked
//!   for NULL.
//!
//! Threads: one `mw_client` may be used by several threads at once. The
//! "last call" details (error code and text, warnings, the server's
//! `Retry-After`, the names of a partial options change) are kept per thread
//! on the handle: each thread reads those of its own last call.
#![allow(non_camel_case_types)]

use std::collections::HashMap;
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::SystemTime;

use mw_ureq::mw_core::{self, ErrorKind, Message};
use mw_ureq::{
    Client, EmailUser, Emailability, Error, Method, OptionsChange, RejectedOption, ResetPassword,
    ResetScope, RetryAfter,
};

/// The outcome of every fallible function. Values never change once
/// released; new ones are only added.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_result {
    /// Success.
    MW_OK = 0,
    /// A required pointer argument was NULL.
    MW_ERR_NULL_PARAMETER = 1,
    /// A string argument was not valid UTF-8.
    MW_ERR_INVALID_UTF8 = 2,
    /// An output buffer was too small; `out_n` holds the size needed,
    /// terminating NUL included.
    MW_ERR_BUFFER_TOO_SMALL = 3,
    /// The library panicked; the call had no effect it could report. A bug.
    MW_ERR_PANIC = 4,
    /// The input was refused before anything was sent.
    MW_ERR_INVALID_INPUT = 5,
    /// A write may have been carried out, and nothing MediaWiki answered
    /// proves otherwise (a 5xx, 503 with `Retry-After` included, a timeout,
    /// a dropped, truncated or HTML answer, `emailuser`'s `Failure`, an
    /// `internal_api_error_*`); it was not sent again. Check its effect
    /// before repeating it. Also an options change that failed partway with
    /// a request in doubt: `mw_client_last_options_applied` and its siblings
    /// name what was applied, what was not and what is in doubt.
    MW_ERR_OUTCOME_UNKNOWN = 6,
    /// No connection could be made; nothing was sent.
    MW_ERR_CONNECT = 7,
    /// A read timed out (a write that times out is
    /// `MW_ERR_OUTCOME_UNKNOWN`).
    MW_ERR_TIMEOUT = 8,
    /// The answer to a read was larger than the client's limit (for a
    /// write it is `MW_ERR_OUTCOME_UNKNOWN`).
    MW_ERR_BODY_TOO_LARGE = 9,
    /// The API URL redirects; use the final URL.
    MW_ERR_REDIRECTED = 10,
    /// Another transport failure.
    MW_ERR_TRANSPORT = 11,
    /// An HTTP error status without an API error.
    MW_ERR_HTTP_STATUS = 12,
    /// The answer was not the JSON expected.
    MW_ERR_DECODE = 13,
    /// A login was refused (the reason is the last error text), or failed
    /// on the library's side. The last error code is the server's reason
    /// code (`wrongpassword`, ...) or else the result: the server's
    /// (`Failed`, `Throttled`, `FAIL`, ...) or the library's:
    /// `SessionChanged` (any call: the client logged out or in as someone
    /// else meanwhile; nothing was sent as anyone else), `OtherUser` (a
    /// relogin gave another user's session; nothing was sent),
    /// `PasswordChanged` (the new password was set, but the session could
    /// not be confirmed: log in with the new password).
    MW_ERR_LOGIN_FAILED = 14,
    /// No such item (an option name not found, an index out of range).
    MW_ERR_NOT_FOUND = 15,
    /// Another failure.
    MW_ERR_OTHER = 16,
    /// An API error of a kind the library does not know; the code is the
    /// last error code.
    MW_ERR_API_OTHER = 100,
    /// API error `badtoken`.
    MW_ERR_API_BAD_TOKEN = 101,
    /// API error `notloggedin`.
    MW_ERR_API_NOT_LOGGED_IN = 102,
    /// API errors `assertuserfailed`, `assertnameduserfailed`.
    MW_ERR_API_ASSERT_USER_FAILED = 103,
    /// API error `assertbotfailed`.
    MW_ERR_API_ASSERT_BOT_FAILED = 104,
    /// API errors `permissiondenied`, `badaccess`, `permissions`.
    MW_ERR_API_PERMISSION_DENIED = 105,
    /// API error `mustpostparams`.
    MW_ERR_API_MUST_POST_PARAMS = 106,
    /// API error `missingparam`.
    MW_ERR_API_MISSING_PARAM = 107,
    /// API error `invalidparammix`.
    MW_ERR_API_INVALID_PARAM_MIX = 108,
    /// API error `cantsend`.
    MW_ERR_API_CANT_SEND = 109,
    /// API errors `blockedfrommail`, `blockedemailuser`.
    MW_ERR_API_BLOCKED_FROM_EMAIL = 110,
    /// API error `blocked`.
    MW_ERR_API_BLOCKED = 111,
    /// API error `usermaildisabled`.
    MW_ERR_API_USER_MAIL_DISABLED = 112,
    /// API error `notarget`.
    MW_ERR_API_NO_TARGET = 113,
    /// API error `noemail`.
    MW_ERR_API_NO_EMAIL = 114,
    /// API error `nowikiemail`.
    MW_ERR_API_NO_WIKI_EMAIL = 115,
    /// API error `ratelimited`.
    MW_ERR_API_RATE_LIMITED = 116,
    /// API error `maxlag`.
    MW_ERR_API_MAXLAG = 117,
    /// API error `readonly`.
    MW_ERR_API_READONLY = 118,
    /// API error `nochanges`.
    MW_ERR_API_NO_CHANGES = 119,
    /// API error `passwordreset-nodata`.
    MW_ERR_API_PASSWORD_RESET_NO_DATA = 120,
    /// API error `passwordreset-invalidemail`.
    MW_ERR_API_PASSWORD_RESET_INVALID_EMAIL = 121,
    /// API error `moduledisabled`.
    MW_ERR_API_MODULE_DISABLED = 122,
    /// API errors `internal_api_error_*`.
    MW_ERR_API_INTERNAL = 123,
}

/// Whether a user can be emailed (`mw_client_emailable`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_emailability {
    /// Exists, but cannot be emailed.
    MW_NOT_EMAILABLE = 0,
    /// Exists and accepts email from users.
    MW_EMAILABLE = 1,
    /// No such user.
    MW_MISSING = 2,
    /// Not a valid user name.
    MW_INVALID = 3,
}

/// A part of a warning (`mw_client_last_warning`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_warning_part {
    /// The warning's code (empty for the legacy format).
    MW_WARNING_CODE = 0,
    /// MediaWiki's text.
    MW_WARNING_TEXT = 1,
    /// The module that gave it (empty when unknown).
    MW_WARNING_MODULE = 2,
    /// For `mw_client_set_options`: the option the wiki dropped (empty when
    /// the warning names none).
    MW_WARNING_OPTION = 3,
}

/// What a thread's last call left: its error, warnings, the server's
/// `Retry-After` and, for an options change that failed partway, its names.
#[derive(Default)]
struct LastCall {
    code: String,
    text: String,
    warnings: Vec<(Message, Option<String>)>,
    /// Whole seconds from the end of the call, rounded up.
    retry_after: Option<u64>,
    applied: Vec<String>,
    not_applied: Vec<String>,
    unknown: Vec<String>,
}

/// A client of one wiki. Opaque; create with `mw_client_new`, free with
/// `mw_client_free`.
pub struct mw_client {
    client: Client,
    last: Mutex<HashMap<ThreadId, LastCall>>,
}

/// A user's preferences, read by `mw_client_get_options`. Opaque; free with
/// `mw_options_free`.
pub struct mw_options {
    pairs: Vec<(String, String)>,
}

// ---- plumbing ------------------------------------------------------------------

/// Runs `body` inside a panic boundary.
fn guard(body: impl FnOnce() -> mw_result) -> mw_result {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(mw_result::MW_ERR_PANIC)
}

macro_rules! try_ffi {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(code) => return code,
        }
    };
}

/// A NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string valid for the call.
unsafe fn arg_str<'a>(p: *const c_char) -> Result<&'a str, mw_result> {
    if p.is_null() {
        return Err(mw_result::MW_ERR_NULL_PARAMETER);
    }
    // SAFETY: non-NULL and NUL-terminated, per the caller's contract.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| mw_result::MW_ERR_INVALID_UTF8)
}

/// An optional string argument: NULL is `None`.
///
/// # Safety
/// As [`arg_str`].
unsafe fn optional_text<'a>(p: *const c_char) -> Result<Option<&'a str>, mw_result> {
    if p.is_null() {
        Ok(None)
    } else {
        unsafe { arg_str(p) }.map(Some)
    }
}

/// An array of `count` strings; a NULL entry is `None` when `nulls_allowed`.
///
/// # Safety
/// `array` is NULL only when `count` is 0; otherwise it points to `count`
/// pointers, each NULL or a NUL-terminated string.
unsafe fn text_array<'a>(
    array: *const *const c_char,
    count: usize,
    nulls_allowed: bool,
) -> Result<Vec<Option<&'a str>>, mw_result> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if array.is_null() {
        return Err(mw_result::MW_ERR_NULL_PARAMETER);
    }
    // SAFETY: `array` holds `count` pointers, per the caller's contract.
    let pointers = unsafe { std::slice::from_raw_parts(array, count) };
    pointers
        .iter()
        .map(|&p| {
            if p.is_null() && nulls_allowed {
                Ok(None)
            } else {
                unsafe { arg_str(p) }.map(Some)
            }
        })
        .collect()
}

/// Writes `s` and a NUL into `buf` (`len` bytes), the length without the NUL
/// into `out_n`. Too small: `out_n` gets the size needed, NUL included, and
/// `buf` is untouched.
///
/// # Safety
/// `buf` is NULL or writable for `len` bytes; `out_n` is NULL or writable.
unsafe fn write_out(s: &str, buf: *mut c_char, len: usize, out_n: *mut usize) -> mw_result {
    if out_n.is_null() || (buf.is_null() && len > 0) {
        return mw_result::MW_ERR_NULL_PARAMETER;
    }
    let needed = s.len() + 1;
    if len < needed {
        // SAFETY: checked non-NULL above.
        unsafe { *out_n = needed };
        return mw_result::MW_ERR_BUFFER_TOO_SMALL;
    }
    // SAFETY: `buf` holds at least `needed` bytes; the regions don't overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), s.len());
        *buf.add(s.len()) = 0;
        *out_n = s.len();
    }
    mw_result::MW_OK
}

/// The handle behind a pointer.
///
/// # Safety
/// `client` is NULL or a live pointer from `mw_client_new`.
unsafe fn handle<'a>(client: *const mw_client) -> Result<&'a mw_client, mw_result> {
    // SAFETY: per the caller's contract.
    unsafe { client.as_ref() }.ok_or(mw_result::MW_ERR_NULL_PARAMETER)
}

impl mw_client {
    /// Records this thread's last call: success (with its warnings) or the
    /// error, and returns the matching code.
    fn finish<T>(
        &self,
        result: Result<T, Error>,
        warnings: impl FnOnce(&T) -> Vec<(Message, Option<String>)>,
    ) -> (mw_result, Option<T>) {
        let mut last = LastCall::default();
        let (code, value) = match result {
            Ok(v) => {
                last.warnings = warnings(&v);
                (mw_result::MW_OK, Some(v))
            }
            Err(e) => {
                record_error(&e, &mut last);
                (code_of(&e), None)
            }
        };
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(std::thread::current().id(), last);
        (code, value)
    }

    fn with_last<R>(&self, f: impl FnOnce(Option<&LastCall>) -> R) -> R {
        let last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        f(last.get(&std::thread::current().id()))
    }
}

fn plain(messages: &[Message]) -> Vec<(Message, Option<String>)> {
    messages.iter().map(|m| (m.clone(), None)).collect()
}

/// An options change's warnings, each dropped option's warning naming it.
fn with_rejected(
    warnings: &[Message],
    rejected: &[RejectedOption],
) -> Vec<(Message, Option<String>)> {
    let mut out = plain(warnings);
    for rejected in rejected {
        if let Some(slot) = out
            .iter_mut()
            .find(|(m, name)| name.is_none() && *m == rejected.message)
        {
            slot.1 = rejected.name.clone();
        }
    }
    out
}

/// The failure inside the outcome-unknown and incomplete wrappers: where
/// MediaWiki's own code and text are kept.
fn innermost(e: &Error) -> &Error {
    match e {
        Error::OutcomeUnknown(o) => innermost(&o.cause),
        Error::Incomplete(i) => innermost(&i.error),
        other => other,
    }
}

/// A `Retry-After` as whole seconds from now, rounded up so that waiting
/// that long is never too short.
fn whole_seconds(retry_after: RetryAfter) -> u64 {
    let d = retry_after.delay_from(SystemTime::now());
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// Fills `last` from a failed call's error: the server's code and text (or
/// the library's message), its warnings, its `Retry-After`, and the names
/// of a partial options change.
fn record_error(e: &Error, last: &mut LastCall) {
    match innermost(e) {
        Error::Api(api) => {
            last.code = api.code.clone();
            last.text = api.text.clone();
            last.warnings = plain(&api.warnings);
        }
        Error::Login(login) => {
            last.code = login.code.clone().unwrap_or_else(|| login.result.clone());
            last.text = login.reason.clone();
        }
        _ => last.text = e.to_string(),
    }
    last.retry_after = e.retry_after().map(whole_seconds);
    if let Error::Incomplete(i) = e {
        // The applied requests' warnings first, then the failing one's.
        let mut warnings = with_rejected(&i.warnings, &i.rejected);
        warnings.append(&mut last.warnings);
        last.warnings = warnings;
        last.applied = i.applied.clone();
        last.not_applied = i.not_applied.clone();
        last.unknown = i.unknown.clone();
    }
}

fn code_of(e: &Error) -> mw_result {
    use mw_result::*;
    match e {
        Error::InvalidInput(_) => MW_ERR_INVALID_INPUT,
        Error::Api(api) => match api.kind() {
            ErrorKind::BadToken => MW_ERR_API_BAD_TOKEN,
            ErrorKind::NotLoggedIn => MW_ERR_API_NOT_LOGGED_IN,
            ErrorKind::AssertUserFailed => MW_ERR_API_ASSERT_USER_FAILED,
            ErrorKind::AssertBotFailed => MW_ERR_API_ASSERT_BOT_FAILED,
            ErrorKind::PermissionDenied => MW_ERR_API_PERMISSION_DENIED,
            ErrorKind::MustPostParams => MW_ERR_API_MUST_POST_PARAMS,
            ErrorKind::MissingParam => MW_ERR_API_MISSING_PARAM,
            ErrorKind::InvalidParamMix => MW_ERR_API_INVALID_PARAM_MIX,
            ErrorKind::CantSend => MW_ERR_API_CANT_SEND,
            ErrorKind::BlockedFromEmail => MW_ERR_API_BLOCKED_FROM_EMAIL,
            ErrorKind::Blocked => MW_ERR_API_BLOCKED,
            ErrorKind::UserMailDisabled => MW_ERR_API_USER_MAIL_DISABLED,
            ErrorKind::NoTarget => MW_ERR_API_NO_TARGET,
            ErrorKind::NoEmail => MW_ERR_API_NO_EMAIL,
            ErrorKind::NoWikiEmail => MW_ERR_API_NO_WIKI_EMAIL,
            ErrorKind::RateLimited => MW_ERR_API_RATE_LIMITED,
            ErrorKind::Maxlag { .. } => MW_ERR_API_MAXLAG,
            ErrorKind::ReadOnly => MW_ERR_API_READONLY,
            ErrorKind::NoChanges => MW_ERR_API_NO_CHANGES,
            ErrorKind::PasswordResetNoData => MW_ERR_API_PASSWORD_RESET_NO_DATA,
            ErrorKind::PasswordResetInvalidEmail => MW_ERR_API_PASSWORD_RESET_INVALID_EMAIL,
            ErrorKind::ModuleDisabled => MW_ERR_API_MODULE_DISABLED,
            ErrorKind::Internal(_) => MW_ERR_API_INTERNAL,
            _ => MW_ERR_API_OTHER,
        },
        Error::Login(_) => MW_ERR_LOGIN_FAILED,
        Error::Http { .. } => MW_ERR_HTTP_STATUS,
        Error::Decode { .. } => MW_ERR_DECODE,
        Error::Connect { .. } => MW_ERR_CONNECT,
        Error::Timeout { .. } => MW_ERR_TIMEOUT,
        Error::BodyTooLarge { .. } => MW_ERR_BODY_TOO_LARGE,
        Error::Redirected { .. } => MW_ERR_REDIRECTED,
        Error::Transport { .. } => MW_ERR_TRANSPORT,
        Error::OutcomeUnknown(_) => MW_ERR_OUTCOME_UNKNOWN,
        // Partway: outcome unknown when the failing request is in doubt,
        // else what stopped it (the names are the last call's).
        Error::Incomplete(_) if e.outcome_unknown() => MW_ERR_OUTCOME_UNKNOWN,
        Error::Incomplete(i) => code_of(&i.error),
        _ => MW_ERR_OTHER,
    }
}

// ---- version and result names ----------------------------------------------------

/// The library's version, a static NUL-terminated string; do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn mw_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The name of a result code (`"MW_ERR_API_NO_EMAIL"`), a static string; do
/// not free it. Unknown values give `"MW_ERR_UNKNOWN"`.
#[unsafe(no_mangle)]
pub extern "C" fn mw_result_name(result: u32) -> *const c_char {
    macro_rules! names {
        ($($v:ident),* $(,)?) => {
            match result {
                $(x if x == mw_result::$v as u32 => concat!(stringify!($v), "\0"),)*
                _ => "MW_ERR_UNKNOWN\0",
            }
        };
    }
    let name: &'static str = names!(
        MW_OK,
        MW_ERR_NULL_PARAMETER,
        MW_ERR_INVALID_UTF8,
        MW_ERR_BUFFER_TOO_SMALL,
        MW_ERR_PANIC,
        MW_ERR_INVALID_INPUT,
        MW_ERR_OUTCOME_UNKNOWN,
        MW_ERR_CONNECT,
        MW_ERR_TIMEOUT,
        MW_ERR_BODY_TOO_LARGE,
        MW_ERR_REDIRECTED,
        MW_ERR_TRANSPORT,
        MW_ERR_HTTP_STATUS,
        MW_ERR_DECODE,
        MW_ERR_LOGIN_FAILED,
        MW_ERR_NOT_FOUND,
        MW_ERR_OTHER,
        MW_ERR_API_OTHER,
        MW_ERR_API_BAD_TOKEN,
        MW_ERR_API_NOT_LOGGED_IN,
        MW_ERR_API_ASSERT_USER_FAILED,
        MW_ERR_API_ASSERT_BOT_FAILED,
        MW_ERR_API_PERMISSION_DENIED,
        MW_ERR_API_MUST_POST_PARAMS,
        MW_ERR_API_MISSING_PARAM,
        MW_ERR_API_INVALID_PARAM_MIX,
        MW_ERR_API_CANT_SEND,
        MW_ERR_API_BLOCKED_FROM_EMAIL,
        MW_ERR_API_BLOCKED,
        MW_ERR_API_USER_MAIL_DISABLED,
        MW_ERR_API_NO_TARGET,
        MW_ERR_API_NO_EMAIL,
        MW_ERR_API_NO_WIKI_EMAIL,
        MW_ERR_API_RATE_LIMITED,
        MW_ERR_API_MAXLAG,
        MW_ERR_API_READONLY,
        MW_ERR_API_NO_CHANGES,
        MW_ERR_API_PASSWORD_RESET_NO_DATA,
        MW_ERR_API_PASSWORD_RESET_INVALID_EMAIL,
        MW_ERR_API_MODULE_DISABLED,
        MW_ERR_API_INTERNAL,
    );
    name.as_ptr().cast()
}

// ---- the client ------------------------------------------------------------------

/// Creates a client of the API at `api_url`, identifying itself as
/// `user_agent` (name the tool and a contact), with the default settings
/// (timeouts 10 s to connect, 60 s to read, 120 s in all; maxlag 5; 3
/// waits). On success `*out` receives the handle, to free with
/// `mw_client_free`.
///
/// # Safety
/// The strings are NULL or NUL-terminated; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_new(
    api_url: *const c_char,
    user_agent: *const c_char,
    out: *mut *mut mw_client,
) -> mw_result {
    guard(|| {
        let api_url = try_ffi!(unsafe { arg_str(api_url) });
        let user_agent = try_ffi!(unsafe { arg_str(user_agent) });
        if out.is_null() {
            return mw_result::MW_ERR_NULL_PARAMETER;
        }
        match Client::new(api_url, user_agent) {
            Ok(client) => {
                let handle = Box::new(mw_client {
                    client,
                    last: Mutex::new(HashMap::new()),
                });
                // SAFETY: `out` is non-NULL and writable.
                unsafe { *out = Box::into_raw(handle) };
                mw_result::MW_OK
            }
            Err(e) => code_of(&e),
        }
    })
}

/// Frees a client. NULL is allowed and does nothing.
///
/// # Safety
/// `client` is NULL or a handle from `mw_client_new`, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_free(client: *mut mw_client) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !client.is_null() {
            // SAFETY: a handle from `mw_client_new`, freed once.
            drop(unsafe { Box::from_raw(client) });
        }
    }));
}

/// Logs in with a bot password (`User@appid`).
///
/// # Safety
/// `client` is a live handle; the strings are NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_login(
    client: *const mw_client,
    name: *const c_char,
    password: *const c_char,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let name = try_ffi!(unsafe { arg_str(name) });
        let password = try_ffi!(unsafe { arg_str(password) });
        c.finish(c.client.login(name, password), |info| plain(&info.warnings))
            .0
    })
}

/// Logs in with a main account's password (`action=clientlogin`).
/// `new_password` (NULL when absent) completes a login with a temporary
/// password from a reset.
///
/// # Safety
/// `client` is a live handle; the strings are NUL-terminated, `new_password`
/// may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_client_login(
    client: *const mw_client,
    name: *const c_char,
    password: *const c_char,
    new_password: *const c_char,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let name = try_ffi!(unsafe { arg_str(name) });
        let password = try_ffi!(unsafe { arg_str(password) });
        let new_password =
            try_ffi!(unsafe { optional_text(new_password) }).map(mw_core::Password::new);
        c.finish(
            c.client.client_login(name, password, new_password),
            |info| plain(&info.warnings),
        )
        .0
    })
}

/// Logs out and forgets the session.
///
/// # Safety
/// `client` is a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_logout(client: *const mw_client) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        c.finish(c.client.logout(), |w| plain(w)).0
    })
}

/// Emails a user; `cc_me` sends a copy to the sender. Sent again only after
/// an answer proving MediaWiki did not act (`badtoken`, a lost session,
/// `maxlag`, `readonly`). `MW_ERR_OUTCOME_UNKNOWN` when the mail may have
/// gone out (any 5xx, 503 with `Retry-After` included, a timeout, a dropped
/// answer, `Failure`): check before sending again;
/// `mw_client_last_retry_after` gives the server's `Retry-After`. The
/// warnings are the last call's (`mw_client_last_warning_count`).
///
/// # Safety
/// `client` is a live handle; the strings are NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_email_user(
    client: *const mw_client,
    target: *const c_char,
    subject: *const c_char,
    text: *const c_char,
    cc_me: bool,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let target = try_ffi!(unsafe { arg_str(target) });
        let subject = try_ffi!(unsafe { arg_str(subject) });
        let body = try_ffi!(unsafe { arg_str(text) });
        let email = EmailUser::new(target, subject, body).cc_me(cc_me);
        c.finish(c.client.email_user(&email), |sent| plain(&sent.warnings))
            .0
    })
}

/// Which of `count` users can be emailed: `out` (room for `count` values)
/// receives an `mw_emailability` for each name, in order.
///
/// # Safety
/// `client` is a live handle; `names` holds `count` NUL-terminated strings;
/// `out` is writable for `count` values.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_emailable(
    client: *const mw_client,
    names: *const *const c_char,
    count: usize,
    out: *mut mw_emailability,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let names: Vec<&str> = try_ffi!(unsafe { text_array(names, count, false) })
            .into_iter()
            .flatten()
            .collect();
        if out.is_null() {
            return mw_result::MW_ERR_NULL_PARAMETER;
        }
        let (code, report) = c.finish(c.client.emailable(&names), |r| plain(&r.warnings));
        if let Some(report) = report {
            for (i, entry) in report.entries.iter().enumerate().take(count) {
                let value = match entry.status {
                    Emailability::Emailable => mw_emailability::MW_EMAILABLE,
                    Emailability::NotEmailable => mw_emailability::MW_NOT_EMAILABLE,
                    Emailability::Missing => mw_emailability::MW_MISSING,
                    Emailability::Invalid => mw_emailability::MW_INVALID,
                };
                // SAFETY: `out` is writable for `count` values and i < count.
                unsafe { *out.add(i) = value };
            }
        }
        code
    })
}

/// Starts a password reset by user name, by email address, or both (NULL
/// for the one not given). Logged out, it uses the anonymous token.
///
/// # Safety
/// `client` is a live handle; `user` and `email` are NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_reset_password(
    client: *const mw_client,
    user: *const c_char,
    email: *const c_char,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let user = try_ffi!(unsafe { optional_text(user) });
        let email = try_ffi!(unsafe { optional_text(email) });
        let result = ResetPassword::new(user, email).and_then(|r| c.client.reset_password(&r));
        c.finish(result, |w| plain(w)).0
    })
}

/// Reads the logged-in user's preferences. On success `*out` receives them,
/// to free with `mw_options_free`.
///
/// # Safety
/// `client` is a live handle; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_get_options(
    client: *const mw_client,
    out: *mut *mut mw_options,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        if out.is_null() {
            return mw_result::MW_ERR_NULL_PARAMETER;
        }
        let (code, read) = c.finish(c.client.options(), |r| plain(&r.warnings));
        if let Some(read) = read {
            let options = Box::new(mw_options {
                pairs: read.options.into_iter().collect(),
            });
            // SAFETY: `out` is non-NULL and writable.
            unsafe { *out = Box::into_raw(options) };
        }
        code
    })
}

/// Changes `count` preferences: `names[i]` to `values[i]`, or back to its
/// default when `values[i]` is NULL. Options the wiki dropped (it answers
/// success even then) are the last call's warnings with an
/// `MW_WARNING_OPTION` part. A large change travels in several requests
/// (50 options to a request, 500 with `apihighlimits`); when it fails
/// partway, `mw_client_last_options_applied`, `mw_client_last_options_unknown`
/// and `mw_client_last_options_not_applied` name the options of each kind.
///
/// # Safety
/// `client` is a live handle; `names` holds `count` NUL-terminated strings,
/// `values` `count` pointers, each NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_set_options(
    client: *const mw_client,
    names: *const *const c_char,
    values: *const *const c_char,
    count: usize,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let names = try_ffi!(unsafe { text_array(names, count, false) });
        let values = try_ffi!(unsafe { text_array(values, count, true) });
        let mut change = OptionsChange::new();
        for (name, value) in names.into_iter().flatten().zip(values) {
            change = change.change(name, value.map(str::to_owned));
        }
        let result = c.client.change_options(&change);
        c.finish(result, |done| with_rejected(&done.warnings, &done.rejected))
            .0
    })
}

/// Resets preferences to their defaults: all of them when `count` is 0 or
/// `kinds` holds `"all"`, else the `count` kinds given (`"registered"`,
/// `"userjs"`, ...).
///
/// # Safety
/// `client` is a live handle; `kinds` holds `count` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_reset_options(
    client: *const mw_client,
    kinds: *const *const c_char,
    count: usize,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let kinds: Vec<String> = try_ffi!(unsafe { text_array(kinds, count, false) })
            .into_iter()
            .flatten()
            .map(str::to_owned)
            .collect();
        // No kinds (a NULL array, count 0) means every preference, as documented.
        let scope = if kinds.is_empty() {
            ResetScope::All
        } else {
            ResetScope::from_kinds(kinds)
        };
        c.finish(c.client.reset_options(scope), |done| {
            with_rejected(&done.warnings, &done.rejected)
        })
        .0
    })
}

/// Any action: `count` parameters (`keys[i]` = `values[i]`), as a GET or, when
/// `post`, a POST (a write, never sent twice blindly) carrying the csrf token
/// when `with_token`. On success `*out_json` receives the answer as JSON
/// text, to free with `mw_string_free`.
///
/// # Safety
/// `client` is a live handle; `keys` and `values` hold `count`
/// NUL-terminated strings; `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_request(
    client: *const mw_client,
    keys: *const *const c_char,
    values: *const *const c_char,
    count: usize,
    post: bool,
    with_token: bool,
    out_json: *mut *mut c_char,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let keys = try_ffi!(unsafe { text_array(keys, count, false) });
        let values = try_ffi!(unsafe { text_array(values, count, false) });
        if out_json.is_null() {
            return mw_result::MW_ERR_NULL_PARAMETER;
        }
        let pairs: Vec<(&str, &str)> = keys
            .into_iter()
            .flatten()
            .zip(values.into_iter().flatten())
            .collect();
        let method = if post { Method::Post } else { Method::Get };
        let (code, reply) = c.finish(c.client.raw(&pairs, method, with_token), |r| {
            plain(&r.warnings)
        });
        if let Some(reply) = reply {
            // JSON text holds no NUL byte: serde_json escapes it.
            let Ok(json) = std::ffi::CString::new(reply.json.to_string()) else {
                return mw_result::MW_ERR_OTHER;
            };
            // SAFETY: `out_json` is non-NULL and writable.
            unsafe { *out_json = json.into_raw() };
        }
        code
    })
}

/// Frees a string the library allocated (`mw_client_request`'s JSON). NULL
/// is allowed and does nothing.
///
/// # Safety
/// `s` is NULL or a string from this library, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_string_free(s: *mut c_char) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !s.is_null() {
            // SAFETY: allocated by `CString::into_raw` in this library.
            drop(unsafe { std::ffi::CString::from_raw(s) });
        }
    }));
}

// ---- the last call ----------------------------------------------------------------

/// The API error code of this thread's last failed call on `client`
/// (`"noemail"`, or a login's reason code or result), empty when it had
/// none. For `MW_ERR_OUTCOME_UNKNOWN` after an API error (an
/// `internal_api_error_*`, `emailuser`'s `Failure`), that error's code.
///
/// # Safety
/// `client` is a live handle; `buf` is writable for `len` bytes; `out_n` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_last_error_code(
    client: *const mw_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let code = c.with_last(|l| l.map(|l| l.code.clone()).unwrap_or_default());
        unsafe { write_out(&code, buf, len, out_n) }
    })
}

/// The text of this thread's last failed call on `client`: MediaWiki's own
/// text for an API error (also one that left the outcome unknown) or a
/// refused login, else the library's message.
/// Empty after a success. Never holds a password or a token.
///
/// # Safety
/// As `mw_client_last_error_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_last_error_text(
    client: *const mw_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let text = c.with_last(|l| l.map(|l| l.text.clone()).unwrap_or_default());
        unsafe { write_out(&text, buf, len, out_n) }
    })
}

/// How many warnings this thread's last call on `client` gave (0 for a NULL
/// client).
///
/// # Safety
/// `client` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_last_warning_count(client: *const mw_client) -> usize {
    catch_unwind(AssertUnwindSafe(|| match unsafe { handle(client) } {
        Ok(c) => c.with_last(|l| l.map_or(0, |l| l.warnings.len())),
        Err(_) => 0,
    }))
    .unwrap_or(0)
}

/// One part (an `mw_warning_part`) of warning `index` of this thread's last
/// call on `client`. `MW_ERR_NOT_FOUND` when `index` is out of range,
/// `MW_ERR_INVALID_INPUT` for an unknown part.
///
/// # Safety
/// As `mw_client_last_error_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_last_warning(
    client: *const mw_client,
    index: usize,
    part: u32,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    guard(|| {
        let c = try_ffi!(unsafe { handle(client) });
        let value = c.with_last(|l| {
            l.and_then(|l| l.warnings.get(index))
                .map(|(m, option)| match part {
                    p if p == mw_warning_part::MW_WARNING_CODE as u32 => Some(m.code.clone()),
                    p if p == mw_warning_part::MW_WARNING_TEXT as u32 => Some(m.text.clone()),
                    p if p == mw_warning_part::MW_WARNING_MODULE as u32 => {
                        Some(m.module.clone().unwrap_or_default())
                    }
                    p if p == mw_warning_part::MW_WARNING_OPTION as u32 => {
                        Some(option.clone().unwrap_or_default())
                    }
                    _ => None,
                })
        });
        match value {
            Some(Some(v)) => unsafe { write_out(&v, buf, len, out_n) },
            Some(None) => mw_result::MW_ERR_INVALID_INPUT,
            None => mw_result::MW_ERR_NOT_FOUND,
        }
    })
}

/// The server's `Retry-After` on this thread's last call on `client`, in
/// whole seconds from the call's end (an HTTP date is counted from then,
/// rounded up; a date past is 0). It is when to look again, never a promise
/// that sending again is safe: after `MW_ERR_OUTCOME_UNKNOWN` check the
/// write's effect first. `MW_ERR_NOT_FOUND` when the server sent none (or
/// the last call succeeded); `*out_seconds` is written only on `MW_OK`.
///
/// # Safety
/// `client` is a live handle; `out_seconds` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_last_retry_after(
    client: *const mw_client,
    out_seconds: *mut u64,
) -> mw_result {
    guard(|| {
        // SAFETY: `client` is NULL or a live handle, per the contract.
        let c = try_ffi!(unsafe { handle(client) });
        if out_seconds.is_null() {
            return mw_result::MW_ERR_NULL_PARAMETER;
        }
        match c.with_last(|l| l.and_then(|l| l.retry_after)) {
            Some(seconds) => {
                // SAFETY: checked non-NULL above; writable per the contract.
                unsafe { *out_seconds = seconds };
                mw_result::MW_OK
            }
            None => mw_result::MW_ERR_NOT_FOUND,
        }
    })
}

/// Writes the names `pick` selects from this thread's last call, joined by
/// `'\n'`, as `write_out` does.
///
/// # Safety
/// As `mw_client_last_error_code`.
unsafe fn last_names(
    client: *const mw_client,
    pick: fn(&LastCall) -> &[String],
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    // SAFETY: `client` is NULL or a live handle, per the contract.
    let c = try_ffi!(unsafe { handle(client) });
    let names = c.with_last(|l| l.map(|l| pick(l).join("\n")).unwrap_or_default());
    // SAFETY: `buf`, `len` and `out_n` as the caller's contract says.
    unsafe { write_out(&names, buf, len, out_n) }
}

/// After an options change (`mw_client_set_options`,
/// `mw_client_reset_options`) that failed partway, the names of the options
/// whose request the wiki answered with success, joined by `'\n'` (a name
/// holding a newline cannot be told apart), in the order sent. Options
/// among them the wiki dropped are also the last call's warnings with an
/// `MW_WARNING_OPTION` part. Empty after any other call. The call's result
/// is `MW_ERR_OUTCOME_UNKNOWN` when a request is in doubt
/// (`mw_client_last_options_unknown`), else the code of what stopped it.
///
/// # Safety
/// `client` is a live handle; `buf` is writable for `len` bytes; `out_n` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_last_options_applied(
    client: *const mw_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    // SAFETY: the caller's contract is `last_names`'.
    guard(|| unsafe { last_names(client, |l| &l.applied, buf, len, out_n) })
}

/// After an options change that failed partway, the names of the options
/// not applied: their request was refused, or never sent. As
/// `mw_client_last_options_applied`.
///
/// # Safety
/// As `mw_client_last_options_applied`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_last_options_not_applied(
    client: *const mw_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    // SAFETY: the caller's contract is `last_names`'.
    guard(|| unsafe { last_names(client, |l| &l.not_applied, buf, len, out_n) })
}

/// After an options change that failed partway, the names of the options
/// whose request may or may not have been carried out (the call returned
/// `MW_ERR_OUTCOME_UNKNOWN`): read the options back before changing them
/// again. As `mw_client_last_options_applied`.
///
/// # Safety
/// As `mw_client_last_options_applied`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_last_options_unknown(
    client: *const mw_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    // SAFETY: the caller's contract is `last_names`'.
    guard(|| unsafe { last_names(client, |l| &l.unknown, buf, len, out_n) })
}

// ---- options -----------------------------------------------------------------------

/// How many preferences `options` holds (0 for NULL).
///
/// # Safety
/// `options` is NULL or from `mw_client_get_options`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_options_len(options: *const mw_options) -> usize {
    // SAFETY: per the caller's contract.
    unsafe { options.as_ref() }.map_or(0, |o| o.pairs.len())
}

/// The name and value of preference `index` (in name order) into two
/// buffers. `MW_ERR_NOT_FOUND` when `index` is out of range.
///
/// # Safety
/// `options` is from `mw_client_get_options`; each buffer is writable for
/// its length; `name_n` and `value_n` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_options_get(
    options: *const mw_options,
    index: usize,
    name: *mut c_char,
    name_len: usize,
    name_n: *mut usize,
    value: *mut c_char,
    value_len: usize,
    value_n: *mut usize,
) -> mw_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let Some(options) = (unsafe { options.as_ref() }) else {
            return mw_result::MW_ERR_NULL_PARAMETER;
        };
        let Some((k, v)) = options.pairs.get(index) else {
            return mw_result::MW_ERR_NOT_FOUND;
        };
        if name_n.is_null() || value_n.is_null() {
            return mw_result::MW_ERR_NULL_PARAMETER;
        }
        // Both fit, or neither is written.
        if name_len <= k.len() || value_len <= v.len() {
            // SAFETY: both checked non-NULL.
            unsafe {
                *name_n = k.len() + 1;
                *value_n = v.len() + 1;
            }
            return mw_result::MW_ERR_BUFFER_TOO_SMALL;
        }
        match unsafe { write_out(k, name, name_len, name_n) } {
            mw_result::MW_OK => unsafe { write_out(v, value, value_len, value_n) },
            other => other,
        }
    })
}

/// The value of preference `name` into `buf`. `MW_ERR_NOT_FOUND` when the
/// user has no such preference.
///
/// # Safety
/// `options` is from `mw_client_get_options`; `name` is NUL-terminated;
/// `buf` is writable for `len` bytes; `out_n` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_options_find(
    options: *const mw_options,
    name: *const c_char,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let Some(options) = (unsafe { options.as_ref() }) else {
            return mw_result::MW_ERR_NULL_PARAMETER;
        };
        let name = try_ffi!(unsafe { arg_str(name) });
        match options
            .pairs
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
        {
            Ok(i) => unsafe { write_out(&options.pairs[i].1, buf, len, out_n) },
            Err(_) => mw_result::MW_ERR_NOT_FOUND,
        }
    })
}

/// Frees preferences read by `mw_client_get_options`. NULL is allowed.
///
/// # Safety
/// `options` is NULL or from `mw_client_get_options`, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_options_free(options: *mut mw_options) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !options.is_null() {
            // SAFETY: from `Box::into_raw` in `mw_client_get_options`, freed once.
            drop(unsafe { Box::from_raw(options) });
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(mw_version()) };
        assert_eq!(v.to_str().ok(), Some(env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn result_names_match_their_values() {
        // SAFETY: static NUL-terminated strings.
        let name = |r: u32| {
            unsafe { CStr::from_ptr(mw_result_name(r)) }
                .to_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(name(0), "MW_OK");
        assert_eq!(name(114), "MW_ERR_API_NO_EMAIL");
        assert_eq!(name(9999), "MW_ERR_UNKNOWN");
    }

    fn http(status: u16, retry_after: Option<u64>) -> Error {
        Error::Http {
            status,
            retry_after: retry_after.map(|s| RetryAfter::Delay(std::time::Duration::from_secs(s))),
            snippet: String::new(),
        }
    }

    fn names(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    fn incomplete(error: Error) -> Error {
        Error::Incomplete(Box::new(mw_core::Incomplete {
            applied: names("a", 2),
            rejected: Vec::new(),
            unknown: if error.outcome_unknown() {
                names("u", 1)
            } else {
                Vec::new()
            },
            not_applied: names("n", 3),
            warnings: Vec::new(),
            error,
        }))
    }

    fn recorded(e: &Error) -> LastCall {
        let mut last = LastCall::default();
        record_error(e, &mut last);
        last
    }

    #[test]
    fn a_503_to_a_write_is_outcome_unknown_with_its_retry_after() {
        let e = http(503, Some(7)).for_write();
        assert_eq!(code_of(&e), mw_result::MW_ERR_OUTCOME_UNKNOWN);
        assert_eq!(recorded(&e).retry_after, Some(7));
        assert_eq!(recorded(&http(502, None).for_write()).retry_after, None);
    }

    #[test]
    fn an_oversized_answer_to_a_write_is_outcome_unknown_to_a_read_too_large() {
        let e = Error::BodyTooLarge { limit: 10 };
        assert_eq!(code_of(&e), mw_result::MW_ERR_BODY_TOO_LARGE);
        assert_eq!(code_of(&e.for_write()), mw_result::MW_ERR_OUTCOME_UNKNOWN);
    }

    #[test]
    fn an_http_date_retry_after_is_whole_seconds_rounded_up() {
        let at = SystemTime::now() + std::time::Duration::from_millis(2500);
        assert!((2..=3).contains(&whole_seconds(RetryAfter::At(at))));
        let past = SystemTime::now() - std::time::Duration::from_secs(60);
        assert_eq!(whole_seconds(RetryAfter::At(past)), 0);
    }

    #[test]
    fn an_incomplete_change_in_doubt_is_outcome_unknown_and_names_its_options() {
        let e = incomplete(http(502, None).for_write());
        assert_eq!(code_of(&e), mw_result::MW_ERR_OUTCOME_UNKNOWN);
        let last = recorded(&e);
        assert_eq!(last.applied, names("a", 2));
        assert_eq!(last.unknown, names("u", 1));
        assert_eq!(last.not_applied, names("n", 3));
        assert!(last.text.contains("incomplete"), "{}", last.text);
    }

    #[test]
    fn an_incomplete_change_otherwise_has_its_inner_code_and_the_servers_text() {
        let mut api =
            mw_core::ApiError::new("ratelimited", "You've exceeded your rate limit.", 200);
        api.retry_after = Some(RetryAfter::Delay(std::time::Duration::from_secs(30)));
        let e = incomplete(Error::from(api));
        assert_eq!(code_of(&e), mw_result::MW_ERR_API_RATE_LIMITED);
        let last = recorded(&e);
        assert_eq!(last.code, "ratelimited");
        assert_eq!(last.text, "You've exceeded your rate limit.");
        assert_eq!(last.retry_after, Some(30));
        assert!(last.unknown.is_empty());
        assert_eq!(last.not_applied, names("n", 3));
    }

    #[test]
    fn an_internal_error_on_a_write_keeps_mediawikis_code_and_text() {
        let api = mw_core::ApiError::new(
            "internal_api_error_DBQueryError",
            "[abc] Database error",
            200,
        );
        let e = Error::from(api).for_write();
        assert_eq!(code_of(&e), mw_result::MW_ERR_OUTCOME_UNKNOWN);
        let last = recorded(&e);
        assert_eq!(last.code, "internal_api_error_DBQueryError");
        assert_eq!(last.text, "[abc] Database error");
    }

    #[test]
    fn the_new_getters_check_their_pointers() {
        let mut seconds = 0u64;
        let mut n = 0usize;
        let mut buf = [0 as c_char; 8];
        // SAFETY: NULL handles and valid out-parameters.
        unsafe {
            assert_eq!(
                mw_client_last_retry_after(std::ptr::null(), &mut seconds),
                mw_result::MW_ERR_NULL_PARAMETER
            );
            assert_eq!(
                mw_client_last_options_applied(std::ptr::null(), buf.as_mut_ptr(), 8, &mut n),
                mw_result::MW_ERR_NULL_PARAMETER
            );
        }
    }
}
