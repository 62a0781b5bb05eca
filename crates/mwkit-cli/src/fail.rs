//! A command's failure: what happened (in MediaWiki's words where it spoke),
//! what to do, and the exit status.

use mw_ureq::mw_core::TlsFailure;
use mw_ureq::{Error, ErrorKind, LoginFailure};
use serde_json::{Value, json};

use crate::stop::Signal;

/// Why a command stopped.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// 1 failed, 2 usage, 3 a write's outcome is unknown, 130 or 143
    /// stopped by SIGINT or SIGTERM.
    pub(crate) exit: u8,
    /// Where it failed: `usage`, `input`, `api`, `login`, `connect`,
    /// `session`, ...
    pub(crate) stage: &'static str,
    /// What failed, by a stable name: for an error of the client its row of
    /// mw-core's one table (`err.code().name`, the Python binding's
    /// `e.kind`: `no_email`, `blocked`, ...), the same on every MediaWiki
    /// version; else the command line's own (`usage`, `journal`,
    /// `options_rejected`, `interrupted`).
    pub(crate) kind: &'static str,
    /// MediaWiki's code, when it gave one.
    pub(crate) code: Option<String>,
    /// What happened.
    pub(crate) text: String,
    /// What to do.
    pub(crate) hint: String,
    /// More fields for the JSON document (an incomplete change's names);
    /// boxed, as only that failure has any, to keep `Result<_, Failure>`
    /// small.
    pub(crate) extra: Box<serde_json::Map<String, Value>>,
}

impl Failure {
    fn new(
        exit: u8,
        stage: &'static str,
        kind: &'static str,
        text: impl Into<String>,
        hint: &str,
    ) -> Failure {
        Failure {
            exit,
            stage,
            kind,
            code: None,
            text: text.into(),
            hint: hint.to_owned(),
            extra: Box::default(),
        }
    }

    /// Bad arguments or a missing setting (exit 2).
    pub(crate) fn usage(text: impl Into<String>, hint: &str) -> Failure {
        Failure::new(2, "usage", "usage", text, hint)
    }

    /// The bulk journal could not be used (exit 1).
    pub(crate) fn journal(text: impl Into<String>, hint: &str) -> Failure {
        Failure::new(1, "journal", "journal", text, hint)
    }

    /// The wiki answered success but dropped some of the options it was
    /// asked to set (exit 1). Not an error of the client (it reports the
    /// dropped ones in its result), so the kind is the command line's own.
    pub(crate) fn options_rejected(code: &str, text: String, hint: &str) -> Failure {
        let mut f = Failure::new(1, "api", "options_rejected", text, hint);
        f.code = Some(code.to_owned());
        f
    }

    /// A signal (SIGINT, SIGTERM) stopped the command before it started
    /// what `what_not` names: exit 130 or 143, as a shell reports a process
    /// the signal killed. The command line's own kind, `interrupted`.
    pub(crate) fn interrupted(sig: Signal, what_not: &str, hint: &str) -> Failure {
        Failure::new(
            sig.exit,
            "interrupted",
            "interrupted",
            format!("stopped by {} before {what_not}", sig.name),
            hint,
        )
    }

    /// A signal stopped a mail in the instant its request left: the wiki
    /// may or may not have sent it (exit 3, the outcome unknown).
    pub(crate) fn interrupted_on_its_way(sig: Signal) -> Failure {
        let mut f = Failure::new(
            3,
            "interrupted",
            "interrupted",
            format!(
                "stopped by {} as the mail left: the wiki may or may not have sent it",
                sig.name
            ),
            "check with the recipient before sending it again; a journal marks it unknown, and \
             a rerun skips it",
        );
        f.exit = 3;
        f
    }

    /// Whether the wiki may have acted.
    pub(crate) fn outcome_unknown(&self) -> bool {
        self.exit == 3
    }

