//! C ABI for mwkit (`libmw`): a translation layer over `mw-ureq`.
//!
//! Conventions (rustls-ffi's): everything is `mw_`; opaque handles
//! (`mw_client_builder`, `mw_client`, `mw_options`), each freed by a
//! NULL-tolerant `_free`; every fallible function returns an [`mw_result`],
//! whose values and names are the rows of mw-core's table
//! ([`mw_core::ERROR_CODES`]); out-parameters come last and are written only
//! on success (a too-small buffer's `out_n` excepted); strings in are
//! NUL-terminated UTF-8, strings out go to caller buffers (`buf`, `len`,
//! `out_n`) or are freed with [`mw_string_free`].
//!
//! Each exported function is its logic only. Its body runs inside one of
//! three panic boundaries of `ffi.rs`: `call` (records what happened as the
//! thread's last call: success, failure and every refusal), `read` (the
//! last-call readers: records nothing, so reading never erases what it
//! reads) or `guard`. Its pointer arguments are checked by `arg!`, which
//! names the argument in the refusal's text; handles are freed by
//! `free_box`.
//!
//! The last-call details are thread-local: one record per thread, replaced
//! by each call and freed when the thread ends, however many threads come
//! and go.
#![allow(non_camel_case_types)]

#[macro_use]
mod ffi;
mod last;

use std::ffi::{CString, c_char};
use std::sync::OnceLock;
use std::time::Duration;

use mw_ureq::mw_core::{self, ERROR_CODES};
use mw_ureq::{
    Client, ClientBuilder, EmailUser, Emailability, Error, Method, OAuth1Keys, OptionsChange,
    ResetPassword, ResetScope, SecondFactor,
};

use ffi::{Fail, Out, boxed, call, done, free_box, guard, read, refuse};
use last::{Warnings, plain, with_last, with_rejected};

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
    /// a request in doubt: `mw_last_options_applied` and its siblings
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
    /// (`Failed`, `Throttled`, `FAIL`, ...) or the library's: `OtherUser` (a
    /// relogin gave another user's session; nothing was sent),
    /// `PasswordChanged` (the new password was set, but the session could
    /// not be confirmed: log in with the new password). `mw_last_error_kind`
    /// is `"login_failed"`, or `"login_session_lost"` when the wiki lost the
    /// login's session before it checked the two-factor code or set the new
    /// password (last error code `badtoken` or
    /// `authmanager-authn-not-in-progress`), or twice before it checked the
    /// password (`badtoken`: a stale login token; the login started over
    /// once): nothing was changed; log in again, with a new code.
    MW_ERR_LOGIN_FAILED = 14,
    /// No such item (an option name not found, an index out of range).
    MW_ERR_NOT_FOUND = 15,
    /// Another failure.
    MW_ERR_OTHER = 16,
    /// The client logged out, or in as someone else, while this call was in
    /// progress: it stopped before sending anything as another identity.
    MW_ERR_SESSION_CHANGED = 17,
    /// The wiki asks for a second factor (a two-factor code) and none was
    /// given: nothing more was sent after its question.
    MW_ERR_SECOND_FACTOR_REQUIRED = 18,
    /// The wiki refused the two-factor code given; the client is not logged
    /// in, and may log in again with another code.
    MW_ERR_SECOND_FACTOR_FAILED = 19,
    /// The TLS handshake failed, so nothing was sent: the wiki's certificate
    /// has an unknown issuer (give its CA with
    /// `mw_client_builder_set_ca_file`), is for another name, has expired,
    /// or the protocol could not be agreed; `mw_last_error_text` says which.
    MW_ERR_TLS = 20,
    /// The OAuth token or keys are not valid (garbage, expired, revoked, a
    /// disabled consumer, a wrong client secret): nothing acted.
    MW_ERR_OAUTH_INVALID = 21,
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
    /// API errors `permissiondenied`, `badaccess`, `permissions`,
    /// `readapidenied`, `writeapidenied`, `noapiwrite`.
    MW_ERR_API_PERMISSION_DENIED = 105,
    /// API errors `mustpostparams`, `mustbeposted`.
    MW_ERR_API_MUST_POST_PARAMS = 106,
    /// API errors `missingparam`, `nooptionname`.
    MW_ERR_API_MISSING_PARAM = 107,
    /// API error `invalidparammix`.
    MW_ERR_API_INVALID_PARAM_MIX = 108,
    /// API errors `cantsend`, `mailnologin` (1.41+): the sender has no
    /// confirmed address, or is logged out.
    MW_ERR_API_CANT_SEND = 109,
    /// A partial block that forbids email: `blockedfrommail`,
    /// `blockedemailuser` (1.39), `blocked` (1.41+) when the block's
    /// details say partial.
    MW_ERR_API_BLOCKED_FROM_EMAIL = 110,
    /// API errors `blocked`, `autoblocked`: a sitewide block (1.39's
    /// `blockedemailuser` too when the block's details say sitewide).
    MW_ERR_API_BLOCKED = 111,
    /// API error `usermaildisabled`.
    MW_ERR_API_USER_MAIL_DISABLED = 112,
    /// API errors `notarget` (1.39), `emailnotarget` (1.41+).
    MW_ERR_API_NO_TARGET = 113,
    /// API errors `noemail` (1.39), `noemailtext` (1.41+).
    MW_ERR_API_NO_EMAIL = 114,
    /// API errors `nowikiemail` (1.39), `nowikiemailtext` (1.41+).
    MW_ERR_API_NO_WIKI_EMAIL = 115,
    /// API errors `ratelimited`, `actionthrottled`.
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
    /// API errors `moduledisabled`, `passwordreset-disabled`,
    /// `passwordreset-emaildisabled`, `resetpass_forbidden-reason`.
    MW_ERR_API_MODULE_DISABLED = 122,
    /// API errors `internal_api_error_*`.
    MW_ERR_API_INTERNAL = 123,
    /// API error `hookaborted`: an extension refused the email.
    MW_ERR_API_HOOK_ABORTED = 124,
    /// API errors `badvalue`, `baduser`, `invaliduser`,
    /// `badurl_loginreturnurl`: a value the wiki does not accept.
    MW_ERR_API_INVALID_PARAM = 125,
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

