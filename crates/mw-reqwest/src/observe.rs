//! What a call did, for a caller that reports it (the Python binding's
//! records on the `mwkit` logger): each request with its action, HTTP
//! status, MediaWiki's error code and time taken, and each wait. Collected
//! for the calls run inside [`observed`], in the task that awaits them, so
//! the caller reports them where the call was made; nothing is collected
//! otherwise. Never a parameter value, a token or a cookie.

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

/// One thing a call did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallEvent {
    /// One request and its answer.
    Request {
        /// `GET` or `POST`.
        method: &'static str,
        /// The action and, for a query, its modules
        /// ([`mw_core::Request::summary`]; names only).
        action: String,
        /// The HTTP status, or `None` when no answer came.
        status: Option<u16>,
        /// MediaWiki's error code (its `MediaWiki-API-Error` header).
        error_code: Option<String>,
        /// A step of a login (`action=login`, `clientlogin`, a login
        /// token): inside another call, a relogin.
        login_step: bool,
        /// From sending to the last byte of the answer.
        elapsed: Duration,
    },
    /// A wait the wiki asked for (`maxlag`, `readonly`, `Retry-After`)
    /// before sending again.
    Wait {
        /// How long.
        delay: Duration,
    },
}

tokio::task_local! {
    static EVENTS: RefCell<Vec<CallEvent>>;
}

/// Runs `call` (a client's call), collecting what it did.
pub async fn observed<F: Future>(call: F) -> (F::Output, Vec<CallEvent>) {
    EVENTS
        .scope(RefCell::new(Vec::new()), async move {
            let out = call.await;
            let events = EVENTS.with(|e| std::mem::take(&mut *e.borrow_mut()));
            (out, events)
        })
        .await
}

pub(crate) fn record(event: CallEvent) {
    let _ = EVENTS.try_with(|e| e.borrow_mut().push(event));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn collects_only_inside_observed() {
        record(CallEvent::Wait {
            delay: Duration::from_secs(1),
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let ((), events) = rt.block_on(observed(async {
            record(CallEvent::Wait {
                delay: Duration::from_secs(2),
            });
        }));
        assert_eq!(
            events,
            vec![CallEvent::Wait {
                delay: Duration::from_secs(2)
            }]
        );
    }
}