    /// The failure as the `error` member of a JSON document.
    pub(crate) fn to_json(&self) -> Value {
        let mut error = json!({
            "stage": self.stage,
            "kind": self.kind,
            "code": self.code,
            "text": self.text,
            "hint": self.hint,
            "outcome_unknown": self.outcome_unknown(),
        });
        if let Some(map) = error.as_object_mut() {
            map.extend((*self.extra).clone());
        }
        error
    }

    /// Marks a JSON document as failed: `ok`, `exit` and `error`.
    pub(crate) fn add_to(&self, doc: &mut Value) {
        if let Some(map) = doc.as_object_mut() {
            map.insert("ok".into(), Value::Bool(false));
            map.insert("exit".into(), json!(self.exit));
            map.insert("error".into(), self.to_json());
        }
    }

    /// Describes an error of the client. Its texts hold no password or
    /// token (mw-core's errors never show them). Its kind is its row of
    /// mw-core's table, however the wiki's version spells its code; the
    /// wiki's own code stays in `code`.
    pub(crate) fn from_error(e: &Error) -> Failure {
        let mut f = Self::describe(e);
        // Every warning the wiki gave for the call, the failure's own and
        // its earlier requests' (a token fetch, a refusal sent past, a
        // relogin).
        let warnings = e.warnings();
        if !warnings.is_empty() {
            f.extra
                .insert("warnings".into(), crate::messages::messages_json(&warnings));
        }
        f
    }

    fn describe(e: &Error) -> Failure {
        let kind = e.code().name;
        match e {
            Error::InvalidInput(i) => Failure::new(
                2,
                "input",
                kind,
                format!("refused before sending anything: {}: {}", i.field, i.reason),
                if i.field == "ca file" {
                    "nothing was sent; give --ca-file a readable PEM file of CA certificates \
                     (-----BEGIN CERTIFICATE-----)"
                } else {
                    "nothing was sent; correct the argument"
                },
            ),
            Error::Api(api) => {
                let mut f = Failure::new(
                    1,
                    "api",
                    kind,
                    format!("MediaWiki says: {} ({})", api.text.trim(), api.code),
                    api_hint(&api.kind()),
                );
                f.code = Some(api.code.clone());
                f
            }
            Error::Login(login) if login.kind == LoginFailure::OAuthInvalid => {
                let mut f = Failure::new(
                    1,
                    "login",
                    kind,
                    format!(
                        "the wiki refused the OAuth token: {} (nothing was carried out)",
                        login.reason.trim()
                    ),
                    "check MWKIT_OAUTH2_TOKEN (or MWKIT_OAUTH2_CLIENT_ID and \
                     MWKIT_OAUTH2_CLIENT_SECRET): it may be mistyped, expired or revoked, or its \
                     consumer disabled; Special:OAuthManageMyGrants lists the grants",
                );
                f.code = Some(login.code.clone().unwrap_or_else(|| login.result.clone()));
                f
            }
            // Also a relogin's, in the middle of a long run: exit 2, as a
            // setting (MWKIT_OTP) that cannot be used again.
            Error::Login(login) if login.kind == LoginFailure::SessionLost => {
                let mut f = Failure::new(
                    2,
                    "login",
                    kind,
                    format!("login refused: {}", login.reason.trim()),
                    "run again (with a new two-factor code, if one was given); if it keeps \
                     happening, check that cookies reach the wiki (a proxy or load balancer)",
                );
                f.code = login.code.clone();
                f
            }
            Error::Login(login) => {
                let hint = if login.needs_new_password() {
                    "the account has a temporary password: log in on the wiki once to set a new one"
                } else {
                    "check MWKIT_USER and MWKIT_PASSWORD; a bot password logs in as NAME@APPID \
                     (Special:BotPasswords)"
                };
                let mut f = Failure::new(
                    1,
                    "login",
                    kind,
                    format!("login refused: {} ({})", login.reason.trim(), login.result),
                    hint,
                );
                f.code = Some(login.code.clone().unwrap_or_else(|| login.result.clone()));
                f
            }
            Error::Connect { .. } => Failure::new(
                1,
                "connect",
                kind,
                e.to_string(),
                "nothing was sent; check --api (or MWKIT_API) and that the wiki is up",
            ),
            Error::OutcomeUnknown(o) => Failure::new(
                3,
                "outcome_unknown",
                kind,
                format!(
                    "the wiki may or may not have acted: {} came instead of its answer",
                    o.cause
                ),
                "it was not sent again; check whether it happened (the mail arrived, the \
                 preference changed) before repeating it",
            ),
            Error::Incomplete(inc) => {
                let unknown = inc.error.outcome_unknown();
                let mut f = Failure::new(
                    if unknown { 3 } else { 1 },
                    "incomplete",
                    kind,
                    format!(
                        "only part of the change was applied: {}{}",
                        inc.error,
                        if inc.unknown.is_empty() {
                            String::new()
                        } else {
                            format!("; in doubt: {}", inc.unknown.join(", "))
                        }
                    ),
                    "read the preferences back (mwkit options get) and set what is missing",
                );
                f.extra.insert("applied".into(), json!(inc.applied));
                f.extra.insert("unknown".into(), json!(inc.unknown));
                f.extra.insert("not_applied".into(), json!(inc.not_applied));
                f
            }
            Error::Redirected { .. } => Failure::new(
                1,
                "http",
                kind,
                e.to_string(),
                "give the final URL (where the redirect points) as --api",
            ),
            Error::Tls { failure, detail } => {
                let (what, hint) = tls_words(*failure);
                Failure::new(
                    1,
                    "connect",
                    kind,
                    format!("TLS failed: {what} ({detail}); nothing was sent"),
                    hint,
                )
            }
            Error::Timeout { .. } => Failure::new(
                1,
                "timeout",
                kind,
                e.to_string(),
                "the wiki did not answer in time; try again later",
            ),
            Error::Decode { .. } => Failure::new(
                1,
                "decode",
                kind,
                e.to_string(),
                "check that --api is the wiki's api.php (e.g. https://wiki.example/w/api.php)",
            ),
            Error::Http { .. } => Failure::new(
                1,
                "http",
                kind,
                e.to_string(),
                "check that --api is the wiki's api.php, and that the wiki is up",
            ),
            Error::SessionChanged { .. } => Failure::new(
                1,
                "session",
                kind,
                e.to_string(),
                "the client logged out or in as someone else during the call; run the command \
                 again",
            ),
            _ => Failure::new(
                1,
                "transport",
                kind,
                e.to_string(),
                "check the connection to the wiki and try again",
            ),
        }
    }
}

