//! Helpers for the command line's tests against the real test wiki
//! (`tests/wiki/testwiki up`): wiki.json, the mail sink, running `mwkit`,
//! and a loopback stand-in in front of the wiki.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// The wiki `testwiki up` made, from `MWKIT_WIKI_JSON`.
pub struct Wiki {
    pub state: Value,
}

impl Wiki {
    pub fn get() -> Wiki {
        let path = std::env::var("MWKIT_WIKI_JSON").unwrap_or_else(|_| {
            panic!(
                "MWKIT_WIKI_JSON is not set: these tests need the test wiki. Run scripts/test, or \
                 `tests/wiki/testwiki up && eval \"$(tests/wiki/testwiki env)\"` first"
            )
        });
        let text = std::fs::read_to_string(&path).unwrap();
        Wiki {
            state: serde_json::from_str(&text).unwrap(),
        }
    }

    pub fn api_url(&self) -> &str {
        self.state["api_url"].as_str().unwrap()
    }

    /// The MediaWiki series the wiki runs: "1.39", "1.43" or "1.45".
    pub fn series(&self) -> &str {
        self.state["mw_series"]
            .as_str()
            .expect("mw_series in wiki.json (a testwiki that records its version)")
    }

    /// Whether the wiki runs MediaWiki 1.43 or later (else 1.39).
    pub fn since_1_43(&self) -> bool {
        match self.series() {
            "1.43" | "1.45" => true,
            "1.39" => false,
            other => panic!("a MediaWiki series these tests do not know: {other}"),
        }
    }

    pub fn user(&self, role: &str) -> &Value {
        let user = &self.state["users"][role];
        assert!(user.is_object(), "no user with role {role} in wiki.json");
        user
    }

    pub fn name(&self, role: &str) -> &str {
        self.user(role)["name"].as_str().unwrap()
    }

    pub fn email(&self, role: &str) -> &str {
        self.user(role)["email"].as_str().unwrap()
    }