/// A part of a warning (`mw_last_warning`).
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

/// A client of one wiki, safe to share between threads. Opaque; create with
/// `mw_client_new` or `mw_client_builder_build`, free with `mw_client_free`.
pub struct mw_client {
    client: Client,
}

/// The settings of a client to be built. Opaque; create with
/// `mw_client_builder_new`, free with `mw_client_builder_free`.
pub struct mw_client_builder {
    builder: ClientBuilder,
}

/// A user's preferences, read by `mw_client_get_options`. Opaque; free with
/// `mw_options_free`.
pub struct mw_options {
    pairs: Vec<(String, String)>,
}

impl mw_client_builder {
    /// A setter's body.
    fn set(&mut self, f: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Result<Warnings, Fail> {
        self.builder = f(self.builder.clone());
        Ok(done())
    }
}

/// Hands a new client to C.
fn put_client(out: Out<*mut mw_client>, client: Result<Client, Error>) -> Result<Warnings, Fail> {
    out.put(boxed(mw_client { client: client? }));
    Ok(done())
}

// ---- version and result names ----------------------------------------------------

/// The library's version, a static NUL-terminated string; do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn mw_version() -> *const c_char {
    guard(c"".as_ptr(), || {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}

/// The name of a result code (`"MW_ERR_API_NO_EMAIL"`), a static string; do
/// not free it. Unknown values give `"MW_ERR_UNKNOWN"`.
#[unsafe(no_mangle)]
pub extern "C" fn mw_result_name(result: u32) -> *const c_char {
    static NAMES: OnceLock<Vec<(u32, CString)>> = OnceLock::new();
    guard(c"MW_ERR_UNKNOWN".as_ptr(), || {
        let names = NAMES.get_or_init(|| {
            let rows = ERROR_CODES.iter();
            rows.filter_map(|r| Some((r.c_value, CString::new(r.c_name).ok()?)))
                .collect()
        });
        match names.iter().find(|(value, _)| *value == result) {
            Some((_, name)) => name.as_ptr(),
            None if result == mw_result::MW_OK as u32 => c"MW_OK".as_ptr(),
            None => c"MW_ERR_UNKNOWN".as_ptr(),
        }
    })
}

// ---- building a client -----------------------------------------------------------

/// Starts the settings of a client of the API at `api_url`, identifying
/// itself as `user_agent` (name the tool and a contact), with mw-ureq's
/// defaults (`DEFAULT_CONNECT_TIMEOUT`, `DEFAULT_READ_TIMEOUT`,
/// `DEFAULT_TIMEOUT`, `DEFAULT_MAXLAG`, `DEFAULT_RETRIES`,
/// `DEFAULT_MAX_WAIT`, `DEFAULT_MAX_RESPONSE_BYTES`; insecure credentials
/// refused). Nothing is checked until `mw_client_builder_build`. On success
/// `*out` receives the builder, to free with `mw_client_builder_free`.
///
/// # Safety
/// The strings are NULL or NUL-terminated; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_new(
    api_url: *const c_char,
    user_agent: *const c_char,
    out: *mut *mut mw_client_builder,
) -> mw_result {
    call(|| {
        let out = arg!(out(out));
        let builder = Client::builder(arg!(text(api_url)), arg!(text(user_agent)));
        out.put(boxed(mw_client_builder { builder }));
        Ok(done())
    })
}

/// Sets the time to connect, in milliseconds.
///
/// # Safety
/// `builder` is NULL or a live builder, used by one thread at a time (as
/// every `mw_client_builder_set_*`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_set_connect_timeout_ms(
    builder: *mut mw_client_builder,
    ms: u64,
) -> mw_result {
    call(|| arg!(handle_mut(builder)).set(|b| b.connect_timeout(Duration::from_millis(ms))))
}

/// Sets the time to wait for the answer's headers, and again for its body,
/// in milliseconds. A read that times out is `MW_ERR_TIMEOUT`; a write,
/// `MW_ERR_OUTCOME_UNKNOWN`.
///
/// # Safety
/// As `mw_client_builder_set_connect_timeout_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_set_read_timeout_ms(
    builder: *mut mw_client_builder,
    ms: u64,
) -> mw_result {
    call(|| arg!(handle_mut(builder)).set(|b| b.read_timeout(Duration::from_millis(ms))))
}

/// Sets the limit for one whole request, from connecting to the last byte,
/// in milliseconds.
///
/// # Safety
/// As `mw_client_builder_set_connect_timeout_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_set_timeout_ms(
    builder: *mut mw_client_builder,
    ms: u64,
) -> mw_result {
    call(|| arg!(handle_mut(builder)).set(|b| b.timeout(Duration::from_millis(ms))))
}

