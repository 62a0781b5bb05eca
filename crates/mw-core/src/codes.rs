//! One table of every way a call can fail, with its stable name, its C
//! result value and enumerator, its Python exception class and its stage.
//! The bindings translate errors through it ([`Error::code`]), and one test
//! per language walks every row, so the faces cannot drift apart.

use crate::error::{Error, ErrorKind};

/// One row of [`ERROR_CODES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    /// The stable name, in snake case. For API errors it is the kind's
    /// name ([`ErrorKind::name`]): `"bad_token"`, `"no_email"`, ...
    pub name: &'static str,
    /// The C `mw_result` value: never renumbered, new ones appended. A
    /// kind of refused login may share `MW_ERR_LOGIN_FAILED` (14) with
    /// `login_failed`, so that C callers that handle a refused login handle
    /// it too (`login_session_lost`; C reads the kind with
    /// `mw_last_error_kind`); [`ErrorCode::by_c_value`] gives `login_failed`.
    pub c_value: u32,
    /// The C enumerator, `MW_ERR_...`.
    pub c_name: &'static str,
    /// The Python exception class raised for it (in `mwkit`), or `None`
    /// when it cannot happen in Python (a NULL pointer, a buffer too small:
    /// Python's own types refuse such input with a `TypeError`).
    pub python_class: Option<&'static str>,
    /// Where it happened: `input` (refused before sending), `connect`,
    /// `transport`, `http`, `decode`, `api`, `login`, `session` (the client's
    /// own session changed under the call), `outcome` (a write in doubt) or
    /// `binding` (the C layer itself).
    pub stage: &'static str,
    /// Whether a write may have been carried out.
    pub outcome_unknown: bool,
}

macro_rules! rows {
    ($(($name:literal, $value:literal, $c:literal, $py:expr, $stage:literal, $unknown:literal)),* $(,)?) => {
        &[$(ErrorCode {
            name: $name,
            c_value: $value,
            c_name: $c,
            python_class: $py,
            stage: $stage,
            outcome_unknown: $unknown,
        }),*]
    };
}

const INPUT: Option<&str> = Some("InvalidInputError");
const TRANSPORT: Option<&str> = Some("TransportError");
const API: Option<&str> = Some("ApiError");

/// Every row, in the order of their C values.
#[rustfmt::skip]
pub const ERROR_CODES: &[ErrorCode] = rows![
    ("null_parameter", 1, "MW_ERR_NULL_PARAMETER", None, "binding", false),
    ("invalid_utf8", 2, "MW_ERR_INVALID_UTF8", None, "binding", false),
    ("buffer_too_small", 3, "MW_ERR_BUFFER_TOO_SMALL", None, "binding", false),
    ("panic", 4, "MW_ERR_PANIC", None, "binding", false),
    ("invalid_input", 5, "MW_ERR_INVALID_INPUT", INPUT, "input", false),
    ("outcome_unknown", 6, "MW_ERR_OUTCOME_UNKNOWN", TRANSPORT, "outcome", true),
    ("connect", 7, "MW_ERR_CONNECT", TRANSPORT, "connect", false),
    ("timeout", 8, "MW_ERR_TIMEOUT", Some("TransportTimeoutError"), "transport", false),
    ("body_too_large", 9, "MW_ERR_BODY_TOO_LARGE", TRANSPORT, "transport", false),
    ("redirected", 10, "MW_ERR_REDIRECTED", TRANSPORT, "http", false),
    ("transport", 11, "MW_ERR_TRANSPORT", TRANSPORT, "transport", false),
    ("http_status", 12, "MW_ERR_HTTP_STATUS", TRANSPORT, "http", false),
    ("decode", 13, "MW_ERR_DECODE", Some("DecodeError"), "decode", false),
    ("login_failed", 14, "MW_ERR_LOGIN_FAILED", Some("LoginError"), "login", false),
    ("login_session_lost", 14, "MW_ERR_LOGIN_FAILED", Some("LoginError"), "login", false),
    ("not_found", 15, "MW_ERR_NOT_FOUND", None, "binding", false),
    ("unclassified", 16, "MW_ERR_OTHER", Some("MwError"), "binding", false),
    ("session_changed", 17, "MW_ERR_SESSION_CHANGED", Some("SessionChangedError"), "session", false),
    ("second_factor_required", 18, "MW_ERR_SECOND_FACTOR_REQUIRED", Some("LoginError"), "login", false),
    ("second_factor_failed", 19, "MW_ERR_SECOND_FACTOR_FAILED", Some("LoginError"), "login", false),
    ("tls", 20, "MW_ERR_TLS", Some("TlsError"), "connect", false),
    ("oauth_invalid", 21, "MW_ERR_OAUTH_INVALID", Some("LoginError"), "login", false),
    ("other", 100, "MW_ERR_API_OTHER", API, "api", false),
    ("bad_token", 101, "MW_ERR_API_BAD_TOKEN", API, "api", false),
    ("not_logged_in", 102, "MW_ERR_API_NOT_LOGGED_IN", API, "api", false),
    ("assert_user_failed", 103, "MW_ERR_API_ASSERT_USER_FAILED", API, "api", false),
    ("assert_bot_failed", 104, "MW_ERR_API_ASSERT_BOT_FAILED", API, "api", false),
    ("permission_denied", 105, "MW_ERR_API_PERMISSION_DENIED", API, "api", false),
    ("must_post_params", 106, "MW_ERR_API_MUST_POST_PARAMS", API, "api", false),
    ("missing_param", 107, "MW_ERR_API_MISSING_PARAM", API, "api", false),
    ("invalid_param_mix", 108, "MW_ERR_API_INVALID_PARAM_MIX", API, "api", false),
    ("cant_send", 109, "MW_ERR_API_CANT_SEND", API, "api", false),
    ("blocked_from_email", 110, "MW_ERR_API_BLOCKED_FROM_EMAIL", API, "api", false),
    ("blocked", 111, "MW_ERR_API_BLOCKED", API, "api", false),
    ("user_mail_disabled", 112, "MW_ERR_API_USER_MAIL_DISABLED", API, "api", false),
    ("no_target", 113, "MW_ERR_API_NO_TARGET", API, "api", false),
    ("no_email", 114, "MW_ERR_API_NO_EMAIL", API, "api", false),
    ("no_wiki_email", 115, "MW_ERR_API_NO_WIKI_EMAIL", API, "api", false),
    ("rate_limited", 116, "MW_ERR_API_RATE_LIMITED", API, "api", false),
    ("maxlag", 117, "MW_ERR_API_MAXLAG", API, "api", false),
    ("readonly", 118, "MW_ERR_API_READONLY", API, "api", false),
    ("no_changes", 119, "MW_ERR_API_NO_CHANGES", API, "api", false),
    ("password_reset_no_data", 120, "MW_ERR_API_PASSWORD_RESET_NO_DATA", API, "api", false),
    ("password_reset_invalid_email", 121, "MW_ERR_API_PASSWORD_RESET_INVALID_EMAIL", API, "api", false),
    ("module_disabled", 122, "MW_ERR_API_MODULE_DISABLED", API, "api", false),
    ("internal", 123, "MW_ERR_API_INTERNAL", API, "api", false),
    ("hook_aborted", 124, "MW_ERR_API_HOOK_ABORTED", API, "api", false),
    ("invalid_param", 125, "MW_ERR_API_INVALID_PARAM", API, "api", false),
];