/// What failed in a TLS handshake, and what to do. Verification can never
/// be turned off: every hint says how to trust the right certificate.
fn tls_words(failure: TlsFailure) -> (&'static str, &'static str) {
    match failure {
        TlsFailure::UnknownIssuer => (
            "unknown issuer: the wiki's certificate is signed by a CA that is not trusted",
            "give the wiki's CA certificate (PEM) with --ca-file PATH, or in SSL_CERT_FILE, or \
             add it to the system's store; for a self-signed wiki give its own certificate \
             (openssl s_client -connect HOST:443 -showcerts </dev/null | openssl x509 > \
             wiki.pem); there is no way to turn verification off",
        ),
        TlsFailure::NameMismatch => (
            "name mismatch: the wiki's certificate is for another name than the host in the URL",
            "use the host name the certificate was made for in --api (MWKIT_API); there is no \
             way to turn verification off",
        ),
        TlsFailure::Expired => (
            "expired: the wiki's certificate has expired or is not valid yet",
            "check this machine's clock; else the wiki's administrators must renew the \
             certificate; there is no way to turn verification off",
        ),
        _ => (
            "protocol: the TLS handshake failed",
            "check that --api names the wiki's https:// address and port, and that the server \
             speaks TLS 1.2 or 1.3",
        ),
    }
}