/// Sets the `maxlag` sent with every request, in seconds; `send` false
/// sends none (`seconds` is then ignored).
///
/// # Safety
/// As `mw_client_builder_set_connect_timeout_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_set_maxlag(
    builder: *mut mw_client_builder,
    send: bool,
    seconds: u32,
) -> mw_result {
    call(|| arg!(handle_mut(builder)).set(|b| b.maxlag(send.then_some(seconds))))
}

/// Sets how many times one call may wait and send again when the server
/// proves it did not act and asks to wait (`maxlag`, `readonly`; for a read
/// also HTTP 429 or 503); 0 turns waiting off.
///
/// # Safety
/// As `mw_client_builder_set_connect_timeout_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_set_retries(
    builder: *mut mw_client_builder,
    retries: u32,
) -> mw_result {
    call(|| arg!(handle_mut(builder)).set(|b| b.retries(retries)))
}

/// Sets the longest wait accepted from the server, in milliseconds; a
/// server asking for longer gets its error returned instead.
///
/// # Safety
/// As `mw_client_builder_set_connect_timeout_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_set_max_wait_ms(
    builder: *mut mw_client_builder,
    ms: u64,
) -> mw_result {
    call(|| arg!(handle_mut(builder)).set(|b| b.max_wait(Duration::from_millis(ms))))
}

/// Sets the largest answer body read, in bytes. A larger answer to a read
/// is `MW_ERR_BODY_TOO_LARGE`; to a write, `MW_ERR_OUTCOME_UNKNOWN`.
///
/// # Safety
/// As `mw_client_builder_set_connect_timeout_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_set_max_response_bytes(
    builder: *mut mw_client_builder,
    bytes: u64,
) -> mw_result {
    call(|| arg!(handle_mut(builder)).set(|b| b.max_response_bytes(bytes)))
}

/// Allows sending passwords over plain `http://` to a host that is not the
/// loopback (by default they are refused before anything is sent).
///
/// # Safety
/// As `mw_client_builder_set_connect_timeout_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_set_allow_insecure_credentials(
    builder: *mut mw_client_builder,
    allow: bool,
) -> mw_result {
    call(|| arg!(handle_mut(builder)).set(|b| b.allow_insecure_credentials(allow)))
}

/// Verifies the wiki's certificate against the CA bundle (PEM) in the file
/// at `path` instead of the system's store, as `curl --cacert` does: for a
/// wiki behind a private CA, or a self-signed one (give its own
/// certificate). Without it the system's store is used, with
/// `SSL_CERT_FILE` and `SSL_CERT_DIR` honoured. The file is read by
/// `mw_client_builder_build`: one that cannot be read or holds no PEM
/// certificate is `MW_ERR_INVALID_INPUT` there. There is no way to turn
/// verification off.
///
/// # Safety
/// As `mw_client_builder_set_connect_timeout_ms`; `path` is NULL or a
/// NUL-terminated UTF-8 string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_set_ca_file(
    builder: *mut mw_client_builder,
    path: *const c_char,
) -> mw_result {
    call(|| {
        let path = arg!(text(path)).to_owned();
        arg!(handle_mut(builder)).set(|b| b.ca_file(path))
    })
}

/// Builds a client from the settings. `MW_ERR_INVALID_INPUT` for a bad API
/// URL, a user agent that is empty or holds CR/LF, a zero timeout or body
/// limit, or a CA file that cannot be read or holds no PEM certificate;
/// `mw_last_error_text` says which. On success `*out` receives the
/// client, to free with `mw_client_free`. The builder is left as it was:
/// build again, or free it with `mw_client_builder_free`.
///
/// # Safety
/// `builder` is NULL or a live builder; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_build(
    builder: *const mw_client_builder,
    out: *mut *mut mw_client,
) -> mw_result {
    call(|| {
        put_client(
            arg!(out(out)),
            arg!(handle(builder)).builder.clone().build(),
        )
    })
}

/// Frees a builder. NULL is allowed and does nothing.
///
/// # Safety
/// `builder` is NULL or from `mw_client_builder_new`, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_builder_free(builder: *mut mw_client_builder) {
    // SAFETY: the caller's contract is `free_box`'s.
    unsafe { free_box(builder) }
}

// ---- the client ------------------------------------------------------------------

/// Creates a client of the API at `api_url`, identifying itself as
/// `user_agent` (name the tool and a contact), with the defaults of
/// `mw_client_builder_new`. On success `*out` receives the handle, to free
/// with `mw_client_free`. On failure `mw_last_error_text` says why.
///
/// # Safety
/// The strings are NULL or NUL-terminated; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_new(
    api_url: *const c_char,
    user_agent: *const c_char,
    out: *mut *mut mw_client,
) -> mw_result {
    call(|| {
        let out = arg!(out(out));
        put_client(
            out,
            Client::new(arg!(text(api_url)), arg!(text(user_agent))),
        )
    })
}

/// Frees a client. NULL is allowed and does nothing. Free it only after
/// every thread is done with it.
///
/// # Safety
/// `client` is NULL or a handle from this library, not used afterwards by
/// any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_free(client: *mut mw_client) {
    // SAFETY: the caller's contract is `free_box`'s.
    unsafe { free_box(client) }
}

/// Logs in with a bot password (`User@appid`, `action=login`).
///
/// # Safety
/// `client` is NULL or a live handle; the strings are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_login(
    client: *const mw_client,
    name: *const c_char,
    password: *const c_char,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let info = c.client.login(arg!(text(name)), arg!(text(password)))?;
        Ok(plain(&info.warnings))
    })
}