impl ErrorCode {
    /// The row named `name`.
    pub fn by_name(name: &str) -> Option<&'static ErrorCode> {
        ERROR_CODES.iter().find(|c| c.name == name)
    }

    /// The row whose C value is `value`.
    pub fn by_c_value(value: u32) -> Option<&'static ErrorCode> {
        ERROR_CODES.iter().find(|c| c.c_value == value)
    }

    /// An error of this row, as the client would report it, for the tests
    /// that walk the table through every language; `None` for the rows
    /// only the C layer produces. Not part of the API.
    #[doc(hidden)]
    pub fn example(&self) -> Option<Error> {
        use crate::error::{ApiError, InvalidInput, LoginError, OutcomeUnknown};
        let detail = || format!("an example of {}", self.name);
        Some(match self.name {
            "invalid_input" => InvalidInput::new("example", detail()).into(),
            "outcome_unknown" => Error::OutcomeUnknown(Box::new(OutcomeUnknown {
                cause: Error::Http {
                    status: 503,
                    retry_after: None,
                    snippet: detail(),
                },
                retry_after: None,
                warnings: Vec::new(),
            })),
            "connect" => Error::Connect { detail: detail() },
            "tls" => Error::Tls {
                failure: crate::error::TlsFailure::UnknownIssuer,
                detail: detail(),
            },
            "timeout" => Error::Timeout { detail: detail() },
            "body_too_large" => Error::BodyTooLarge { limit: 1024 },
            "redirected" => Error::Redirected {
                status: 301,
                location: None,
            },
            "transport" => Error::Transport { detail: detail() },
            "session_changed" => Error::SessionChanged { detail: detail() },
            "http_status" => Error::Http {
                status: 500,
                retry_after: None,
                snippet: detail(),
            },
            "decode" => Error::Decode {
                status: 200,
                reason: detail(),
                snippet: String::new(),
            },
            "login_failed" => LoginError::new("Failed", None, detail()).into(),
            "second_factor_required"
            | "second_factor_failed"
            | "oauth_invalid"
            | "login_session_lost" => {
                let mut e = LoginError::new("UI", None, detail());
                e.kind = match self.name {
                    "second_factor_required" => crate::error::LoginFailure::SecondFactorRequired,
                    "second_factor_failed" => crate::error::LoginFailure::SecondFactorFailed,
                    "login_session_lost" => crate::error::LoginFailure::SessionLost,
                    _ => crate::error::LoginFailure::OAuthInvalid,
                };
                e.into()
            }
            _ if self.stage == "api" => {
                let code = API_EXAMPLE_CODES
                    .iter()
                    .find(|(name, _)| *name == self.name)
                    .map(|(_, code)| *code)?;
                ApiError::new(code, detail(), 200).into()
            }
            _ => return None,
        })
    }
}

