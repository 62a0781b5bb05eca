//! Throughput of the client against the real test wiki, beside a bare ureq
//! loop sending the same requests pre-built by mw-core, in the same run;
//! then 20 emails in flight at once: 20 bare connections, 20 threads on this
//! client and 20 tasks on the async client (mw-reqwest); and the memory one
//! request in flight costs each client.
//!
//! Run through `scripts/bench` (which brings a test wiki up), or with
//! `MWKIT_WIKI_JSON` set: `cargo bench -p mwkit-bench --bench live`.
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
use std::net::TcpListener;
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

    concurrent(&wiki, n, &run_id, &agent, &api, &token, &client);
    memory_in_flight(&run_id);
}

/// 20 emails in flight at once, three ways, rotated twice: the better rate
/// of each.
fn concurrent(
    wiki: &Wiki,
    n: usize,
    run_id: &str,
    agent: &Arc<ureq::Agent>,
    api: &Api,
    token: &Token,
    client: &Arc<Client>,
) {
    const IN_FLIGHT: usize = 20;
    let recipient = wiki.recipient();
    let counter = Arc::new(AtomicUsize::new(0));
    let subject = {
        let (counter, run_id) = (Arc::clone(&counter), run_id.to_owned());
        move |side: &str| {
            let k = counter.fetch_add(1, Ordering::Relaxed);
            format!("bench {run_id} {side}20 {k}")
        }
    };
    let bare = {
        let (agent, api, token, recipient, subject) = (
            Arc::clone(agent),
            api.clone(),
            token.clone(),
            recipient.clone(),
            subject.clone(),
        );
        Arc::new(move |_: usize| {
            let e = EmailUser::new(recipient.as_str(), subject("bare"), "bench");
            let resp = send(&agent, &api.email_user_request(&e, &token).unwrap());
            assert!(resp.body.windows(7).any(|w| w == b"Success"));
        }) as Arc<dyn Fn(usize) + Send + Sync>
    };
    let threads = {
        let (client, recipient, subject) = (Arc::clone(client), recipient.clone(), subject.clone());
        Arc::new(move |_: usize| {
            let e = EmailUser::new(recipient.as_str(), subject("threads"), "bench");
            client.email_user(&e).unwrap();
        }) as Arc<dyn Fn(usize) + Send + Sync>
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let async_client =
        mw_reqwest::Client::new(wiki.api_url(), &format!("mwkit-bench/{run_id}-async")).unwrap();
    let (name, password) = wiki.sender();
    rt.block_on(async_client.login(name, password)).unwrap();
    let tasks = |n: usize| -> f64 {
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        rt.block_on(async {
            let workers: Vec<_> = (0..IN_FLIGHT)
                .map(|_| {
                    let (client, next, recipient, subject) = (
                        async_client.clone(),
                        Arc::clone(&next),
                        recipient.clone(),
                        subject.clone(),
                    );
                    tokio::spawn(async move {
                        while next.fetch_add(1, Ordering::Relaxed) < n {
                            let e = EmailUser::new(recipient.as_str(), subject("tasks"), "bench");
                            client.email_user(&e).await.unwrap();
                        }
                    })
                })
                .collect();
            for w in workers {
                w.await.unwrap();
            }
        });
        n as f64 / started.elapsed().as_secs_f64()
    };
    let (mut b, mut t, mut a) = (0f64, 0f64, 0f64);
    for _ in 0..2 {
        b = b.max(run(n, IN_FLIGHT, Arc::clone(&bare)));
        t = t.max(run(n, IN_FLIGHT, Arc::clone(&threads)));
        a = a.max(tasks(n));
    }
    println!(
        "emails, {IN_FLIGHT} in flight: bare ureq {b:.1}/s, blocking client on threads {t:.1}/s \
         (ratio {:.3}), async client on tasks {a:.1}/s (ratio {:.3})",
        t / b,
        a / b
    );
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

/// A loopback server that accepts connections and never answers; returns
/// its URL and the count of connections accepted.
fn silent_server() -> (
    String,
    Arc<AtomicUsize>,
    Arc<Mutex<Vec<std::net::TcpStream>>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api.php", listener.local_addr().unwrap());
    let (count, held) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(Mutex::new(Vec::new())),
    );
    let (c, h) = (Arc::clone(&count), Arc::clone(&held));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            h.lock().unwrap().push(stream);
            c.fetch_add(1, Ordering::SeqCst);
        }
    });
    (url, count, held)
}

fn wait_for(count: &AtomicUsize, k: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while count.load(Ordering::SeqCst) < k && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(count.load(Ordering::SeqCst), k, "requests in flight");
    std::thread::sleep(Duration::from_millis(200));
}

/// Memory per request in flight: K reads held by a server that never
/// answers, RSS before and after they are all out.
fn memory_in_flight(run_id: &str) {
    const K: usize = 400;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (url, count, held) = silent_server();
    let client = mw_reqwest::Client::new(&url, &format!("mwkit-bench/{run_id}-mem")).unwrap();
    let before = rss_kib();
    let tasks: Vec<_> = (0..K)
        .map(|_| {
            let client = client.clone();
            rt.spawn(async move { client.options().await })
        })
        .collect();
    wait_for(&count, K);
    let after = rss_kib();
    tasks.iter().for_each(tokio::task::JoinHandle::abort);
    held.lock().unwrap().clear();
    println!(
        "memory, {K} reads in flight: async client {:.1} KiB each (RSS {before} -> {after} KiB)",
        (after.saturating_sub(before)) as f64 / K as f64
    );

    let (url, count, held) = silent_server();
    let client = Arc::new(Client::new(&url, &format!("mwkit-bench/{run_id}-mem")).unwrap());
    let before = rss_kib();
    let threads: Vec<_> = (0..K)
        .map(|_| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || drop(client.options()))
        })
        .collect();
    wait_for(&count, K);
    let after = rss_kib();
    held.lock().unwrap().clear();
    threads.into_iter().for_each(|t| t.join().unwrap());
    println!(
        "memory, {K} reads in flight: blocking client on threads {:.1} KiB each (RSS {before} -> {after} KiB)",
        (after.saturating_sub(before)) as f64 / K as f64
    );
}