/// Logs in with a main account's password (`action=clientlogin`).
/// `new_password` (NULL when absent) completes a login with a temporary
/// password from a reset. An account with two-factor authentication gives
/// `MW_ERR_SECOND_FACTOR_REQUIRED`: log it in with
/// `mw_client_clientlogin_otp`.
///
/// # Safety
/// `client` is NULL or a live handle; the strings are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_clientlogin(
    client: *const mw_client,
    name: *const c_char,
    password: *const c_char,
    new_password: *const c_char,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let (name, password) = (arg!(text(name)), arg!(text(password)));
        let new_password = arg!(optional_text(new_password)).map(mw_core::Password::new);
        let info = c.client.client_login(name, password, new_password)?;
        Ok(plain(&info.warnings))
    })
}

/// Logs in with a main account's password (`action=clientlogin`), for an
/// account with two-factor authentication (OATHAuth's TOTP): `otp` (NULL
/// when absent) is the code, sent only when the wiki asks for one (a
/// `logincontinue` step), and never for an account without two-factor.
/// `new_password` (NULL when absent) completes a login with a temporary
/// password from a reset, as for `mw_client_clientlogin`. The code is a
/// secret: no last-call detail ever holds it, nor the passwords.
///
/// The results are those of `mw_client_clientlogin`, and:
/// - `MW_ERR_SECOND_FACTOR_REQUIRED`: the wiki asks for a code and `otp` is
///   NULL or blank; nothing more was sent after its question.
/// - `MW_ERR_SECOND_FACTOR_FAILED`: the wiki refused the code (wrong,
///   expired, or already used: a code is accepted once); the client is not
///   logged in, and may log in again with a fresh code.
///
/// For both, the last error code and text are the wiki's own
/// (`oathauth-auth-ui`, `oathauth-login-failed` with OATHAuth). A bot
/// password (`mw_client_login`) is never asked for a code.
/// - `MW_ERR_LOGIN_FAILED` with `mw_last_error_kind` `"login_session_lost"`:
///   the wiki lost the login's session before it checked the code (it
///   expired, or its cookie did not come back); the code was not used, and
///   nothing more was sent. Log in again with a new code.
///
/// # Safety
/// `client` is NULL or a live handle; the strings are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_clientlogin_otp(
    client: *const mw_client,
    name: *const c_char,
    password: *const c_char,
    new_password: *const c_char,
    otp: *const c_char,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let (name, password) = (arg!(text(name)), arg!(text(password)));
        let new_password = arg!(optional_text(new_password)).map(mw_core::Password::new);
        // No code: the wiki's question ends the login, and nothing more is
        // sent. A code is a Password: never shown, in no error.
        let info = match arg!(optional_text(otp)) {
            Some(otp) => {
                let code = SecondFactor::code(mw_core::Password::new(otp));
                let client = &c.client;
                client.client_login_with_second_factor(name, password, new_password, code)?
            }
            None => c.client.client_login(name, password, new_password)?,
        };
        Ok(plain(&info.warnings))
    })
}

/// Acts as the owner of an OAuth 2 access token (an owner-only consumer's,
/// Extension:OAuth) instead of logging in: every request carries
/// `Authorization: Bearer`, the account is learnt with one `meta=userinfo`
/// read, and every request asserts it, as after a password login. No
/// `action=login` or `action=logout` is ever sent under a token;
/// `mw_client_logout` forgets the token without sending anything.
///
/// The results are those of `mw_client_login`, and `MW_ERR_OAUTH_INVALID`
/// when the wiki refuses the token (garbage, expired, revoked, a disabled
/// consumer): nothing acted, nothing was sent again with it, and the last
/// error code and text are the wiki's own (`mwoauth-invalid-authorization`,
/// ...). An empty token, or one over plain `http://` to a host that is not
/// the loopback, is `MW_ERR_INVALID_INPUT`, nothing sent. No last-call
/// detail ever holds the token.
///
/// # Safety
/// `client` is NULL or a live handle; `token` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_login_oauth2(
    client: *const mw_client,
    token: *const c_char,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let info = c
            .client
            .login_oauth2(mw_core::Token::new(arg!(text(token))))?;
        Ok(plain(&info.warnings))
    })
}

/// Acts as a confidential OAuth 2 client (an owner-only consumer with the
/// `client_credentials` grant): its access token is fetched from the wiki's
/// `rest.php/oauth2/access_token` (next to `api.php`), then used as
/// `mw_client_login_oauth2` uses one, and fetched again before it expires,
/// without the caller noticing. The results are those of
/// `mw_client_login_oauth2`; a wrong id or secret is `MW_ERR_OAUTH_INVALID`
/// too. No last-call detail ever holds the secret or a token.
///
/// # Safety
/// `client` is NULL or a live handle; the strings are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_login_oauth2_client(
    client: *const mw_client,
    client_id: *const c_char,
    client_secret: *const c_char,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let (id, secret) = (arg!(text(client_id)), arg!(text(client_secret)));
        let info = c.client.login_oauth2_client(id, secret)?;
        Ok(plain(&info.warnings))
    })
}

/// Acts with OAuth 1.0a keys (an owner-only consumer's): the consumer key
/// and secret, the access token and its secret. As
/// `mw_client_login_oauth2`, each request signed (HMAC-SHA1, RFC 5849)
/// instead of carrying a bearer token; the same results. No last-call
/// detail ever holds a secret.
///
/// # Safety
/// `client` is NULL or a live handle; the strings are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_login_oauth1(
    client: *const mw_client,
    consumer_key: *const c_char,
    consumer_secret: *const c_char,
    access_token: *const c_char,
    access_secret: *const c_char,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let keys = OAuth1Keys::new(
            arg!(text(consumer_key)),
            arg!(text(consumer_secret)),
            arg!(text(access_token)),
            arg!(text(access_secret)),
        )?;
        let info = c.client.login_oauth1(keys)?;
        Ok(plain(&info.warnings))
    })
}