/// Where the fallback rows stand in [`ERROR_CODES`] (checked by a test).
const UNCLASSIFIED: usize = 16;
const API_OTHER: usize = 22;

/// A MediaWiki code for each API row, for [`ErrorCode::example`].
const API_EXAMPLE_CODES: &[(&str, &str)] = &[
    ("other", "somethingnew"),
    ("bad_token", "badtoken"),
    ("not_logged_in", "notloggedin"),
    ("assert_user_failed", "assertuserfailed"),
    ("assert_bot_failed", "assertbotfailed"),
    ("permission_denied", "permissiondenied"),
    ("must_post_params", "mustpostparams"),
    ("missing_param", "missingparam"),
    ("invalid_param_mix", "invalidparammix"),
    ("cant_send", "cantsend"),
    ("blocked_from_email", "blockedemailuser"),
    ("blocked", "blocked"),
    ("user_mail_disabled", "usermaildisabled"),
    ("no_target", "notarget"),
    ("no_email", "noemail"),
    ("no_wiki_email", "nowikiemail"),
    ("rate_limited", "ratelimited"),
    ("maxlag", "maxlag"),
    ("readonly", "readonly"),
    ("no_changes", "nochanges"),
    ("password_reset_no_data", "passwordreset-nodata"),
    ("password_reset_invalid_email", "passwordreset-invalidemail"),
    ("module_disabled", "moduledisabled"),
    ("internal", "internal_api_error_DBQueryError"),
    ("hook_aborted", "hookaborted"),
    ("invalid_param", "badvalue"),
];

impl ErrorKind {
    /// This kind's row of [`ERROR_CODES`].
    pub fn code(&self) -> &'static ErrorCode {
        ErrorCode::by_name(self.name()).unwrap_or(&ERROR_CODES[API_OTHER])
    }
}

impl Error {
    /// This error's row of [`ERROR_CODES`]: what the bindings report. A
    /// write in doubt, or a partial options change whose failing request is
    /// in doubt, is `outcome_unknown`; another partial change is its
    /// cause's row.
    pub fn code(&self) -> &'static ErrorCode {
        let name = match self {
            Error::InvalidInput(_) => "invalid_input",
            Error::Http { .. } => "http_status",
            Error::Decode { .. } => "decode",
            Error::Api(api) => return api.kind().code(),
            Error::Login(login) => login.kind.name(),
            Error::Connect { .. } => "connect",
            Error::Tls { .. } => "tls",
            Error::Timeout { .. } => "timeout",
            Error::BodyTooLarge { .. } => "body_too_large",
            Error::Redirected { .. } => "redirected",
            Error::Transport { .. } => "transport",
            Error::OutcomeUnknown(_) => "outcome_unknown",
            Error::Incomplete(i) if i.error.outcome_unknown() => "outcome_unknown",
            Error::Incomplete(i) => return i.error.code(),
            Error::SessionChanged { .. } => "session_changed",
        };
        ErrorCode::by_name(name).unwrap_or(&ERROR_CODES[UNCLASSIFIED])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_values_and_enumerators_are_unique_and_every_error_has_a_row() {
        let mut names = HashSet::new();
        let mut values = HashSet::new();
        let mut enumerators = HashSet::new();
        for row in ERROR_CODES {
            assert!(names.insert(row.name), "{row:?}");
            if values.insert(row.c_value) {
                assert!(enumerators.insert(row.c_name), "{row:?}");
            } else {
                // Only a kind of refused login shares a value: login_failed's.
                let first = ErrorCode::by_c_value(row.c_value).expect("a first row");
                assert_eq!(first.name, "login_failed", "{row:?}");
                assert_eq!((row.c_name, row.stage), (first.c_name, "login"), "{row:?}");
                assert_eq!(row.python_class, first.python_class, "{row:?}");
            }
            assert!(row.c_name.starts_with("MW_ERR_"), "{row:?}");
            if let Some(example) = row.example() {
                assert_eq!(example.code(), row, "{example:?}");
                assert_eq!(example.outcome_unknown(), row.outcome_unknown, "{row:?}");
            }
        }
        assert_eq!(
            ErrorCode::by_c_value(116).map(|c| c.name),
            Some("rate_limited")
        );
        // The fallbacks of `code()` are found by index.
        assert_eq!(ERROR_CODES[UNCLASSIFIED].name, "unclassified");
        assert_eq!(ERROR_CODES[API_OTHER].name, "other");
        assert_eq!(
            ErrorKind::from_code("blockedfrommail", None).code().c_name,
            "MW_ERR_API_BLOCKED_FROM_EMAIL"
        );
    }

    #[test]
    fn every_api_kind_has_a_row_of_its_own() {
        for (name, code) in API_EXAMPLE_CODES {
            assert_eq!(ErrorKind::from_code(code, None).code().name, *name);
        }
        let api_rows = ERROR_CODES.iter().filter(|c| c.stage == "api").count();
        assert_eq!(api_rows, API_EXAMPLE_CODES.len());
    }
}
