//! The last-call details: one record per thread, in thread-local storage,
//! replaced by every call (refusals included) and freed when the thread
//! ends; and the translation of an error into a result and its details.

use std::cell::RefCell;
use std::time::SystemTime;

use mw_ureq::mw_core::{ErrorCode, Message};
use mw_ureq::{Error, RejectedOption, RetryAfter};

use crate::mw_result;

/// Warnings, each with the option a dropped-option warning names.
pub(crate) type Warnings = Vec<(Message, Option<String>)>;

/// What a thread's last call left: its error, warnings, the server's
/// `Retry-After` and, for an options change that failed partway, its names.
pub(crate) struct LastCall {
    /// The failure's row name in mw-core's table (`login_session_lost`),
    /// empty after a success.
    pub(crate) kind: &'static str,
    pub(crate) code: String,
    pub(crate) text: String,
    pub(crate) warnings: Warnings,
    /// Whole seconds from the end of the call, rounded up.
    pub(crate) retry_after: Option<u64>,
    pub(crate) applied: Vec<String>,
    pub(crate) not_applied: Vec<String>,
    pub(crate) unknown: Vec<String>,
}

impl LastCall {
    pub(crate) const EMPTY: LastCall = LastCall {
        kind: "",
        code: String::new(),
        text: String::new(),
        warnings: Vec::new(),
        retry_after: None,
        applied: Vec::new(),
        not_applied: Vec::new(),
        unknown: Vec::new(),
    };

    /// A refusal of this layer (or a panic): its row's name and `text`.
    pub(crate) fn text(result: mw_result, text: String) -> LastCall {
        LastCall {
            kind: ErrorCode::by_c_value(result as u32).map_or("", |row| row.name),
            text,
            ..LastCall::EMPTY
        }
    }
}

thread_local! {
    /// This thread's last call: one record, freed when the thread ends.
    pub(crate) static LAST: RefCell<LastCall> = const { RefCell::new(LastCall::EMPTY) };
}

/// Reads this thread's last call.
pub(crate) fn with_last<R>(f: impl FnOnce(&LastCall) -> R) -> R {
    LAST.with(|last| f(&last.borrow()))
}

