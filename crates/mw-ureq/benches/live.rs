//! Throughput of the client against the real test wiki, beside a bare ureq
//! loop sending the same requests pre-built by mw-core, in the same run.
//!
//! Run through `scripts/bench` (which brings a test wiki up), or with
//! `MWKIT_WIKI_JSON` set: `cargo bench -p mw-ureq --bench live`.
//! `MWKIT_BENCH_EMAILS` (default 200) sets the emails per phase.
//!
//! Each comparison runs bare, client, bare, client and keeps the better
//! figure of each, so that neither side profits from going second. The
//! bare side uses one ureq agent with the client's pool size; its answers
//! are read but not parsed. Emails go from the test sender to the test
//! recipient; reads are `meta=userinfo&uiprop=options`. The figures go in
//! BENCHMARKS.md.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mw_core::{Api, BotLogin, EmailUser, Flow, Method, Request, Response, Token};
use mw_ureq::Client;
use serde_json::Value;

struct Wiki {
    state: Value,
}

impl Wiki {
    fn api_url(&self) -> &str {
        self.state["api_url"].as_str().unwrap()
    }
    fn sender(&self) -> (&str, &str) {
        let u = &self.state["users"]["sender"];
        (
            u["bot_name"].as_str().unwrap(),
            u["bot_password"].as_str().unwrap(),
        )
    }
    fn recipient(&self) -> String {
        self.state["users"]["recipient"]["name"]
            .as_str()
            .unwrap()
            .to_owned()
    }
    fn log_lines(&self, ua: &str) -> usize {
        std::thread::sleep(Duration::from_millis(500));
        let log = std::fs::read_to_string(self.state["access_log"].as_str().unwrap()).unwrap();
        log.lines()
            .filter(|l| l.ends_with(&format!("\"{ua}\"")))
            .count()
    }
}

/// The bare session's cookies: the least a bare loop must keep (name=value
/// from each Set-Cookie), since ureq runs without its cookie store.
static COOKIES: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());

fn send(agent: &ureq::Agent, req: &Request) -> Response {
    let cookie: String = {
        let jar = COOKIES.lock().unwrap();
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let result = match req.method {
        Method::Get => {
            let mut b = agent.get(&req.url);
            for (k, v) in &req.headers {
                b = b.header(k.as_str(), v.as_str());
            }
            if !cookie.is_empty() {
                b = b.header("Cookie", cookie.as_str());
            }
            b.call()
        }
        Method::Post => {
            let mut b = agent.post(&req.url);
            for (k, v) in &req.headers {
                b = b.header(k.as_str(), v.as_str());
            }
            if !cookie.is_empty() {
                b = b.header("Cookie", cookie.as_str());
            }
            b.send(&req.body[..])
        }
    };
    let mut resp = result.unwrap();
    for value in resp.headers().get_all("set-cookie") {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if let Some((name, rest)) = text.split_once('=') {
            let value = rest.split(';').next().unwrap_or_default().to_owned();
            COOKIES
                .lock()
                .unwrap()
                .insert(name.trim().to_owned(), value);
        }
    }
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_vec().unwrap();
    Response::new(status, Vec::new(), body)
}

/// A bare agent logged in as the sender (mw-core's flow driven by hand).
fn bare_session(wiki: &Wiki, ua: &str) -> (ureq::Agent, Api, Token) {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections_per_host(16)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut api = Api::new(wiki.api_url(), ua).unwrap();
    api.set_maxlag(Some(5));
    let (name, password) = wiki.sender();
    let mut login = BotLogin::new(name, mw_core::Password::new(password)).unwrap();
    let done = loop {
        let req = login.next_request(&api).unwrap();
        if let Some(done) = login.handle_response(&send(&agent, &req)).unwrap() {
            break done;
        }
    };
    api.set_account(Some(done.account));
    (agent, api, done.csrf)
}

/// Runs `job(i)` for i in 0..n on `threads` threads; returns jobs per second.
fn run(n: usize, threads: usize, job: Arc<dyn Fn(usize) + Send + Sync>) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (job, next) = (Arc::clone(&job), Arc::clone(&next));
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    job(i);
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    n as f64 / started.elapsed().as_secs_f64()
}

/// bare, client, bare, client: the better rate of each.
fn compare(
    label: &str,
    n: usize,
    threads: usize,
    bare: Arc<dyn Fn(usize) + Send + Sync>,
    client: Arc<dyn Fn(usize) + Send + Sync>,
) -> f64 {
    let (mut b, mut c) = (0f64, 0f64);
    for _ in 0..2 {
        b = b.max(run(n, threads, Arc::clone(&bare)));
        c = c.max(run(n, threads, Arc::clone(&client)));
    }
    println!(
        "{label}, {threads} thread(s): bare ureq {b:.1}/s, client {c:.1}/s, ratio {:.3}",
        c / b
    );
    c
}

