//! What a call did, for a caller that reports it where the call was made
//! (the Python binding's records on the `mwkit` logger, in the task that
//! awaited the call): mw-core's [`CallEvent`]s, collected for the calls run
//! inside [`observed`], in the task that awaits them; nothing is collected
//! otherwise. For every call of a client, wherever it runs, give the
//! builder an observer instead ([`crate::ClientBuilder::observer`]).

use std::cell::RefCell;
use std::future::Future;

pub use mw_core::CallEvent;

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
    use std::time::Duration;

    use super::*;

    fn wait(seconds: u64) -> CallEvent {
        CallEvent::Wait {
            delay: Duration::from_secs(seconds),
            reason: mw_core::WaitReason::SharedToken,
        }
    }

    #[test]
    fn collects_only_inside_observed() {
        record(wait(1));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let ((), events) = rt.block_on(observed(async {
            record(wait(2));
        }));
        assert_eq!(events, vec![wait(2)]);
    }
}