impl mw_result {
    /// The result for an error: its row's value in mw-core's table.
    pub(crate) fn of(e: &Error) -> mw_result {
        let value = e.code().c_value;
        if ErrorCode::by_c_value(value).is_none() {
            return mw_result::MW_ERR_OTHER;
        }
        // SAFETY: `mw_result` is a fieldless `repr(u32)` enum, and every
        // value in the table is one of its discriminants: the test
        // `every_row_of_the_table_is_an_mw_result` walks every row.
        unsafe { std::mem::transmute::<u32, mw_result>(value) }
    }
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

pub(crate) fn plain(messages: &[Message]) -> Warnings {
    messages.iter().map(|m| (m.clone(), None)).collect()
}

/// An options change's warnings, each dropped option's warning naming it.
pub(crate) fn with_rejected(warnings: &[Message], rejected: &[RejectedOption]) -> Warnings {
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

/// A failed call's details: the server's code and text (or the library's
/// message), its warnings, its `Retry-After`, and the names of a partial
/// options change.
pub(crate) fn last_of_error(e: &Error) -> LastCall {
    let mut last = LastCall {
        kind: e.code().name,
        ..LastCall::EMPTY
    };
    match innermost(e) {
        Error::Api(api) => {
            last.code = api.code.clone();
            last.text = api.text.clone();
        }
        Error::Login(login) => {
            last.code = login.code.clone().unwrap_or_else(|| login.result.clone());
            last.text = login.reason.clone();
        }
        _ => last.text = e.to_string(),
    }
    last.retry_after = e.retry_after().map(whole_seconds);
    // Every warning the wiki gave for the call: a token fetch's, a refusal
    // sent past, a relogin's, the failure's own.
    last.warnings = plain(&e.warnings());
    if let Error::Incomplete(i) = e {
        // The applied requests' warnings first (each dropped option's naming
        // it), then the failing one's.
        let mut warnings = with_rejected(&i.warnings, &i.rejected);
        warnings.extend(plain(&i.error.warnings()));
        last.warnings = warnings;
        last.applied = i.applied.clone();
        last.not_applied = i.not_applied.clone();
        last.unknown = i.unknown.clone();
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use mw_ureq::mw_core::{ApiError, Incomplete};
    use std::time::Duration;

    fn http(status: u16, retry_after: Option<u64>) -> Error {
        let retry_after = retry_after.map(|s| RetryAfter::Delay(Duration::from_secs(s)));
        let snippet = String::new();
        Error::Http {
            status,
            retry_after,
            snippet,
        }
    }

    fn names(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    fn incomplete(error: Error) -> Error {
        let unknown = if error.outcome_unknown() { 1 } else { 0 };
        Error::Incomplete(Box::new(Incomplete {
            applied: names("a", 2),
            rejected: Vec::new(),
            unknown: names("u", unknown),
            not_applied: names("n", 3),
            warnings: Vec::new(),
            error,
        }))
    }

    #[test]
    fn a_lost_login_session_is_login_failed_with_its_own_kind() {
        let row = ErrorCode::by_name("login_session_lost").expect("a row");
        let e = row.example().expect("an example");
        assert_eq!(mw_result::of(&e), mw_result::MW_ERR_LOGIN_FAILED);
        assert_eq!(last_of_error(&e).kind, "login_session_lost");
        let refused = ErrorCode::by_name("login_failed").and_then(ErrorCode::example);
        assert_eq!(
            last_of_error(&refused.expect("an example")).kind,
            "login_failed"
        );
        let null = LastCall::text(mw_result::MW_ERR_NULL_PARAMETER, "x is NULL".into());
        assert_eq!(null.kind, "null_parameter");
    }

    #[test]
    fn a_503_to_a_write_is_outcome_unknown_with_its_retry_after() {
        let e = http(503, Some(7)).for_write();
        assert_eq!(mw_result::of(&e), mw_result::MW_ERR_OUTCOME_UNKNOWN);
        assert_eq!(last_of_error(&e).retry_after, Some(7));
        assert_eq!(
            last_of_error(&http(502, None).for_write()).retry_after,
            None
        );
    }

    #[test]
    fn an_oversized_answer_to_a_write_is_outcome_unknown_to_a_read_too_large() {
        let e = Error::BodyTooLarge { limit: 10 };
        assert_eq!(mw_result::of(&e), mw_result::MW_ERR_BODY_TOO_LARGE);
        let write = e.for_write();
        assert_eq!(mw_result::of(&write), mw_result::MW_ERR_OUTCOME_UNKNOWN);
    }

    #[test]
    fn an_http_date_retry_after_is_whole_seconds_rounded_up() {
        let at = SystemTime::now() + Duration::from_millis(2500);
        assert!((2..=3).contains(&whole_seconds(RetryAfter::At(at))));
        let past = SystemTime::now() - Duration::from_secs(60);
        assert_eq!(whole_seconds(RetryAfter::At(past)), 0);
    }

    #[test]
    fn an_incomplete_change_in_doubt_is_outcome_unknown_and_names_its_options() {
        let e = incomplete(http(502, None).for_write());
        assert_eq!(mw_result::of(&e), mw_result::MW_ERR_OUTCOME_UNKNOWN);
        let last = last_of_error(&e);
        assert_eq!(last.applied, names("a", 2));
        assert_eq!(last.unknown, names("u", 1));
        assert_eq!(last.not_applied, names("n", 3));
        assert!(last.text.contains("incomplete"), "{}", last.text);
    }

    #[test]
    fn an_incomplete_change_otherwise_has_its_inner_code_and_the_servers_text() {
        let mut api = ApiError::new("ratelimited", "You've exceeded your rate limit.", 200);
        api.retry_after = Some(RetryAfter::Delay(Duration::from_secs(30)));
        let e = incomplete(Error::from(api));
        assert_eq!(mw_result::of(&e), mw_result::MW_ERR_API_RATE_LIMITED);
        let last = last_of_error(&e);
        assert_eq!(last.code, "ratelimited");
        assert_eq!(last.text, "You've exceeded your rate limit.");
        assert_eq!(last.retry_after, Some(30));
        assert!(last.unknown.is_empty());
        assert_eq!(last.not_applied, names("n", 3));
    }

    #[test]
    fn an_internal_error_on_a_write_keeps_mediawikis_code_and_text() {
        let api = ApiError::new(
            "internal_api_error_DBQueryError",
            "[abc] Database error",
            200,
        );
        let e = Error::from(api).for_write();
        assert_eq!(mw_result::of(&e), mw_result::MW_ERR_OUTCOME_UNKNOWN);
        let last = last_of_error(&e);
        assert_eq!(last.code, "internal_api_error_DBQueryError");
        assert_eq!(last.text, "[abc] Database error");
    }
}
