//! What a call did, for a caller that reports it (the Python binding's
//! records on the `mwkit` logger): each request with its action, HTTP
//! status, MediaWiki's error code and time taken, and each wait. Collected
//! for the calls run inside [`observed`], in the task that awaits them, so
//! the caller reports them where the call was made; nothing is collected
//! otherwise. Never a parameter value, a token or a cookie.

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use mw_core::{Method, Request};

/// One thing a call did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallEvent {
    /// One request and its answer.
    Request {
        /// `GET` or `POST`.
        method: &'static str,
        /// The action and, for a query, its modules: `emailuser`,
        /// `query meta=userinfo|tokens`, ... (names only).
        action: String,
        /// The HTTP status, or `None` when no answer came.
        status: Option<u16>,
        /// MediaWiki's error code (its `MediaWiki-API-Error` header).
        error_code: Option<String>,
        /// A step of a login (`action=login`, `clientlogin`, a login token,
        /// the confirming read): inside another call, a relogin.
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

/// The action of `req` and its query modules, names only.
pub(crate) fn action_of(req: &Request) -> (String, bool) {
    let query = req.url.split_once('?').map_or("", |(_, q)| q);
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .chain(if req.method == Method::Post {
            form_urlencoded::parse(&req.body)
                .into_owned()
                .collect::<Vec<_>>()
        } else {
            Vec::new()
        })
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let Some(action) = get("action") else {
        // The OAuth token endpoint (rest.php), which has no action.
        return ("rest".to_owned(), true);
    };
    let mut text = action.to_owned();
    for module in ["meta", "list", "prop"] {
        if let Some(v) = get(module) {
            text.push_str(&format!(" {module}={v}"));
        }
    }
    let login_step = matches!(action, "login" | "clientlogin")
        || get("type").is_some_and(|t| t.split('|').any(|t| t == "login"))
        || (get("meta").is_some_and(|m| m.contains("userinfo"))
            && get("uiprop").is_some_and(|p| p.contains("rights"))
            && get("type").is_some_and(|t| t.contains("csrf")));
    (text, login_step)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn req(method: Method, url: &str, body: &str) -> Request {
        Request {
            method,
            url: url.to_owned(),
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            is_write: method == Method::Post,
        }
    }

    #[test]
    fn names_the_action_and_modules_and_nothing_else() {
        let (a, login) = action_of(&req(
            Method::Post,
            "https://w/api.php",
            "action=emailuser&target=Bob&text=secret&token=abc%2B%5C",
        ));
        assert_eq!((a.as_str(), login), ("emailuser", false));
        let (a, login) = action_of(&req(
            Method::Get,
            "https://w/api.php?action=query&meta=tokens&type=login",
            "",
        ));
        assert_eq!((a.as_str(), login), ("query meta=tokens", true));
        let (a, login) = action_of(&req(
            Method::Post,
            "https://w/api.php",
            "action=clientlogin&password=pw",
        ));
        assert!(login && !a.contains("pw"));
    }

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