/// Logs out and forgets the session.
///
/// # Safety
/// `client` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_logout(client: *const mw_client) -> mw_result {
    call(|| Ok(plain(&arg!(handle(client)).client.logout()?)))
}

/// Emails a user; `cc_me` sends a copy to the sender. Sent again only after
/// an answer proving MediaWiki did not act (`badtoken`, a lost session,
/// `maxlag`, `readonly`). `MW_ERR_OUTCOME_UNKNOWN` when the mail may have
/// gone out (any 5xx, 503 with `Retry-After` included, a timeout, a dropped
/// answer, `Failure`): check before sending again; `mw_last_retry_after`
/// gives the server's `Retry-After`.
///
/// # Safety
/// `client` is NULL or a live handle; the strings are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_email_user(
    client: *const mw_client,
    target: *const c_char,
    subject: *const c_char,
    text: *const c_char,
    cc_me: bool,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let email = EmailUser::new(arg!(text(target)), arg!(text(subject)), arg!(text(text)));
        let sent = c.client.email_user(&email.cc_me(cc_me))?;
        Ok(plain(&sent.warnings))
    })
}

/// Which of `count` users can be emailed: `out` (room for `count` values)
/// receives an `mw_emailability` for each name, in order.
///
/// # Safety
/// `client` is NULL or a live handle; `names` holds `count` NUL-terminated
/// strings; `out` is NULL or writable for `count` values.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_emailable(
    client: *const mw_client,
    names: *const *const c_char,
    count: usize,
    out: *mut mw_emailability,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let names = arg!(texts(names, count));
        let out = arg!(outs(out, count));
        let report = c.client.emailable(&names)?;
        for (i, entry) in report.entries.iter().enumerate() {
            out.put_at(
                i,
                match entry.status {
                    Emailability::Emailable => mw_emailability::MW_EMAILABLE,
                    Emailability::NotEmailable => mw_emailability::MW_NOT_EMAILABLE,
                    Emailability::Missing => mw_emailability::MW_MISSING,
                    Emailability::Invalid => mw_emailability::MW_INVALID,
                },
            );
        }
        Ok(plain(&report.warnings))
    })
}

/// Starts a password reset by user name, by email address, or both (NULL
/// for the one not given). Logged out, it uses the anonymous token.
///
/// # Safety
/// `client` is NULL or a live handle; `user` and `email` are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_reset_password(
    client: *const mw_client,
    user: *const c_char,
    email: *const c_char,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let reset = ResetPassword::new(arg!(optional_text(user)), arg!(optional_text(email)))?;
        Ok(plain(&c.client.reset_password(&reset)?))
    })
}

/// Reads the logged-in user's preferences. On success `*out` receives them,
/// to free with `mw_options_free`.
///
/// # Safety
/// `client` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_get_options(
    client: *const mw_client,
    out: *mut *mut mw_options,
) -> mw_result {
    call(|| {
        let (c, out) = (arg!(handle(client)), arg!(out(out)));
        let read = c.client.options()?;
        out.put(boxed(mw_options {
            pairs: read.options.into_iter().collect(),
        }));
        Ok(plain(&read.warnings))
    })
}

/// Changes `count` preferences: `names[i]` to `values[i]`, or back to its
/// default when `values[i]` is NULL. Options the wiki dropped (it answers
/// success even then) are the last call's warnings with an
/// `MW_WARNING_OPTION` part. A large change travels in several requests
/// (50 options to a request, 500 with `apihighlimits`); when it fails
/// partway, `mw_last_options_applied`, `mw_last_options_unknown` and
/// `mw_last_options_not_applied` name the options of each kind.
///
/// # Safety
/// `client` is NULL or a live handle; `names` holds `count` NUL-terminated
/// strings, `values` `count` pointers, each NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_set_options(
    client: *const mw_client,
    names: *const *const c_char,
    values: *const *const c_char,
    count: usize,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let pairs = arg!(texts(names, count))
            .into_iter()
            .zip(arg!(optional_texts(values, count)));
        let change = pairs.fold(OptionsChange::new(), |change, (name, value)| {
            change.change(name, value.map(str::to_owned))
        });
        let done = c.client.change_options(&change)?;
        Ok(with_rejected(&done.warnings, &done.rejected))
    })
}

/// Resets preferences to their defaults: all of them when `count` is 0 or
/// `kinds` holds `"all"`, else the `count` kinds given (`"registered"`,
/// `"userjs"`, ...).
///
/// # Safety
/// `client` is NULL or a live handle; `kinds` holds `count` NUL-terminated
/// strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_client_reset_options(
    client: *const mw_client,
    kinds: *const *const c_char,
    count: usize,
) -> mw_result {
    call(|| {
        let c = arg!(handle(client));
        let kinds: Vec<String> = arg!(texts(kinds, count))
            .into_iter()
            .map(str::to_owned)
            .collect();
        // No kinds (a NULL array, count 0) means every preference, as documented.
        let scope = match kinds.is_empty() {
            true => ResetScope::All,
            false => ResetScope::from_kinds(kinds),
        };
        let done = c.client.reset_options(scope)?;
        Ok(with_rejected(&done.warnings, &done.rejected))
    })
}

