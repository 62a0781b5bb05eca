//! Each account action, mwkit against a bare keep-alive loop, over HTTP and
//! over HTTPS (wiki.json `tls`), on the real test wiki: an options read, an
//! `emailable` of 50 names, an option write, an email and a login.
//!
//! The bare loop is what a small script would send: one ureq agent with
//! keep-alive, the session's cookies, and the fewest parameters the action
//! needs (`format=json&formatversion=2`, the token for a write; no
//! `errorformat`, `maxlag` or assertion); a login is its login token, the
//! login, and the csrf token a script fetches next (mwkit's three requests).
//! For the two reads, two more bare sides send mwkit's own request, built
//! by mw-core (`errorformat`, `maxlag`, `assert=user`, `meta=userinfo`),
//! and that request with `assertuser=NAME` added (what every read carried
//! before): the server's cost of each parameter, apart from the client's.
//!
//! The sides take turns operation by operation: `MWKIT_BENCH_ROUNDS`
//! rounds (default 5) of n turns, each turn one operation of every side in
//! an order rotated every turn, so that a compile or another load on the
//! machine falls on all of them alike. Reported: the median rate of each
//! side (operations over the time spent in them), the ratio of medians to
//! the bare loop, and the lowest and highest per-round ratio (the noise).
//!
//! Run with `MWKIT_WIKI_JSON` set (`scripts/bench` brings a wiki up):
//! `cargo bench -p mwkit-bench --bench actions`. `MWKIT_BENCH_SCALE`
//! (default 1) multiplies the operations per round.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use mw_core::{Api, EmailUser, Method, OptionsChange, Request};
use mw_ureq::Client;
use serde_json::Value;

/// One bare session: a keep-alive agent and the cookies it was given.
struct Bare {
    agent: ureq::Agent,
    url: String,
    ua: String,
    ca_file: Option<String>,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl Bare {
    fn new(url: &str, ua: &str, ca_file: Option<&str>) -> Bare {
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_idle_connections_per_host(16);
        if let Some(ca) = ca_file {
            let trust = mw_tls::roots(Some(std::path::Path::new(ca))).unwrap();
            let mw_tls::Roots::Certificates(certs) = &trust.roots else {
                panic!("the test CA")
            };
            let roots = certs
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()).to_owned())
                .collect();
            config = config.tls_config(
                TlsConfig::builder()
                    .root_certs(RootCerts::Specific(std::sync::Arc::new(roots)))
                    .build(),
            );
        }
        Bare {
            agent: ureq::Agent::new_with_config(config.build()),
            url: url.to_owned(),
            ua: ua.to_owned(),
            ca_file: ca_file.map(str::to_owned),
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    /// The same session on an agent of its own: its own connection, so
    /// its own web server worker, as each side has (sides sharing one
    /// connection would share a warm worker).
    fn same_session(&self) -> Bare {
        let other = Bare::new(&self.url, &self.ua, self.ca_file.as_deref());
        *other.cookies.lock().unwrap() = self.cookies.lock().unwrap().clone();
        other
    }

    /// Sends `params` (GET: in the URL; POST: form-encoded) with
    /// `format=json&formatversion=2`; returns the answer's JSON.
    fn call(&self, method: Method, params: &[(&str, &str)]) -> Value {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            form.append_pair(k, v);
        }
        form.append_pair("format", "json");
        form.append_pair("formatversion", "2");
        let encoded = form.finish();
        match method {
            Method::Get => self.send_get(&format!("{}?{encoded}", self.url)),
            Method::Post => self.send_post(&self.url, encoded.as_bytes()),
        }
    }

    /// Sends a request mw-core built, as it is.
    fn send(&self, req: &Request) -> Value {
        match req.method {
            Method::Get => self.send_get(&req.url),
            Method::Post => self.send_post(&req.url, &req.body),
        }
    }

    fn cookie(&self) -> String {
        let jar = self.cookies.lock().unwrap();
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn send_get(&self, url: &str) -> Value {
        let resp = self
            .agent
            .get(url)
            .header("User-Agent", &self.ua)
            .header("Cookie", &self.cookie())
            .call();
        self.read(resp)
    }

    fn send_post(&self, url: &str, body: &[u8]) -> Value {
        let resp = self
            .agent
            .post(url)
            .header("User-Agent", &self.ua)
            .header("Cookie", &self.cookie())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body);
        self.read(resp)
    }