/// What to do after an API error, by its meaning.
fn api_hint(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::RateLimited => {
            "the wiki limits how often this account may do this; wait (an emailuser limit is \
             often per day) or ask an administrator for a higher limit"
        }
        ErrorKind::NoTarget => "check the user name",
        ErrorKind::NoEmail => "the user has no confirmed email address; nothing can be sent",
        ErrorKind::NoWikiEmail => "the user does not accept email from other users",
        ErrorKind::BlockedFromEmail => {
            "the account is blocked from sending email; ask an administrator of the wiki"
        }
        ErrorKind::Blocked => "the account is blocked; ask an administrator of the wiki",
        ErrorKind::CantSend => {
            "the sending account has no confirmed email address: set one in \
             Special:Preferences, or log in (--user / MWKIT_USER)"
        }
        ErrorKind::PermissionDenied | ErrorKind::NotLoggedIn => {
            "the account lacks the right; a bot password needs the matching grants \
             (Special:BotPasswords), and password resets are done logged out"
        }
        ErrorKind::UserMailDisabled | ErrorKind::ModuleDisabled => {
            "the wiki has turned this off; ask its administrators"
        }
        ErrorKind::Maxlag { .. } | ErrorKind::ReadOnly => {
            "the wiki is busy or read-only and did not act; try again later"
        }
        ErrorKind::PasswordResetNoData | ErrorKind::InvalidParamMix => {
            "give --user NAME or --email ADDRESS"
        }
        ErrorKind::PasswordResetInvalidEmail => "give a valid email address",
        ErrorKind::NoChanges => "nothing to change",
        _ => "see the wiki's message above",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mw_ureq::mw_core::ERROR_CODES;

    #[test]
    fn a_lost_login_session_is_exit_2_with_its_kind_and_the_wikis_code() {
        let row = ERROR_CODES
            .iter()
            .find(|c| c.name == "login_session_lost")
            .expect("a row");
        let Some(Error::Login(mut login)) = row.example() else {
            panic!("a login error")
        };
        login.code = Some("badtoken".into());
        let f = Failure::from_error(&Error::Login(login));
        assert_eq!(
            (f.exit, f.stage, f.kind),
            (2, "login", "login_session_lost")
        );
        assert_eq!(f.code.as_deref(), Some("badtoken"));
    }

    #[test]
    fn a_session_change_is_stage_session_as_in_the_table() {
        let e = Error::SessionChanged {
            detail: "logged out".into(),
        };
        let f = Failure::from_error(&e);
        assert_eq!(f.stage, "session");
        assert_eq!(f.kind, "session_changed");
        assert_eq!(f.exit, 1);
        let row = ERROR_CODES
            .iter()
            .find(|c| c.name == "session_changed")
            .expect("a row");
        assert_eq!(f.stage, row.stage);
    }

    #[test]
    fn a_tls_failure_is_exit_1_kind_tls_saying_what_failed_and_how_to_trust() {
        let row = ERROR_CODES.iter().find(|c| c.name == "tls").expect("a row");
        for (failure, words) in [
            (TlsFailure::UnknownIssuer, "unknown issuer"),
            (TlsFailure::NameMismatch, "name mismatch"),
            (TlsFailure::Expired, "expired"),
            (TlsFailure::Protocol, "protocol"),
        ] {
            let f = Failure::from_error(&Error::Tls {
                failure,
                detail: "the library's words".into(),
            });
            assert_eq!((f.exit, f.kind, f.stage), (1, "tls", row.stage));
            assert!(
                f.text.starts_with(&format!("TLS failed: {words}")),
                "{}",
                f.text
            );
            assert!(f.text.contains("the library's words") && f.text.contains("nothing was sent"));
            assert!(!f.outcome_unknown());
        }
        let f = Failure::from_error(&Error::Tls {
            failure: TlsFailure::UnknownIssuer,
            detail: String::new(),
        });
        assert!(
            f.hint.contains("--ca-file") && f.hint.contains("SSL_CERT_FILE"),
            "{}",
            f.hint
        );
        assert!(
            f.hint.contains("no way to turn verification off"),
            "{}",
            f.hint
        );
    }
}