/// Any action: `count` parameters (`keys[i]` = `values[i]`), as a GET or, when
/// `post`, a POST (a write, never sent twice blindly) carrying the csrf token
/// when `with_token`. On success `*out_json` receives the answer as JSON
/// text, to free with `mw_string_free`.
///
/// # Safety
/// `client` is NULL or a live handle; `keys` and `values` hold `count`
/// NUL-terminated strings; `out_json` is NULL or writable.
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
    call(|| {
        let c = arg!(handle(client));
        let pairs: Vec<(&str, &str)> = (arg!(texts(keys, count)).into_iter())
            .zip(arg!(texts(values, count)))
            .collect();
        let out = arg!(out(out_json));
        let method = if post { Method::Post } else { Method::Get };
        let reply = c.client.raw(&pairs, method, with_token)?;
        // JSON text holds no NUL byte: serde_json escapes it.
        let json = CString::new(reply.json.to_string())
            .map_err(|_| refuse(mw_result::MW_ERR_OTHER, "the answer holds a NUL byte"))?;
        out.put(json.into_raw());
        Ok(plain(&reply.warnings))
    })
}

/// Frees a string the library allocated (`mw_client_request`'s JSON). NULL
/// is allowed and does nothing.
///
/// # Safety
/// `s` is NULL or a string from this library, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_string_free(s: *mut c_char) {
    guard((), || {
        if !s.is_null() {
            // SAFETY: from `CString::into_raw` in this library, freed once.
            drop(unsafe { CString::from_raw(s) });
        }
    });
}

// ---- the last call ----------------------------------------------------------------

/// The API error code of this thread's last call (`"noemail"`, or a
/// login's reason code or result), empty when it had none. For
/// `MW_ERR_OUTCOME_UNKNOWN` after an API error (an `internal_api_error_*`,
/// `emailuser`'s `Failure`), that error's code.
///
/// # Safety
/// `buf` is NULL or writable for `len` bytes; `out_n` is NULL or writable
/// (as for every `mw_last_*` that fills a buffer).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_last_error_code(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    read(|| with_last(|last| arg!(buffer(buf, len, out_n)).write(&last.code)))
}

/// The kind of this thread's last failure: its name in the one error table
/// (`"no_email"`, `"login_failed"`, `"login_session_lost"`, ...), the
/// `kind` of Python's exceptions and of the command line's JSON; empty after
/// a success. It tells apart the kinds that share a result:
/// `MW_ERR_LOGIN_FAILED` is `"login_failed"`, or `"login_session_lost"`
/// when the wiki lost the login's session before it checked the two-factor
/// code or set the new password (nothing was changed; log in again with a
/// new code).
///
/// # Safety
/// As `mw_last_error_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_last_error_kind(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    read(|| with_last(|last| arg!(buffer(buf, len, out_n)).write(last.kind)))
}

/// The text of this thread's last call: MediaWiki's own text for an API
/// error (also one that left the outcome unknown) or a refused login, else
/// the library's message, which names the argument refused (`"text is
/// NULL"`) and a client's construction error. Empty after a success. Never
/// holds a password or a token.
///
/// # Safety
/// As `mw_last_error_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_last_error_text(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    read(|| with_last(|last| arg!(buffer(buf, len, out_n)).write(&last.text)))
}

/// How many warnings this thread's last call gave.
#[unsafe(no_mangle)]
pub extern "C" fn mw_last_warning_count() -> usize {
    guard(0, || with_last(|last| last.warnings.len()))
}

/// One part (an `mw_warning_part`) of warning `index` of this thread's last
/// call. `MW_ERR_NOT_FOUND` when `index` is out of range,
/// `MW_ERR_INVALID_INPUT` for an unknown part.
///
/// # Safety
/// As `mw_last_error_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_last_warning(
    index: usize,
    part: u32,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    use mw_warning_part::*;
    read(|| {
        let out = arg!(buffer(buf, len, out_n));
        with_last(|last| {
            let Some((m, option)) = last.warnings.get(index) else {
                return Err(refuse(mw_result::MW_ERR_NOT_FOUND, "no such warning"));
            };
            out.write(match part {
                p if p == MW_WARNING_CODE as u32 => &m.code,
                p if p == MW_WARNING_TEXT as u32 => &m.text,
                p if p == MW_WARNING_MODULE as u32 => m.module.as_deref().unwrap_or(""),
                p if p == MW_WARNING_OPTION as u32 => option.as_deref().unwrap_or(""),
                _ => return Err(refuse(mw_result::MW_ERR_INVALID_INPUT, "no such part")),
            })
        })
    })
}

/// The server's `Retry-After` on this thread's last call, in whole seconds
/// from the call's end (an HTTP date is counted from then, rounded up; a
/// date past is 0). It is when to look again, never a promise that sending
/// again is safe: after `MW_ERR_OUTCOME_UNKNOWN` check the write's effect
/// first. `MW_ERR_NOT_FOUND` when the server sent none (or the last call
/// succeeded); `*out_seconds` is written only on `MW_OK`.
///
/// # Safety
/// `out_seconds` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_last_retry_after(out_seconds: *mut u64) -> mw_result {
    read(|| {
        let out = arg!(out(out_seconds));
        let seconds = with_last(|last| last.retry_after);
        out.put(seconds.ok_or_else(|| refuse(mw_result::MW_ERR_NOT_FOUND, "none"))?);
        Ok(())
    })
}

