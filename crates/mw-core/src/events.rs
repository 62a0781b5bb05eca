//! What a call did, as events: each request sent and its answer (or the
//! lack of one), each wait and why, a relogin, an interrupted call. The
//! transports (mw-ureq, mw-reqwest) report them to an [`Observer`] the
//! caller gives, and log them with the same words ([`CallEvent`]'s
//! `Display`), so that every client's records read alike.
//!
//! Nothing in an event is a secret: a request shows only its method,
//! action and query modules ([`Request::summary`]); what an answer or a
//! failure quotes is scrubbed of the request's secrets
//! ([`Secrets::of_request`]), as a hostile server may echo them.
//!
//! The loop driving a call keeps one [`CallEvents`] for it and tells it
//! what happened; it hands back the events. The core reads no clock: the
//! time a request took is the transport's.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::api::Account;
use crate::http::Request;
use crate::scrub::Secrets;
use crate::session::{Answer, Call};

/// One thing a call did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallEvent {
    /// A request went out.
    Sent {
        /// `GET` or `POST`.
        method: &'static str,
        /// The action and, for a query, its modules
        /// ([`Request::summary`]; names only).
        action: String,
        /// A step of a login (`action=login`, `clientlogin`, a login
        /// token): inside another call, a relogin.
        login_step: bool,
    },
    /// A request's answer was read.
    Answered {
        /// As [`CallEvent::Sent`]'s.
        method: &'static str,
        /// As [`CallEvent::Sent`]'s.
        action: String,
        /// The HTTP status.
        status: u16,
        /// MediaWiki's error code (its `MediaWiki-API-Error` header),
        /// scrubbed.
        error_code: Option<String>,
        /// From sending to the last byte of the answer.
        elapsed: Duration,
    },
    /// A request got no answer.
    NoAnswer {
        /// As [`CallEvent::Sent`]'s.
        method: &'static str,
        /// As [`CallEvent::Sent`]'s.
        action: String,
        /// What failed, scrubbed.
        failure: String,
        /// From sending to the failure.
        elapsed: Duration,
    },
    /// A wait before polling the call again.
    Wait {
        /// How long.
        delay: Duration,
        /// Why.
        reason: WaitReason,
    },
    /// A call that is not a login logs in again: the wiki lost the session.
    Relogin {
        /// The account logged in again, when the session knew it.
        account: Option<String>,
    },
    /// The caller stopped the call (an interrupt) and gave it up.
    Interrupted {
        /// The request that was on its way, if any, with the time since it
        /// was sent.
        request: Option<(&'static str, String, Duration)>,
        /// Whether that request was a write: its outcome is unknown, and
        /// it is never sent again.
        write_in_flight: bool,
    },
}

/// Why a call waits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitReason {
    /// The wiki asked (`maxlag`, `readonly`, HTTP 429 or 503): its last
    /// answer's error code, or its HTTP status, and its `Retry-After`,
    /// scrubbed.
    Wiki(String),
    /// Another session of the same OAuth client is fetching the shared
    /// token ([`crate::SHARED_TOKEN_WAIT`]).
    SharedToken,
}

/// How much an event matters, for a log: a request and its answer are
/// `Debug`, a wait for the wiki or a relogin `Info`; a request sent
/// (before its answer) `Trace`, as its answer says it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EventLevel {
    /// A request sent.
    Trace,
    /// An answer, no answer, a wait for another session, an interrupt.
    Debug,
    /// A wait the wiki asked for, a relogin.
    Info,
}

impl CallEvent {
    /// How much it matters, for a log.
    pub fn level(&self) -> EventLevel {
        match self {
            CallEvent::Sent { .. } => EventLevel::Trace,
            CallEvent::Wait {
                reason: WaitReason::Wiki(_),
                ..
            }
            | CallEvent::Relogin { .. } => EventLevel::Info,
            _ => EventLevel::Debug,
        }
    }
}