    /// The bulk recipients (MwkitBulk01..): (name, address).
    pub fn bulk(&self) -> Vec<(String, String)> {
        self.state["bulk_recipients"]
            .as_array()
            .expect("bulk_recipients in wiki.json (a testwiki that seeds them)")
            .iter()
            .map(|u| {
                (
                    u["name"].as_str().unwrap().to_owned(),
                    u["email"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// `mwkit` with the wiki's API and the bot password of `role`.
    pub fn mwkit(&self, role: &str) -> Command {
        let user = self.user(role);
        let mut cmd = mwkit();
        cmd.env("MWKIT_API", self.api_url())
            .env("MWKIT_USER", user["bot_name"].as_str().unwrap())
            .env("MWKIT_PASSWORD", user["bot_password"].as_str().unwrap());
        cmd
    }

    /// wiki.json's `tls` (the wiki over HTTPS too, by a throwaway CA of the
    /// harness), or None after one uncaptured `SKIP test: ...` line on
    /// stderr, for a test to return on.
    pub fn tls(&self, test: &str) -> Option<&Value> {
        let tls = &self.state["tls"];
        if tls.is_object() {
            return Some(tls);
        }
        let _ = writeln!(
            std::io::stderr(),
            "SKIP {test}: wiki.json has no tls (a wiki made before the harness served HTTPS, or \
             without apache2's mod_ssl); HTTPS tests need `testwiki up` to make one"
        );
        None
    }

    /// The two-factor account of `role` (OATHAuth: MediaWiki 1.43 wikis made
    /// with it), or None after one uncaptured `SKIP test: ...` line on
    /// stderr, for a test to return on.
    pub fn two_factor(&self, role: &str, test: &str) -> Option<&Value> {
        let user = &self.state["users"][role];
        if user["totp_secret"].is_string() {
            return Some(user);
        }
        // Past the test harness's capture, so that a skip shows.
        let _ = writeln!(
            std::io::stderr(),
            "SKIP {test}: wiki.json has no {role} account (this wiki runs MediaWiki {}; two-factor \
             tests need a 1.43 wiki made with OATHAuth)",
            self.series()
        );
        None
    }

    /// The next `count` clientlogin continuations whose User-Agent holds
    /// `tag` find their session deleted on the server when they arrive
    /// (`testwiki lose-session`). False after a SKIP line on a wiki made
    /// without the hook.
    pub fn lose_login_sessions(&self, tag: &str, count: u32, test: &str) -> bool {
        if self.state["lose_session"] != Value::Bool(true) {
            let _ = writeln!(
                std::io::stderr(),
                "SKIP {test}: this wiki was made without the lose-session hook (testwiki up again)"
            );
            return false;
        }
        let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/wiki/testwiki");
        let status = Command::new(tool)
            .env("MWKIT_WIKI_DIR", self.state["wiki_dir"].as_str().unwrap())
            .args(["lose-session", tag, &count.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "testwiki lose-session failed");
        true
    }

    /// A two-factor code of `role` from `testwiki totp` (the next window the
    /// wiki has not seen, waiting when it must); `wrong`: one not valid now.
    pub fn totp(&self, role: &str, wrong: bool) -> String {
        let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/wiki/testwiki");
        let mut cmd = Command::new(tool);
        cmd.env("MWKIT_WIKI_DIR", self.state["wiki_dir"].as_str().unwrap())
            .args(["totp", role]);
        if wrong {
            cmd.arg("--wrong");
        }
        let out = cmd.stderr(Stdio::inherit()).output().unwrap();
        assert!(out.status.success(), "testwiki totp {role} failed");
        let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert!(
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            "not a code: {code:?}"
        );
        code
    }

    /// wiki.json's `oauth` (Extension:OAuth's consumers, on a 1.43 wiki made
    /// with ../shared/oauth-ext), or None after one uncaptured `SKIP test:
    /// ...` line on stderr, for a test to return on.
    pub fn oauth(&self, test: &str) -> Option<&Value> {
        let oauth = &self.state["oauth"];
        if oauth.is_object() {
            return Some(oauth);
        }
        let _ = writeln!(
            std::io::stderr(),
            "SKIP {test}: wiki.json's oauth is null (this wiki runs MediaWiki {}; OAuth tests \
             need a 1.43 wiki made with Extension:OAuth from ../shared/oauth-ext)",
            self.series()
        );
        None
    }

    /// A fresh set of OAuth consumers for the owner (`testwiki oauth new`),
    /// shaped like wiki.json's `oauth`: a confidential client of the test's
    /// own (the wiki keeps one session for all of a client's tokens, and a
    /// new token's first request makes the csrf tokens of the others stale).
    pub fn oauth_new(&self) -> Value {
        let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/wiki/testwiki");
        let out = Command::new(tool)
            .env("MWKIT_WIKI_DIR", self.state["wiki_dir"].as_str().unwrap())
            .args(["oauth", "new"])
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(out.status.success(), "testwiki oauth new failed");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `mwkit` with the wiki's API, acting with the OAuth 2 access token
    /// `token` (MWKIT_OAUTH2_TOKEN).
    pub fn mwkit_oauth2(&self, token: &str) -> Command {
        let mut cmd = mwkit();
        cmd.env("MWKIT_API", self.api_url())
            .env("MWKIT_OAUTH2_TOKEN", token);
        cmd
    }

    /// `mwkit` with the wiki's API, acting as the confidential OAuth 2
    /// client `id` (MWKIT_OAUTH2_CLIENT_ID and MWKIT_OAUTH2_CLIENT_SECRET).
    pub fn mwkit_oauth2_client(&self, id: &str, secret: &str) -> Command {
        let mut cmd = mwkit();
        cmd.env("MWKIT_API", self.api_url())
            .env("MWKIT_OAUTH2_CLIENT_ID", id)
            .env("MWKIT_OAUTH2_CLIENT_SECRET", secret);
        cmd
    }

    /// `mwkit` with the wiki's API and the main account (name and password,
    /// not a bot password) of `role`, without MWKIT_OTP.
    pub fn mwkit_main(&self, role: &str) -> Command {
        let user = self.user(role);
        let mut cmd = mwkit();
        cmd.env("MWKIT_API", self.api_url())
            .env("MWKIT_USER", user["name"].as_str().unwrap())
            .env("MWKIT_PASSWORD", user["password"].as_str().unwrap());
        cmd
    }

    /// Lines of the access log whose User-Agent ends with `tag`. Apache
    /// logs a request after answering it, so this reads until the count has
    /// stayed the same for 300 ms (5 s at most).
    pub fn requests_tagged(&self, tag: &str) -> Vec<String> {
        let needle = format!("{tag}\"");
        let read = || -> Vec<String> {
            let log = std::fs::read_to_string(self.state["access_log"].as_str().unwrap()).unwrap();
            log.lines()
                .filter(|l| l.ends_with(&needle))
                .map(str::to_owned)
                .collect()
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut lines = read();
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let again = read();
            if again.len() == lines.len() || Instant::now() > deadline {
                return again;
            }
            lines = again;
        }
    }

    /// Every mail in the sink whose subject is `subject`.
    pub fn mails(&self, subject: &str) -> Vec<Value> {
        let dir = PathBuf::from(self.state["mail_dir"].as_str().unwrap());
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let mail: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                if mail["subject"] == subject {
                    found.push(mail);
                }
            }
        }
        found.sort_by_key(|m| m["seq"].as_u64());
        found
    }

    /// Waits until at least `count` mails with `subject` arrived (20 s at
    /// most), then a little longer so a surplus one would show.
    pub fn wait_for_mails(&self, subject: &str, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && self.mails(subject).len() < count {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(700));
        self.mails(subject)
    }

    /// How many mails with `subject` each address got.
    pub fn mails_per_address(&self, subject: &str, count: usize) -> BTreeMap<String, usize> {
        let mut per = BTreeMap::new();
        for mail in self.wait_for_mails(subject, count) {
            for rcpt in mail["rcpt_to"].as_array().unwrap() {
                *per.entry(rcpt.as_str().unwrap().to_owned()).or_default() += 1;
            }
        }
        per
    }
}

/// The `mwkit` binary under test: the one cargo built, or the one at
/// `MWKIT_CLI_BIN` (the command a wheel installed: tests/cli-wheel/run).
pub fn mwkit_bin() -> OsString {
    std::env::var_os("MWKIT_CLI_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_mwkit").into())
}

/// `mwkit` with none of the caller's MWKIT_* settings, no terminal, and
/// no colour.
pub fn mwkit() -> Command {
    let mut cmd = Command::new(mwkit_bin());
    without_settings(&mut cmd);
    cmd.stdin(Stdio::null());
    cmd
}

/// Removes the caller's MWKIT_* settings from `cmd`'s environment.
pub fn without_settings(cmd: &mut Command) {
    for var in [
        "MWKIT_API",
        "MWKIT_USER",
        "MWKIT_PASSWORD",
        "MWKIT_OTP",
        "MWKIT_OAUTH2_TOKEN",
        "MWKIT_OAUTH2_CLIENT_ID",
        "MWKIT_OAUTH2_CLIENT_SECRET",
    ] {
        cmd.env_remove(var);
    }
}

/// Runs the command and returns its exit status, stdout and stderr, after
/// checking that neither, nor the journal it names (`--journal PATH`),
/// shows the test wiki's canary (see [`no_canary`]).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    );
    no_canary("stdout", &stdout);
    no_canary("stderr", &stderr);
    if let Some(journal) = journal_of(cmd) {
        no_canary_in_journal(&journal);
    }
    (
        status.code().expect("an exit status, not a signal"),
        stdout,
        stderr,
    )
}

/// The journal `cmd` names (`--journal PATH`), if any.
fn journal_of(cmd: &Command) -> Option<PathBuf> {
    let mut args = cmd.get_args();
    args.position(|a| a == "--journal")?;
    args.next().map(PathBuf::from)
}

/// Checks the journal at `path`, if the run made one, for the canary.
fn no_canary_in_journal(path: &Path) {
    if let Ok(text) = std::fs::read_to_string(path) {
        no_canary(&format!("the journal {}", path.display()), &text);
    }
}

#[path = "../../../mw-ureq/tests/support/canary.rs"]
mod canary;

/// These tests, for the canary's count at the end of the run.
static CANARY_SUITE: canary::Suite = canary::Suite {
    name: "cli",
    at_end: journals_at_end,
};

/// Every folder [`temp_dir`] made.
static TEMP_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// At the end: every journal file the tests made (`journal*` in a
/// [`temp_dir`] folder), those of runs that did not go through [`run`] as
/// well.
fn journals_at_end() {
    let dirs = TEMP_DIRS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    for entry in dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .flatten()
    {
        if entry.file_name().to_string_lossy().starts_with("journal") {
            let path = entry.path();
            if let Ok(text) = std::fs::read_to_string(&path) {
                canary::check_at_end(&format!("the journal {}", path.display()), &text);
            }
        }
    }
}

/// Every password and bot password of the test wiki's accounts holds
/// wiki.json's `canary` (tests/wiki/testwiki): a text the tests captured
/// that shows it fails the test; the count is printed at the end.
pub fn no_canary(what: &str, text: &str) {
    canary::no_canary(&CANARY_SUITE, what, text);
}

/// Every JSON document (one a line) on stdout.
pub fn docs(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Per-recipient statuses of a bulk run's JSON output, and its summary.
pub fn bulk_statuses(stdout: &str) -> (BTreeMap<String, String>, Value) {
    let mut statuses = BTreeMap::new();
    let mut summary = Value::Null;
    for doc in docs(stdout) {
        match doc["type"].as_str() {
            Some("recipient") => {
                let user = doc["user"].as_str().unwrap().to_owned();
                let status = doc["status"].as_str().unwrap().to_owned();
                assert!(
                    statuses.insert(user.clone(), status).is_none(),
                    "{user} reported twice"
                );
            }
            Some("summary") => summary = doc,
            _ => panic!("unexpected document {doc}"),
        }
    }
    (statuses, summary)
}

/// A fresh folder for one test's files.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mwkit-cli-{tag}-{}", nonce()));
    std::fs::create_dir_all(&dir).unwrap();
    TEMP_DIRS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(dir.clone());
    dir
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// A string no other test run or test will produce.
pub fn nonce() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{:x}{:x}{}",
        nanos,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// What the stand-in does with `action=emailuser` POSTs; every other
/// request goes to the wiki.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Forward everything.
    Forward,
    /// Answer 503 without forwarding, as a gateway would (the client cannot
    /// tell that the wiki never saw the request).
    Refuse503,
    /// Forward the `n`-th email (1-based), then never answer it.
    HangOn(usize),
    /// Forward the `n`-th email (1-based), then hold the wiki's answer
    /// until [`StandIn::release`].
    Hold(usize),
    /// Answer the `n`-th email (1-based) as MediaWiki does under replication
    /// lag, without forwarding it: `maxlag` (its header), `Retry-After: 20`.
    /// Flags it as [`StandIn::wait_hanging`] waits for. Forward the others.
    Maxlag(usize),
    /// Forward every email; the one to `target` (its user name as sent)
    /// gets, instead of the wiki's answer, a gateway's own JSON error:
    /// `status` with `body` as `application/json`, and no
    /// `MediaWiki-API-Error` header (the wiki has sent the mail by then).
    GatewayErrorAfterSend {
        target: String,
        status: u16,
        body: String,
    },
}

/// A gateway's JSON 503 of its own, in MediaWiki's error shape.
pub const GATEWAY_503: &str =
    r#"{"errors":[{"code":"gateway_timeout","text":"upstream timed out"}]}"#;

/// A gateway's JSON 504 of its own, in another shape (a numeric code).
pub const GATEWAY_504: &str = r#"{"error":{"code":503,"message":"Service Unavailable"}}"#;

/// A loopback stand-in in front of the wiki.
pub struct StandIn {
    pub url: String,
    /// Appended to the User-Agent of every request it forwards, so that the
    /// wiki's access log tells this stand-in's requests from every other.
    pub tag: String,
    rule: Arc<Mutex<Rule>>,
    emails: Arc<AtomicUsize>,
    hanging: Arc<AtomicBool>,
    released: Arc<AtomicBool>,
    targets: Arc<Mutex<Vec<String>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl StandIn {
    pub fn start(api_url: &str, rule: Rule) -> StandIn {
        let rest = api_url.strip_prefix("http://").unwrap();
        let (upstream, path) = rest.split_once('/').unwrap();
        let upstream = upstream.to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let standin = StandIn {
            url: format!("http://{}/{path}", listener.local_addr().unwrap()),
            tag: format!("standin/{}", nonce()),
            rule: Arc::new(Mutex::new(rule)),
            emails: Arc::new(AtomicUsize::new(0)),
            hanging: Arc::new(AtomicBool::new(false)),
            released: Arc::new(AtomicBool::new(false)),
            targets: Arc::new(Mutex::new(Vec::new())),
            requests: Arc::new(Mutex::new(Vec::new())),
        };
        let seen = Seen {
            emails: Arc::clone(&standin.emails),
            hanging: Arc::clone(&standin.hanging),
            released: Arc::clone(&standin.released),
            targets: Arc::clone(&standin.targets),
            requests: Arc::clone(&standin.requests),
            tag: standin.tag.clone(),
        };
        let rule = Arc::clone(&standin.rule);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (rule, seen, upstream) = (Arc::clone(&rule), seen.clone(), upstream.clone());
                std::thread::spawn(move || serve(stream, &upstream, &rule, &seen));
            }
        });
        standin
    }

    pub fn set(&self, rule: Rule) {
        *self.rule.lock().unwrap() = rule;
    }

    /// How many `action=emailuser` POSTs reached the stand-in.
    pub fn emails_seen(&self) -> usize {
        self.emails.load(Ordering::SeqCst)
    }

    /// Whether an email was forwarded and is being held unanswered.
    pub fn hanging(&self) -> bool {
        self.hanging.load(Ordering::SeqCst)
    }

    /// Waits (30 s at most) until an email is forwarded and held (or, under
    /// [`Rule::Maxlag`], answered `maxlag`).
    pub fn wait_hanging(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.hanging() {
            assert!(
                Instant::now() < deadline,
                "no email reached the stand-in to be held"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Lets the email held by [`Rule::Hold`] have the wiki's answer.
    pub fn release(&self) {
        self.released.store(true, Ordering::SeqCst);
    }

    /// Every request that reached the stand-in: its request line, then its
    /// body (the access log shows no POST body), in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// How many `action=emailuser` POSTs to `target` reached the stand-in.
    pub fn emails_to(&self, target: &str) -> usize {
        let targets = self.targets.lock().unwrap();
        targets.iter().filter(|t| *t == target).count()
    }
}

/// What the stand-in saw, shared with its threads.
#[derive(Clone)]
struct Seen {
    emails: Arc<AtomicUsize>,
    hanging: Arc<AtomicBool>,
    released: Arc<AtomicBool>,
    /// The `target` of every email, in order.
    targets: Arc<Mutex<Vec<String>>>,
    /// Every request: its line and body.
    requests: Arc<Mutex<Vec<String>>>,
    /// Appended to every User-Agent forwarded.
    tag: String,
}

/// The value of `key` in a form-encoded body, decoded.
fn form_value(body: &[u8], key: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let raw = text
        .split('&')
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => decoded.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => decoded.push(b),
        }
        i += 1;
    }
    String::from_utf8(decoded).ok()
}

fn serve(client: TcpStream, upstream: &str, rule: &Mutex<Rule>, seen: &Seen) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut out = client;
    while let Some((line, headers, body)) = read_request(&mut reader) {
        seen.requests
            .lock()
            .unwrap()
            .push(format!("{line}\n{}", String::from_utf8_lossy(&body)));
        let headers: Vec<String> = headers
            .into_iter()
            .map(
                |h| match h.to_ascii_lowercase().starts_with("user-agent:") {
                    true => format!("{h} {}", seen.tag),
                    false => h,
                },
            )
            .collect();
        let is_email =
            line.starts_with("POST") && String::from_utf8_lossy(&body).contains("action=emailuser");
        let rule = rule.lock().unwrap().clone();
        let answer = if is_email {
            let n = seen.emails.fetch_add(1, Ordering::SeqCst) + 1;
            let target = form_value(&body, "target").unwrap_or_default();
            seen.targets.lock().unwrap().push(target.clone());
            match rule {
                Rule::Forward => forward(upstream, &line, &headers, &body),
                Rule::Refuse503 => (
                    503,
                    b"<html><body>503 Service Unavailable</body></html>".to_vec(),
                    vec![("Content-Type".to_owned(), "text/html".to_owned())],
                ),
                Rule::HangOn(k) if k == n => {
                    forward(upstream, &line, &headers, &body);
                    seen.hanging.store(true, Ordering::SeqCst);
                    // Held until the client goes away (it is killed).
                    let mut buf = [0u8; 1];
                    let _ = reader.read(&mut buf);
                    return;
                }
                Rule::HangOn(_) => forward(upstream, &line, &headers, &body),
                Rule::Hold(k) if k == n => {
                    let answer = forward(upstream, &line, &headers, &body);
                    seen.hanging.store(true, Ordering::SeqCst);
                    while !seen.released.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    answer
                }
                Rule::Hold(_) => forward(upstream, &line, &headers, &body),
                Rule::Maxlag(k) if k == n => {
                    seen.hanging.store(true, Ordering::SeqCst);
                    (
                        200,
                        br#"{"errors":[{"code":"maxlag","text":"Waiting for 127.0.0.1: 7 seconds lagged.","data":{"host":"127.0.0.1","lag":7,"type":"db"},"module":"main"}]}"#.to_vec(),
                        vec![
                            ("Content-Type".to_owned(), "application/json".to_owned()),
                            ("MediaWiki-API-Error".to_owned(), "maxlag".to_owned()),
                            ("Retry-After".to_owned(), "20".to_owned()),
                            ("X-Database-Lag".to_owned(), "7".to_owned()),
                        ],
                    )
                }
                Rule::Maxlag(_) => forward(upstream, &line, &headers, &body),
                Rule::GatewayErrorAfterSend {
                    target: chosen,
                    status,
                    body: error,
                } if chosen == target => {
                    let (wiki_status, _, _) = forward(upstream, &line, &headers, &body);
                    assert_eq!(wiki_status, 200, "the wiki did not take the email");
                    (
                        status,
                        error.into_bytes(),
                        vec![("Content-Type".to_owned(), "application/json".to_owned())],
                    )
                }
                Rule::GatewayErrorAfterSend { .. } => forward(upstream, &line, &headers, &body),
            }
        } else {
            forward(upstream, &line, &headers, &body)
        };
        let (status, body, pass_on) = answer;
        let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in pass_on {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if out
            .write_all(head.as_bytes())
            .and_then(|()| out.write_all(&body))
            .is_err()
        {
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<String>, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end().to_owned();
        if h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        headers.push(h);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((line.trim_end().to_owned(), headers, body))
}

/// Sends the request to the wiki as HTTP/1.0 (an answer framed by the
/// connection's end) and returns its status, body, and the headers passed on
/// (`Content-Type`, `Set-Cookie`: the session lives in the cookies;
/// `MediaWiki-API-Error`, which makes an error answer the wiki's own).
fn forward(
    upstream: &str,
    line: &str,
    headers: &[String],
    body: &[u8],
) -> (u16, Vec<u8>, Vec<(String, String)>) {
    let mut conn = TcpStream::connect(upstream).unwrap();
    let mut head = format!("{}\r\n", line.replace("HTTP/1.1", "HTTP/1.0"));
    for h in headers {
        let lower = h.to_ascii_lowercase();
        if !lower.starts_with("connection:") && !lower.starts_with("accept-encoding:") {
            head.push_str(h);
            head.push_str("\r\n");
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(502);
    let pass_on = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| {
            ["content-type", "set-cookie", "mediawiki-api-error"]
                .iter()
                .any(|name| k.eq_ignore_ascii_case(name))
        })
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    (status, raw[split + 4..].to_vec(), pass_on)
}

/// A running `mwkit` whose output is read as it comes, to be sent signals.
pub struct Watched {
    child: std::process::Child,
    stdout: Option<std::thread::JoinHandle<String>>,
    stderr: Arc<Mutex<String>>,
    stderr_done: Option<std::thread::JoinHandle<()>>,
    journal: Option<PathBuf>,
}

impl Watched {
    /// Starts `cmd` with its stdout and stderr read by threads.
    pub fn spawn(cmd: &mut Command) -> Watched {
        let journal = journal_of(cmd);
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            out.read_to_string(&mut text).unwrap();
            text
        });
        let err = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let shared = Arc::clone(&stderr);
        let stderr_done = std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let mut text = shared.lock().unwrap();
                text.push_str(&line.unwrap());
                text.push('\n');
            }
        });
        Watched {
            child,
            stdout: Some(stdout),
            stderr,
            stderr_done: Some(stderr_done),
            journal,
        }
    }