fn main() {
    let path = std::env::var("MWKIT_WIKI_JSON").expect("MWKIT_WIKI_JSON: run scripts/bench");
    let wiki = Wiki {
        state: serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap(),
    };
    let n: usize = std::env::var("MWKIT_BENCH_EMAILS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let run_id = format!("{stamp:x}");
    let recipient = wiki.recipient();
    let (name, password) = wiki.sender();

    // `MWKIT_BENCH_ONLY=client-emails`: only the client's sequential emails,
    // for the Python bench (bindings/python/benches/bench_email.py) to
    // compare with in the same run.
    if std::env::var("MWKIT_BENCH_ONLY").as_deref() == Ok("client-emails") {
        let client = Client::new(wiki.api_url(), &format!("mwkit-bench/{run_id}-rust")).unwrap();
        client.login(name, password).unwrap();
        let started = Instant::now();
        for i in 0..n {
            client
                .email_user(&EmailUser::new(
                    recipient.as_str(),
                    format!("bench {run_id} rust {i}"),
                    "bench",
                ))
                .unwrap();
        }
        println!(
            "client-emails: {:.3}/s",
            n as f64 / started.elapsed().as_secs_f64()
        );
        return;
    }

    // Requests per action, counted by the wiki.
    let ua = format!("mwkit-bench/{run_id}-count");
    let client = Client::new(wiki.api_url(), &ua).unwrap();
    client.login(name, password).unwrap();
    let after_login = wiki.log_lines(&ua);
    for i in 0..2 {
        client
            .email_user(&EmailUser::new(
                recipient.as_str(),
                format!("bench {run_id} count {i}"),
                "x",
            ))
            .unwrap();
    }
    let after_two = wiki.log_lines(&ua);
    println!(
        "requests: login {after_login}, then {} for 2 emails",
        after_two - after_login
    );

    let (agent, api, token) = bare_session(&wiki, &format!("mwkit-bench/{run_id}-bare"));
    let agent = Arc::new(agent);
    let client =
        Arc::new(Client::new(wiki.api_url(), &format!("mwkit-bench/{run_id}-client")).unwrap());
    client.login(name, password).unwrap();
    println!("emails per phase: {n}");

    let mut email_rates = Vec::new();
    for threads in [1, 4] {
        // Pre-built requests for the bare side: 2 rounds of n.
        let prebuilt: Arc<Vec<Request>> = Arc::new(
            (0..2 * n)
                .map(|i| {
                    let e = EmailUser::new(
                        recipient.as_str(),
                        format!("bench {run_id} bare{threads} {i}"),
                        "bench",
                    );
                    api.email_user_request(&e, &token).unwrap()
                })
                .collect(),
        );
        let next = Arc::new(AtomicUsize::new(0));
        let bare = {
            let (agent, prebuilt, next) =
                (Arc::clone(&agent), Arc::clone(&prebuilt), Arc::clone(&next));
            Arc::new(move |_: usize| {
                let resp = send(&agent, &prebuilt[next.fetch_add(1, Ordering::Relaxed)]);
                assert!(
                    resp.body.windows(7).any(|w| w == b"Success"),
                    "{}",
                    String::from_utf8_lossy(&resp.body)
                );
            }) as Arc<dyn Fn(usize) + Send + Sync>
        };
        let with_client = {
            let (client, recipient, run_id) =
                (Arc::clone(&client), recipient.clone(), run_id.clone());
            let counter = Arc::new(AtomicUsize::new(0));
            Arc::new(move |_: usize| {
                let k = counter.fetch_add(1, Ordering::Relaxed);
                let e = EmailUser::new(
                    recipient.as_str(),
                    format!("bench {run_id} client{threads} {k}"),
                    "bench",
                );
                client.email_user(&e).unwrap();
            }) as Arc<dyn Fn(usize) + Send + Sync>
        };
        email_rates.push(compare("emails", n, threads, bare, with_client));
    }
    println!(
        "client email scaling (4 threads / 1 thread): {:.2}x",
        email_rates[1] / email_rates[0]
    );

    let mut read_rates = Vec::new();
    for threads in [1, 4] {
        let read = api.read_options_request();
        let bare = {
            let agent = Arc::clone(&agent);
            Arc::new(move |_: usize| assert_eq!(send(&agent, &read).status, 200))
                as Arc<dyn Fn(usize) + Send + Sync>
        };
        let with_client = {
            let client = Arc::clone(&client);
            Arc::new(move |_: usize| drop(client.options().unwrap()))
                as Arc<dyn Fn(usize) + Send + Sync>
        };
        read_rates.push(compare("reads", n, threads, bare, with_client));
    }
    println!(
        "client read scaling (4 threads / 1 thread): {:.2}x",
        read_rates[1] / read_rates[0]
    );
}