/// The words every client logs an event with.
impl fmt::Display for CallEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallEvent::Sent { method, action, .. } => write!(f, "{method} {action} sent"),
            CallEvent::Answered {
                method,
                action,
                status,
                error_code,
                elapsed,
            } => {
                write!(f, "{method} {action} -> HTTP {status}")?;
                if let Some(code) = error_code {
                    write!(f, " ({code})")?;
                }
                write!(f, " in {:.3} s", elapsed.as_secs_f64())
            }
            CallEvent::NoAnswer {
                method,
                action,
                failure,
                elapsed,
            } => write!(
                f,
                "{method} {action} -> no answer after {:.3} s ({failure})",
                elapsed.as_secs_f64()
            ),
            CallEvent::Wait {
                delay,
                reason: WaitReason::Wiki(why),
            } => write!(
                f,
                "waiting {:.1} s before sending again, as the wiki asked ({why})",
                delay.as_secs_f64()
            ),
            CallEvent::Wait {
                delay,
                reason: WaitReason::SharedToken,
            } => write!(
                f,
                "waiting {:.1} s for another session's OAuth token fetch",
                delay.as_secs_f64()
            ),
            CallEvent::Relogin { account } => {
                f.write_str("the wiki no longer knows the session; logging in again")?;
                match account {
                    Some(name) => write!(f, " as {name}"),
                    None => Ok(()),
                }
            }
            CallEvent::Interrupted {
                request,
                write_in_flight,
            } => {
                match request {
                    Some((method, action, elapsed)) => write!(
                        f,
                        "{method} {action} -> interrupted after {:.3} s",
                        elapsed.as_secs_f64()
                    )?,
                    None => f.write_str("interrupted")?,
                }
                if *write_in_flight {
                    f.write_str(
                        "; the write was on its way: its outcome is unknown, and it is not \
                         sent again",
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// Where a client reports its calls' events: a function called on the
/// thread (or in the task) of the call, for each event as it happens.
/// Cheap to clone (shared).
#[derive(Clone)]
pub struct Observer(Arc<dyn Fn(&CallEvent) + Send + Sync>);

impl Observer {
    /// An observer calling `f` with each event.
    pub fn new(f: impl Fn(&CallEvent) + Send + Sync + 'static) -> Self {
        Observer(Arc::new(f))
    }

    /// Reports one event.
    pub fn report(&self, event: &CallEvent) {
        (self.0)(event);
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer")
    }
}

/// The events of one call, from what its loop tells: keeps what an event
/// needs from earlier steps (the request on its way and its secrets, the
/// last answer's reason to wait, whether the relogin was told).
#[derive(Debug)]
pub struct CallEvents {
    is_login: bool,
    relogin_told: bool,
    /// The last answer's error code (or status) and Retry-After.
    last_answer: String,
    /// The request on its way: its method, action and secrets.
    on_its_way: Option<(&'static str, String, Secrets)>,
}

impl CallEvents {
    /// For `call`, made by the session's method that starts it.
    pub fn new<T>(call: &Call<T>) -> Self {
        CallEvents {
            is_login: call.is_login(),
            relogin_told: false,
            last_answer: String::new(),
            on_its_way: None,
        }
    }

    /// `req` is about to be sent for the call, the session's account
    /// being `account`: a relogin (once a call), then the request.
    pub fn sending(
        &mut self,
        req: &Request,
        account: Option<&Account>,
        mut emit: impl FnMut(CallEvent),
    ) {
        let what = req.summary();
        if what.login_step && !self.is_login && !self.relogin_told {
            self.relogin_told = true;
            emit(CallEvent::Relogin {
                account: account.map(|a| a.name.clone()),
            });
        }
        self.on_its_way = Some((what.method, what.action.clone(), Secrets::of_request(req)));
        emit(CallEvent::Sent {
            method: what.method,
            action: what.action,
            login_step: what.login_step,
        });
    }

    /// The request sent last got `answer` after `elapsed`.
    pub fn answered(
        &mut self,
        answer: &Answer,
        elapsed: Duration,
        mut emit: impl FnMut(CallEvent),
    ) {
        let Some((method, action, secrets)) = self.on_its_way.take() else {
            return;
        };
        match answer {
            Answer::Response(resp) => {
                // Why the wiki would have us wait: its error code and
                // Retry-After, or its status.
                let mut reason = match resp.header("mediawiki-api-error") {
                    Some(code) => code.to_owned(),
                    None => format!("HTTP {}", resp.status),
                };
                if let Some(after) = resp.header("retry-after") {
                    reason.push_str(", Retry-After: ");
                    reason.push_str(after);
                }
                self.last_answer = secrets.scrub(&reason);
                emit(CallEvent::Answered {
                    method,
                    action,
                    status: resp.status,
                    // A header a hostile server may fill with an echo.
                    error_code: resp.header("mediawiki-api-error").map(|c| secrets.scrub(c)),
                    elapsed,
                });
            }
            Answer::Failed(failure) => {
                self.last_answer.clear();
                emit(CallEvent::NoAnswer {
                    method,
                    action,
                    failure: secrets.scrub(&failure.detail),
                    elapsed,
                });
            }
        }
    }

    /// The engine asked to wait `delay`.
    pub fn waiting(&self, delay: Duration) -> CallEvent {
        let reason = if delay == crate::SHARED_TOKEN_WAIT {
            WaitReason::SharedToken
        } else {
            WaitReason::Wiki(self.last_answer.clone())
        };
        CallEvent::Wait { delay, reason }
    }

    /// The caller stopped the call, `elapsed` after the request on its way
    /// (if any) was sent; `write_in_flight` is the call's
    /// [`Call::in_flight_is_write`], taken before it was abandoned.
    pub fn interrupted(&mut self, write_in_flight: bool, elapsed: Duration) -> CallEvent {
        CallEvent::Interrupted {
            request: self
                .on_its_way
                .take()
                .map(|(method, action, _)| (method, action, elapsed)),
            write_in_flight,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::http::Response;
    use crate::session::{FailureKind, TransportFailure};
    use crate::{Api, EmailUser, SessionConfig, Token};

    fn events_of(
        login: bool,
        steps: impl FnOnce(&mut CallEvents, &mut dyn FnMut(CallEvent)),
    ) -> Vec<CallEvent> {
        let api = Api::new("https://wiki.example/w/api.php", "mwkit-test/0").unwrap();
        let mut session = crate::Session::new(api, SessionConfig::default());
        let mut events = if login {
            CallEvents::new(&session.login_oauth2(Token::new("tok")).unwrap())
        } else {
            CallEvents::new(
                &session
                    .email_user(&EmailUser::new("Bob", "s", "t"))
                    .unwrap(),
            )
        };
        let mut all = Vec::new();
        steps(&mut events, &mut |e| all.push(e));
        all
    }

    fn login_request() -> Request {
        Request {
            method: crate::Method::Post,
            url: "https://wiki.example/w/api.php".into(),
            headers: vec![],
            is_write: true,
            body: b"action=login&lgname=Bob%40app&lgpassword=S3CRET&lgtoken=T0KEN&format=json"
                .to_vec(),
        }
    }

    #[test]
    fn a_login_step_inside_another_call_is_a_relogin_told_once() {
        let account = Account {
            name: "Bob".into(),
            id: 3,
            high_limits: false,
        };
        let events = events_of(false, |e, emit| {
            e.sending(&login_request(), Some(&account), &mut *emit);
            e.sending(&login_request(), Some(&account), &mut *emit);
        });
        assert_eq!(
            events[0].to_string(),
            "the wiki no longer knows the session; logging in again as Bob"
        );
        assert_eq!(events[1].to_string(), "POST action=login sent");
        assert_eq!(events.len(), 3, "{events:?}");
        // A login's own steps are no relogin.
        let events = events_of(true, |e, emit| {
            e.sending(&login_request(), Some(&account), &mut *emit);
        });
        assert_eq!(events.len(), 1, "{events:?}");
    }

    #[test]
    fn answers_and_failures_are_described_without_the_requests_secrets() {
        let events = events_of(true, |e, emit| {
            e.sending(&login_request(), None, &mut *emit);
            let echo = Response::new(
                200,
                vec![
                    ("MediaWiki-API-Error".into(), "bad-S3CRET".into()),
                    ("Retry-After".into(), "T0KEN".into()),
                ],
                vec![],
            );
            e.answered(
                &Answer::Response(echo),
                Duration::from_millis(1500),
                &mut *emit,
            );
            emit(e.waiting(Duration::from_secs(2)));
            e.sending(&login_request(), None, &mut *emit);
            let failed = Answer::Failed(TransportFailure {
                kind: FailureKind::Other,
                may_have_been_sent: true,
                detail: "reset while sending S3CRET".into(),
            });
            e.answered(&failed, Duration::from_millis(20), &mut *emit);
            emit(e.waiting(crate::SHARED_TOKEN_WAIT));
        });
        let shown: Vec<String> = events.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown[1],
            "POST action=login -> HTTP 200 (bad-<redacted>) in 1.500 s"
        );
        assert_eq!(
            shown[2],
            "waiting 2.0 s before sending again, as the wiki asked (bad-<redacted>, Retry-After: <redacted>)"
        );
        assert_eq!(
            shown[4],
            "POST action=login -> no answer after 0.020 s (reset while sending <redacted>)"
        );
        assert_eq!(
            shown[5],
            "waiting 0.2 s for another session's OAuth token fetch"
        );
        assert_eq!(events[2].level(), EventLevel::Info);
        assert_eq!(events[5].level(), EventLevel::Debug);
        for s in &shown {
            assert!(!s.contains("S3CRET") && !s.contains("T0KEN"), "{s}");
        }
    }

    #[test]
    fn an_interrupt_names_the_request_on_its_way() {
        let events = events_of(true, |e, emit| {
            e.sending(&login_request(), None, &mut *emit);
            emit(e.interrupted(true, Duration::from_millis(250)));
            emit(e.interrupted(false, Duration::ZERO));
        });
        assert_eq!(
            events[1].to_string(),
            "POST action=login -> interrupted after 0.250 s; the write was on its way: its \
             outcome is unknown, and it is not sent again"
        );
        assert_eq!(events[2].to_string(), "interrupted");
    }
}