    /// Sends the signal `name` (TERM, INT) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -s {name} failed");
    }

    /// Waits (30 s at most) until stderr holds `needle`; fails at once
    /// when mwkit ends first.
    pub fn wait_stderr(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.stderr.lock().unwrap().contains(needle) {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "mwkit ended ({status}) before saying {needle:?} on stderr: {}",
                    self.stderr.lock().unwrap()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} on stderr: {}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the end: the exit status, stdout and stderr (checked for
    /// the canary, with the journal, as [`run`] does).
    pub fn finish(mut self) -> (std::process::ExitStatus, String, String) {
        let status = self.child.wait().unwrap();
        let stdout = self.stdout.take().unwrap().join().unwrap();
        self.stderr_done.take().unwrap().join().unwrap();
        let stderr = self.stderr.lock().unwrap().clone();
        no_canary("stdout", &stdout);
        no_canary("stderr", &stderr);
        if let Some(journal) = &self.journal {
            no_canary_in_journal(journal);
        }
        (status, stdout, stderr)
    }
}

/// The last event the journal at `path` holds for each user.
pub fn journal_last_events(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut last = BTreeMap::new();
    for line in text.lines().skip(1) {
        let record: Value = serde_json::from_str(line).unwrap();
        last.insert(
            record["user"].as_str().unwrap().to_owned(),
            record["event"].as_str().unwrap().to_owned(),
        );
    }
    last
}

/// The two-factor account's turn, held until dropped: a test that logs in
/// with its codes holds it from asking `testwiki totp` for a code until its
/// last login is done, so that two tests of this binary (which runs several
/// at once) never send the account's codes out of order (OATHAuth refuses
/// a window at or before the last one it accepted).
pub fn two_factor_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The turn of the tests that change the `sender` account's options, held
/// until dropped: one of them resets them all, which would wipe what
/// another (this binary runs several at once) set and is about to read back.
pub fn sender_options_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
