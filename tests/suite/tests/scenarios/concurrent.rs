//! What only the async client can be asked: many calls in flight from one
//! task's point of view, and a call cancelled in the middle.

use std::time::Duration;

use mw_core::EmailUser;

use crate::driver::runtime;
use crate::proxy::{Fault, Proxy};
use crate::support::{Wiki, nonce};

async fn logged_in(wiki: &Wiki, api_url: &str, ua: &str) -> mw_reqwest::Client {
    let client = mw_reqwest::Client::new(api_url, ua).unwrap();
    let user = wiki.user("sender");
    client
        .login(
            user["bot_name"].as_str().unwrap(),
            user["bot_password"].as_str().unwrap(),
        )
        .await
        .unwrap();
    client
}

#[test]
fn twenty_concurrent_emails_on_one_async_client_deliver_twenty_mails_each_once() {
    let wiki = Wiki::get();
    let ua = format!("mwkit-tests/async-twenty-{} (tests@mwkit.test)", nonce());
    let run = nonce();
    let subjects: Vec<String> = (0..20).map(|i| format!("mwkit async {run} #{i}")).collect();
    runtime().block_on(async {
        let client = logged_in(&wiki, wiki.api_url(), &ua).await;
        // Forget the token the login brought: the 20 calls need it at once,
        // and one fetch serves them all.
        client.__set_cached_csrf_for_tests(None);
        let tasks: Vec<_> = subjects
            .iter()
            .map(|subject| {
                let client = client.clone();
                let email = EmailUser::new(wiki.name("recipient"), subject.as_str(), "async");
                tokio::spawn(async move { client.email_user(&email).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    });
    let prefix = format!("mwkit async {run} #");
    let mails = wiki.wait_for_mails_where(|s| s.starts_with(&prefix), subjects.len());
    for subject in &subjects {
        let n = mails
            .iter()
            .filter(|m| m["subject"] == subject.as_str())
            .count();
        assert_eq!(n, 1, "{subject}");
    }
    let requests = wiki.requests(&ua);
    let tokens = requests
        .iter()
        .filter(|l| l.contains("meta=tokens&type=csrf"))
        .count();
    assert_eq!(tokens, 1, "one token fetch for 20 calls: {requests:#?}");
    let posts = requests.iter().filter(|l| l.contains("POST")).count();
    assert_eq!(posts, 21, "the login's and one per mail: {requests:#?}");
}

#[test]
fn a_call_cancelled_in_flight_leaves_the_client_working() {
    let wiki = Wiki::get();
    let proxy = Proxy::start(wiki.api_url());
    let ua = format!("mwkit-tests/async-cancel-{} (tests@mwkit.test)", nonce());
    let subject = format!("mwkit async after cancel {}", nonce());
    runtime().block_on(async {
        let client = logged_in(&wiki, &proxy.url, &ua).await;
        // A read held 3 s by the proxy, given up after 300 ms.
        proxy.push([Fault::Delay(Duration::from_secs(3))]);
        let cancelled = tokio::time::timeout(Duration::from_millis(300), client.options()).await;
        assert!(cancelled.is_err(), "the read was cancelled");
        // The client goes on: a read and a mail, each once.
        assert!(!client.options().await.unwrap().anonymous);
        client
            .email_user(&EmailUser::new(
                wiki.name("recipient"),
                subject.as_str(),
                "after",
            ))
            .await
            .unwrap();
    });
    assert_eq!(wiki.wait_for_mails(&subject, 1).len(), 1);
}