/// After an options change (`mw_client_set_options`,
/// `mw_client_reset_options`) that failed partway, the names of the options
/// whose request the wiki answered with success, joined by `'\n'` (option
/// names never hold a control character: such a change is refused before
/// sending), in the order sent. Options
/// among them the wiki dropped are also the last call's warnings with an
/// `MW_WARNING_OPTION` part. Empty after any other call. The call's result
/// is `MW_ERR_OUTCOME_UNKNOWN` when a request is in doubt
/// (`mw_last_options_unknown`), else the code of what stopped it.
///
/// # Safety
/// As `mw_last_error_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_last_options_applied(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    read(|| with_last(|last| arg!(buffer(buf, len, out_n)).write(&last.applied.join("\n"))))
}

/// After an options change that failed partway, the names of the options
/// not applied: their request was refused, or never sent. As
/// `mw_last_options_applied`.
///
/// # Safety
/// As `mw_last_error_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_last_options_not_applied(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    read(|| with_last(|last| arg!(buffer(buf, len, out_n)).write(&last.not_applied.join("\n"))))
}

/// After an options change that failed partway, the names of the options
/// whose request may or may not have been carried out (the call returned
/// `MW_ERR_OUTCOME_UNKNOWN`): read the options back before changing them
/// again. As `mw_last_options_applied`.
///
/// # Safety
/// As `mw_last_error_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_last_options_unknown(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    read(|| with_last(|last| arg!(buffer(buf, len, out_n)).write(&last.unknown.join("\n"))))
}

// ---- options -----------------------------------------------------------------------

/// How many preferences `options` holds (0 for NULL).
///
/// # Safety
/// `options` is NULL or from `mw_client_get_options`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_options_len(options: *const mw_options) -> usize {
    guard(0, || {
        // SAFETY: NULL or live, per the contract.
        unsafe { options.as_ref() }.map_or(0, |o| o.pairs.len())
    })
}

/// The name and value of preference `index` (in name order) into two
/// buffers: both are written, or neither. `MW_ERR_NOT_FOUND` when `index`
/// is out of range.
///
/// # Safety
/// `options` is NULL or from `mw_client_get_options`; each buffer is NULL
/// or writable for its length; `name_n` and `value_n` are NULL or writable.
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
    call(|| {
        let pairs = &arg!(handle(options)).pairs;
        let Some((k, v)) = pairs.get(index) else {
            return Err(refuse(mw_result::MW_ERR_NOT_FOUND, "no such option"));
        };
        let name = arg!(buffer(name, name_len, name_n));
        let value = arg!(buffer(value, value_len, value_n));
        if !(name.fits(k) && value.fits(v)) {
            name.tell_needed(k);
            return Err(value.tell_needed(v));
        }
        name.write(k)?;
        value.write(v)?;
        Ok(done())
    })
}

/// The value of preference `name` into `buf`. `MW_ERR_NOT_FOUND` when the
/// user has no such preference.
///
/// # Safety
/// `options` is NULL or from `mw_client_get_options`; `name` is NULL or
/// NUL-terminated; `buf` is NULL or writable for `len` bytes; `out_n` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_options_find(
    options: *const mw_options,
    name: *const c_char,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> mw_result {
    call(|| {
        let (pairs, name) = (&arg!(handle(options)).pairs, arg!(text(name)));
        let out = arg!(buffer(buf, len, out_n));
        match pairs.binary_search_by(|(k, _)| k.as_str().cmp(name)) {
            Ok(i) => out.write(&pairs[i].1).map(|()| done()),
            Err(_) => Err(refuse(mw_result::MW_ERR_NOT_FOUND, "no such option")),
        }
    })
}