    fn read(&self, resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Value {
        let mut resp = resp.unwrap();
        for value in resp.headers().get_all("set-cookie") {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            if let Some((name, rest)) = text.split_once('=') {
                let value = rest.split(';').next().unwrap_or_default().to_owned();
                self.cookies
                    .lock()
                    .unwrap()
                    .insert(name.trim().to_owned(), value);
            }
        }
        assert_eq!(resp.status(), 200);
        let json: Value = serde_json::from_slice(&resp.body_mut().read_to_vec().unwrap()).unwrap();
        assert!(
            json.get("error").is_none() && json.get("errors").is_none(),
            "{json}"
        );
        json
    }

    /// A bot-password login as a script makes it: the login token, the
    /// login, then the csrf token. Starts from no cookie.
    fn login(&self, name: &str, password: &str) -> String {
        self.cookies.lock().unwrap().clear();
        let t = self.call(
            Method::Get,
            &[("action", "query"), ("meta", "tokens"), ("type", "login")],
        );
        let token = t["query"]["tokens"]["logintoken"].as_str().unwrap();
        let done = self.call(
            Method::Post,
            &[
                ("action", "login"),
                ("lgname", name),
                ("lgpassword", password),
                ("lgtoken", token),
            ],
        );
        assert_eq!(done["login"]["result"], "Success", "{done}");
        let t = self.call(Method::Get, &[("action", "query"), ("meta", "tokens")]);
        t["query"]["tokens"]["csrftoken"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// Median of a non-empty list.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

type Job<'a> = Box<dyn FnMut(usize) + 'a>;

/// Runs `rounds` rounds of `n` turns; in each turn every side does one
/// operation, in an order rotated every turn, so that a burst of load on
/// the machine falls on every side alike. Prints each side's median rate
/// over the rounds and the ratios to the first side (the bare loop), with
/// the lowest and highest per-round ratio.
fn compare(label: &str, n: usize, rounds: usize, sides: &mut [(&str, Job<'_>)]) {
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
    let mut k = 0;
    for _ in 0..rounds {
        let mut spent = vec![0f64; sides.len()];
        for turn in 0..n {
            for j in 0..sides.len() {
                let s = (turn + j) % sides.len();
                let started = Instant::now();
                (sides[s].1)(k);
                spent[s] += started.elapsed().as_secs_f64();
                k += 1;
            }
        }
        for (s, t) in spent.iter().enumerate() {
            rates[s].push(n as f64 / t);
        }
    }
    let bare = median(rates[0].clone());
    let mut line = format!("{label}: bare {bare:.1}/s");
    for (s, (name, _)) in sides.iter().enumerate().skip(1) {
        let per_round: Vec<f64> = (0..rounds).map(|r| rates[s][r] / rates[0][r]).collect();
        let (lo, hi) = per_round
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
        line += &format!(
            "; {name} {:.1}/s {:.3}x (rounds {lo:.3}-{hi:.3})",
            median(rates[s].clone()),
            median(rates[s].clone()) / bare
        );
    }
    println!("{line}");
}

fn main() {
    let path = std::env::var("MWKIT_WIKI_JSON").expect("MWKIT_WIKI_JSON: run scripts/bench");
    let wiki: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let rounds: usize = std::env::var("MWKIT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let scale: usize = std::env::var("MWKIT_BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let sender = &wiki["users"]["sender"];
    let (name, password) = (
        sender["bot_name"].as_str().unwrap(),
        sender["bot_password"].as_str().unwrap(),
    );
    let account = sender["name"].as_str().unwrap();
    let recipient = wiki["users"]["recipient"]["name"].as_str().unwrap();
    // 50 names: the wiki's test users, then names no one has.
    let mut names: Vec<String> = wiki["users"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|u| u["name"].as_str().map(str::to_owned))
        .take(50)
        .collect();
    let mut i = 0;
    while names.len() < 50 {
        i += 1;
        names.push(format!("Mwkit bench nobody {i}"));
    }
    let joined = names.join("|");
    let run_id = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );

    let mut endpoints = vec![("HTTP", wiki["api_url"].as_str().unwrap(), None)];
    match wiki["tls"].as_object() {
        Some(tls) => endpoints.push((
            "HTTPS",
            tls["api_url"].as_str().unwrap(),
            tls["ca_file"].as_str(),
        )),
        None => println!("HTTPS: the wiki has no TLS port (wiki.json tls is null); skipped"),
    }
    println!(
        "{rounds} rounds, sides in turns; per round and side: {} reads, {} emailable, \
         {} option writes, {} emails, {} logins",
        100 * scale,
        60 * scale,
        30 * scale,
        30 * scale,
        15 * scale
    );
    for (proto, url, ca) in endpoints {
        let ua = |side: &str| format!("mwkit-bench/{run_id}-{proto}-{side} (bench@mwkit.test)");
        let bare = Bare::new(url, &ua("bare"), ca);
        let csrf = bare.login(name, password);
        let mut builder = Client::builder(url, &ua("client"));
        if let Some(ca) = ca {
            builder = builder.ca_file(ca);
        }
        let client = builder.build().unwrap();
        client.login(name, password).unwrap();
        // mwkit's own read requests, for the bare agent to send.
        let mut api = Api::new(url, &ua("bare")).unwrap();
        api.set_maxlag(Some(mw_core::DEFAULT_MAXLAG));
        api.set_account(client.account());
        let own_read = api.read_options_request();
        let batch = api.emailable_batches(&names).unwrap().remove(0);
        let own_emailable = api.emailable_request(&batch);
        let with_name = |req: &Request| {
            let mut req = req.clone();
            let pair = format!(
                "&assertuser={}",
                form_urlencoded::byte_serialize(account.as_bytes()).collect::<String>()
            );
            match req.method {
                Method::Get => req.url.push_str(&pair),
                Method::Post => req.body.extend_from_slice(pair.as_bytes()),
            }
            req
        };
        let old_read = with_name(&own_read);
        let old_emailable = with_name(&own_emailable);
        let (own, old) = (bare.same_session(), bare.same_session());

        let n = 100 * scale;
        compare(
            &format!("{proto} options read"),
            n,
            rounds,
            &mut [
                (
                    "bare",
                    Box::new(|_| {
                        bare.call(
                            Method::Get,
                            &[
                                ("action", "query"),
                                ("meta", "userinfo"),
                                ("uiprop", "options"),
                            ],
                        );
                    }),
                ),
                ("mwkit", Box::new(|_| drop(client.options().unwrap()))),
                (
                    "bare+mwkit's params",
                    Box::new(|_| drop(own.send(&own_read))),
                ),
                (
                    "bare+mwkit's params+assertuser",
                    Box::new(|_| drop(old.send(&old_read))),
                ),
            ],
        );
        compare(
            &format!("{proto} emailable of 50"),
            60 * scale,
            rounds,
            &mut [
                (
                    "bare",
                    Box::new(|_| {
                        let users = bare.call(
                            Method::Post,
                            &[
                                ("action", "query"),
                                ("list", "users"),
                                ("usprop", "emailable"),
                                ("ususers", &joined),
                            ],
                        );
                        assert_eq!(users["query"]["users"].as_array().unwrap().len(), 50);
                    }),
                ),
                (
                    "mwkit",
                    Box::new(|_| drop(client.emailable(&names).unwrap())),
                ),
                (
                    "bare+mwkit's params",
                    Box::new(|_| drop(own.send(&own_emailable))),
                ),
                (
                    "bare+mwkit's params+assertuser",
                    Box::new(|_| drop(old.send(&old_emailable))),
                ),
            ],
        );
        compare(
            &format!("{proto} option write"),
            30 * scale,
            rounds,
            &mut [
                (
                    "bare",
                    Box::new(|k| {
                        let change = format!("userjs-mwkit-bench=bare-{k}");
                        bare.call(
                            Method::Post,
                            &[("action", "options"), ("change", &change), ("token", &csrf)],
                        );
                    }),
                ),
                (
                    "mwkit",
                    Box::new(|k| {
                        let change =
                            OptionsChange::new().set("userjs-mwkit-bench", format!("client-{k}"));
                        drop(client.change_options(&change).unwrap());
                    }),
                ),
            ],
        );
        compare(
            &format!("{proto} email"),
            30 * scale,
            rounds,
            &mut [
                (
                    "bare",
                    Box::new(|k| {
                        let subject = format!("bench {run_id} {proto} bare {k}");
                        let sent = bare.call(
                            Method::Post,
                            &[
                                ("action", "emailuser"),
                                ("target", recipient),
                                ("subject", &subject),
                                ("text", "bench"),
                                ("token", &csrf),
                            ],
                        );
                        assert_eq!(sent["emailuser"]["result"], "Success");
                    }),
                ),
                (
                    "mwkit",
                    Box::new(|k| {
                        let subject = format!("bench {run_id} {proto} client {k}");
                        drop(
                            client
                                .email_user(&EmailUser::new(recipient, subject, "bench"))
                                .unwrap(),
                        );
                    }),
                ),
            ],
        );
        // Logins last: each replaces the session the sides above used.
        let login_bare = Bare::new(url, &ua("bare-login"), ca);
        compare(
            &format!("{proto} login"),
            15 * scale,
            rounds,
            &mut [
                ("bare", Box::new(|_| drop(login_bare.login(name, password)))),
                (
                    "mwkit",
                    Box::new(|_| drop(client.login(name, password).unwrap())),
                ),
            ],
        );
    }
}