/// Frees preferences read by `mw_client_get_options`. NULL is allowed.
///
/// # Safety
/// `options` is NULL or from `mw_client_get_options`, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mw_options_free(options: *mut mw_options) {
    // SAFETY: the caller's contract is `free_box`'s.
    unsafe { free_box(options) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mw_ureq::mw_core::{ApiError, ErrorCode};
    use std::collections::HashMap;
    use std::ffi::CStr;

    fn name(value: u32) -> &'static str {
        // SAFETY: `mw_result_name` gives a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(mw_result_name(value)) };
        name.to_str().unwrap_or_default()
    }

    /// The `mw_result` enumerators as the committed header has them (the
    /// header test checks that it is what cbindgen makes of the enum).
    fn enumerators() -> HashMap<String, u32> {
        let header = include_str!("../include/mw.h");
        let start = header.find("enum mw_result\n").unwrap_or_default();
        let body = &header[start..];
        let body = &body[body.find('{').unwrap_or_default()..body.find('}').unwrap_or_default()];
        let line = |l: &str| {
            let (name, value) = l.trim().trim_end_matches(',').split_once(" = ")?;
            Some((name.to_owned(), value.parse().ok()?))
        };
        body.lines().filter_map(line).collect()
    }

    #[test]
    fn every_row_of_the_table_is_an_mw_result() {
        let enumerators = enumerators();
        assert!(enumerators.len() > 40, "{enumerators:?}");
        for row in ERROR_CODES {
            assert_eq!(enumerators.get(row.c_name), Some(&row.c_value), "{row:?}");
            assert_eq!(name(row.c_value), row.c_name);
            if let Some(example) = row.example() {
                assert_eq!(mw_result::of(&example) as u32, row.c_value, "{example:?}");
            }
        }
        for (enumerator, value) in &enumerators {
            let row = ErrorCode::by_c_value(*value).map(|r| r.c_name);
            let want = (*value != 0).then_some(enumerator.as_str());
            assert_eq!(row, want, "{enumerator} = {value} has no row of its own");
        }
        assert_eq!(name(0), "MW_OK");
        assert_eq!(name(9999), "MW_ERR_UNKNOWN");
    }

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(mw_version()) };
        assert_eq!(v.to_str().ok(), Some(env!("CARGO_PKG_VERSION")));
    }

    fn last_text() -> String {
        with_last(|last| last.text.clone())
    }

    #[test]
    fn every_refusal_and_panic_replaces_the_last_call() {
        let api = ApiError::new("noemail", "no address", 200);
        let failed = call(|| Err(Error::from(api).into()));
        assert_eq!(failed, mw_result::MW_ERR_API_NO_EMAIL);
        assert_eq!(with_last(|last| last.code.clone()), "noemail");
        // SAFETY: a NULL handle, refused before use.
        let refused = unsafe { mw_client_logout(std::ptr::null()) };
        assert_eq!(refused, mw_result::MW_ERR_NULL_PARAMETER);
        assert_eq!(
            (with_last(|l| l.code.clone()), last_text()),
            (String::new(), "client is NULL".into())
        );
        let bad = c"a\xffb";
        // SAFETY: NUL-terminated strings and a writable out-parameter.
        let refused = unsafe {
            mw_client_builder_new(bad.as_ptr(), c"ua".as_ptr(), &mut std::ptr::null_mut())
        };
        assert_eq!(refused, mw_result::MW_ERR_INVALID_UTF8);
        assert_eq!(last_text(), "api_url is not valid UTF-8");
        assert_eq!(call(|| panic!("a test panic")), mw_result::MW_ERR_PANIC);
        assert!(last_text().contains("panicked"));
    }

    #[test]
    fn oauth_logins_refuse_bad_input_before_sending_and_never_hold_a_secret() {
        let mut client = std::ptr::null_mut();
        // Plain http to a host that is not the loopback: refused before
        // anything is resolved or sent.
        let url = c"http://wiki.example/w/api.php";
        let secret = c"s3cret-oauth-value";
        let texts = || with_last(|l| format!("{} {}", l.code, l.text));
        // SAFETY: valid strings and out-parameters; the handle is freed.
        unsafe {
            assert_eq!(
                mw_client_new(url.as_ptr(), c"t/0".as_ptr(), &mut client),
                mw_result::MW_OK
            );
            let plain_http = [
                mw_client_login_oauth2(client, secret.as_ptr()),
                mw_client_login_oauth2_client(client, c"id".as_ptr(), secret.as_ptr()),
                mw_client_login_oauth1(
                    client,
                    c"ck".as_ptr(),
                    secret.as_ptr(),
                    c"tk".as_ptr(),
                    secret.as_ptr(),
                ),
            ];
            for r in plain_http {
                assert_eq!(r, mw_result::MW_ERR_INVALID_INPUT);
            }
            assert!(!texts().contains("s3cret"), "{}", texts());
            mw_client_free(client);
            // Empty parts, on the loopback (where the checks come to them).
            let url = c"http://127.0.0.1:9/w/api.php";
            assert_eq!(
                mw_client_new(url.as_ptr(), c"t/0".as_ptr(), &mut client),
                mw_result::MW_OK
            );
            let r = mw_client_login_oauth2(client, c" ".as_ptr());
            assert_eq!(r, mw_result::MW_ERR_INVALID_INPUT);
            assert!(last_text().contains("access token"), "{}", last_text());
            let empty = c"";
            let r = mw_client_login_oauth1(
                client,
                c"ck".as_ptr(),
                secret.as_ptr(),
                c"tk".as_ptr(),
                empty.as_ptr(),
            );
            assert_eq!(r, mw_result::MW_ERR_INVALID_INPUT);
            assert!(last_text().contains("access secret"), "{}", last_text());
            let r = mw_client_login_oauth2_client(client, c"id".as_ptr(), std::ptr::null());
            assert_eq!(r, mw_result::MW_ERR_NULL_PARAMETER);
            assert_eq!(last_text(), "client_secret is NULL");
            let r = mw_client_login_oauth2(std::ptr::null(), secret.as_ptr());
            assert_eq!(r, mw_result::MW_ERR_NULL_PARAMETER);
            mw_client_free(client);
        }
    }

    #[test]
    fn a_builder_reports_bad_settings_and_builds_with_good_ones() {
        let mut builder = std::ptr::null_mut();
        let mut client = std::ptr::null_mut();
        let url = c"http://127.0.0.1:9/w/api.php";
        // SAFETY: valid strings and out-parameters; the handles are freed.
        unsafe {
            let r = mw_client_builder_new(url.as_ptr(), c"t/0".as_ptr(), &mut builder);
            assert_eq!(r, mw_result::MW_OK);
            let r = mw_client_builder_set_read_timeout_ms(builder, 0);
            assert_eq!(r, mw_result::MW_OK);
            let r = mw_client_builder_build(builder, &mut client);
            assert_eq!(
                (r, client.is_null()),
                (mw_result::MW_ERR_INVALID_INPUT, true)
            );
            assert!(last_text().contains("read timeout"), "{}", last_text());
            mw_client_builder_set_read_timeout_ms(builder, 1000);
            let r = mw_client_builder_build(builder, &mut client);
            assert_eq!((r, client.is_null()), (mw_result::MW_OK, false));
            mw_client_free(client);
            mw_client_builder_free(builder);
        }
    }
}
