//! Helpers for tests against the real test wiki (`tests/wiki/testwiki up`):
//! its accounts, its mail sink and its access log.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::driver::Driver;

use serde_json::Value;

/// The wiki `testwiki up` made, from `MWKIT_WIKI_JSON`.
pub struct Wiki {
    pub state: Value,
}

impl Wiki {
    /// Reads wiki.json; fails the test with instructions when there is none.
    pub fn get() -> Wiki {
        let path = std::env::var("MWKIT_WIKI_JSON").unwrap_or_else(|_| {
            panic!(
                "MWKIT_WIKI_JSON is not set: these tests need the test wiki. Run scripts/test, or \
                 `tests/wiki/testwiki up && eval \"$(tests/wiki/testwiki env)\"` first"
            )
        });
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
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

    /// Whether a blocked sender's `blocked` error carries the block's
    /// details itself (`data.blockinfo`): MediaWiki 1.45 and later.
    pub fn error_carries_blockinfo(&self) -> bool {
        self.since_1_43() && self.series() != "1.43"
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

    /// wiki.json's `tls` (the wiki served over HTTPS too, by a CA of the
    /// harness), or None after one `SKIP test: ...` line on stderr, for a
    /// test to return on: wikis made before the harness served HTTPS (or
    /// without mod_ssl) have none.
    pub fn tls(&self, test: &str) -> Option<&Value> {
        let tls = &self.state["tls"];
        if tls.is_object() {
            return Some(tls);
        }
        skip(
            test,
            "wiki.json has no tls (a wiki made before the harness served HTTPS, or without \
             apache2's mod_ssl); HTTPS tests need `testwiki up` to make one",
        );
        None
    }

    /// A client of `url` with a User-Agent of its own, trusting only the CA
    /// file `ca_file` when given (else the defaults: the system's store).
    pub fn client_of<D: Driver>(
        &self,
        url: &str,
        ca_file: Option<&str>,
        tag: &str,
    ) -> Result<(D, String), mw_core::Error> {
        let ua = format!("mwkit-tests/{tag}-{} (tests@mwkit.test)", nonce());
        let mut settings = mw_core::ClientSettings::new(url, &ua);
        settings.ca_file = ca_file.map(PathBuf::from);
        D::build(settings).map(|client| (client, ua))
    }

    /// The two-factor account of `role` (OATHAuth, on MediaWiki 1.43 wikis
    /// made with it), or None after one `SKIP test: ...` line on stderr.
    pub fn two_factor(&self, role: &str, test: &str) -> Option<&Value> {
        let user = &self.state["users"][role];
        if user["totp_secret"].is_string() {
            return Some(user);
        }
        skip(
            test,
            &format!(
                "wiki.json has no {role} account (this wiki runs MediaWiki {}; two-factor tests \
                 need a 1.43 wiki made with OATHAuth)",
                self.series()
            ),
        );
        None
    }

    /// wiki.json's `oauth` (Extension:OAuth's consumers for the owner, on a
    /// 1.43 wiki made with ../shared/oauth-ext), or None after one `SKIP
    /// test: ...` line on stderr.
    pub fn oauth(&self, test: &str) -> Option<&Value> {
        let oauth = &self.state["oauth"];
        if oauth.is_object() {
            return Some(oauth);
        }
        skip(
            test,
            &format!(
                "wiki.json's oauth is null (this wiki runs MediaWiki {}; OAuth tests need a 1.43 \
                 wiki made with Extension:OAuth from ../shared/oauth-ext)",
                self.series()
            ),
        );
        None
    }

    /// A fresh set of OAuth consumers for the owner (`testwiki oauth new`),
    /// shaped like wiki.json's `oauth`: for a test that disables or revokes
    /// one, so that the shared ones stay usable.
    pub fn oauth_new(&self) -> Value {
        serde_json::from_str(&self.testwiki(&["oauth", "new"])).unwrap()
    }

    /// Disables the consumer `key` as an OAuth administrator does
    /// (`testwiki oauth disable KEY`).
    pub fn oauth_disable(&self, key: &str) {
        self.testwiki(&["oauth", "disable", key]);
    }

    /// The owner revokes its grant of the consumer `key` (`testwiki oauth
    /// revoke KEY`).
    pub fn oauth_revoke(&self, key: &str) {
        self.testwiki(&["oauth", "revoke", key]);
    }

    /// Runs `tests/wiki/testwiki ARGS` on this wiki; returns its stdout.
    fn testwiki(&self, args: &[&str]) -> String {
        let out = Command::new(repo_root().join("tests/wiki/testwiki"))
            .env("MWKIT_WIKI_DIR", self.state["wiki_dir"].as_str().unwrap())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "testwiki {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The next `count` clientlogin continuations sent with the User-Agent
    /// `ua` find their session deleted on the server when they arrive
    /// (`testwiki lose-session`: a login session that expired while its
    /// user looked for the code). False after a SKIP line on a wiki made
    /// without the hook.
    pub fn lose_login_sessions(&self, ua: &str, count: u32, test: &str) -> bool {
        if self.state["lose_session"] != Value::Bool(true) {
            skip(
                test,
                "this wiki was made without the lose-session hook (testwiki up again)",
            );
            return false;
        }
        self.testwiki(&["lose-session", ua, &count.to_string()]);
        true
    }

    /// A two-factor code of `role` from `testwiki totp`: the next 30-second
    /// window the wiki has not seen (it waits when it must), or with
    /// `wrong` one valid in no window near now. OATHAuth accepts a window
    /// once and never one before the last accepted, so a caller that logs
    /// in with it holds [`two_factor_turn`] from before asking until the
    /// login is done.
    pub fn totp(&self, role: &str, wrong: bool) -> String {
        let mut cmd = Command::new(repo_root().join("tests/wiki/testwiki"));
        cmd.env("MWKIT_WIKI_DIR", self.state["wiki_dir"].as_str().unwrap())
            .args(["totp", role]);
        if wrong {
            cmd.arg("--wrong");
        }
        let out = cmd.stderr(std::process::Stdio::inherit()).output().unwrap();
        assert!(out.status.success(), "testwiki totp {role} failed");
        let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert!(
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            "not a code: {code:?}"
        );
        code
    }

    /// A client with a User-Agent of its own, so its requests can be counted
    /// in the access log.
    pub fn client<D: Driver>(&self, tag: &str) -> (D, String) {
        let ua = format!("mwkit-tests/{tag}-{} (tests@mwkit.test)", nonce());
        (D::new(self.api_url(), &ua).unwrap(), ua)
    }

    /// A client logged in with the bot password of `role`.
    pub fn logged_in<D: Driver>(&self, role: &str, tag: &str) -> (D, String) {
        let (client, ua) = self.client::<D>(tag);
        let user = self.user(role);
        client
            .login(
                user["bot_name"].as_str().unwrap(),
                user["bot_password"].as_str().unwrap(),
            )
            .unwrap();
        (client, ua)
    }

    pub fn mail_dir(&self) -> PathBuf {
        PathBuf::from(self.state["mail_dir"].as_str().unwrap())
    }

    /// Every mail in the sink whose subject satisfies `pred`.
    pub fn mails(&self, pred: impl Fn(&str) -> bool) -> Vec<Value> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(self.mail_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let mail: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                if pred(mail["subject"].as_str().unwrap_or_default()) {
                    found.push(mail);
                }
            }
        }
        found.sort_by_key(|m| m["seq"].as_u64());
        found
    }

    /// Waits until `count` mails with `subject` have arrived (or 20 s), then a
    /// little longer so that a surplus one would show, and returns them all.
    pub fn wait_for_mails(&self, subject: &str, count: usize) -> Vec<Value> {
        self.wait_for_mails_where(|s| s == subject, count)
    }

    pub fn wait_for_mails_where(&self, pred: impl Fn(&str) -> bool, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && self.mails(&pred).len() < count {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(700));
        self.mails(&pred)
    }

    /// Lines of the access log written by clients with User-Agent `ua`.
    /// Apache logs a request after answering it, so this reads until the
    /// count has stayed the same for 300 ms (5 s at most).
    pub fn requests(&self, ua: &str) -> Vec<String> {
        let needle = format!("\"{ua}\"");
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

    /// Runs a MediaWiki maintenance script against the test wiki.
    pub fn maint(&self, args: &[&str]) -> String {
        self.maint_with_input(args, "")
    }

    /// Runs a maintenance script with `input` on its standard input (PHP
    /// for `eval.php`).
    pub fn maint_with_input(&self, args: &[&str], input: &str) -> String {
        use std::io::Write;
        let script = repo_root().join("tests/wiki/testwiki");
        let mut child = Command::new(script)
            .arg("maint")
            .args(args)
            .env("MWKIT_WIKI_DIR", self.state["wiki_dir"].as_str().unwrap())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "maint {args:?} failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }

    /// A maintenance process that ends users' bot sessions on the server on
    /// demand, in a few milliseconds each instead of the 0.7 s a run of
    /// `invalidateUserSessions.php` costs (most of it MediaWiki starting),
    /// and seen at once however often it is done (see [`SessionEnder`]).
    pub fn session_ender(&self) -> SessionEnder {
        SessionEnder::start(self)
    }

    /// The highest sequence number in the sink (0 when empty).
    pub fn max_seq(&self) -> u64 {
        self.mails(|_| true)
            .iter()
            .filter_map(|m| m["seq"].as_u64())
            .max()
            .unwrap_or(0)
    }

    /// The first mail to `address` after sequence number `after` (waits up
    /// to 20 s).
    pub fn wait_for_mail_to(&self, address: &str, after: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = self.mails(|_| true).into_iter().find(|m| {
                m["seq"].as_u64().unwrap_or(0) > after
                    && m["rcpt_to"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|r| r == address)
            });
            if let Some(mail) = found {
                return mail;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {address} after #{after}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// One line on stderr, past the test harness's capture so that it shows:
/// `SKIP test: why`.
pub fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIP {test}: {why}");
}

/// `role`'s turn to log in with a two-factor code, held until dropped:
/// from asking `testwiki totp` for a code until the login that sends it is
/// done, so that two scenarios of this binary never send `role`'s codes out
/// of order (OATHAuth refuses a window before the last one it accepted).
pub fn two_factor_turn(role: &str) -> MutexGuard<'static, ()> {
    static LOCKS: Mutex<BTreeMap<String, &'static Mutex<()>>> = Mutex::new(BTreeMap::new());
    let lock = *LOCKS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(role.to_owned())
        .or_insert_with(|| Box::leak(Box::new(Mutex::new(()))));
    lock.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The temporary password in a password-reset mail.
pub fn temporary_password(mail: &Value) -> String {
    let text = mail["text"].as_str().unwrap();
    let after = text
        .split("Temporary password:")
        .nth(1)
        .expect("a temporary password in the mail");
    after.split_whitespace().next().unwrap().to_owned()
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
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

/// How long after a user's sessions were ended with
/// `invalidateUserSessions.php` its row may still be served from
/// MediaWiki's interim cache (WANObjectCache's hold-off, 11 s; see
/// [`SessionEnder`]), so that a login then can make a session that the
/// next request finds already ended.
const HOLD_OFF: Duration = Duration::from_secs(12);

/// `role`'s lock, held until dropped: see [`exclusive`].
pub struct Exclusive {
    role: String,
    _guard: MutexGuard<'static, ()>,
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        // Before the guard is released.
        released()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(self.role.clone(), Instant::now());
    }
}

/// When each role's lock was last released.
fn released() -> &'static Mutex<BTreeMap<String, Instant>> {
    static RELEASED: Mutex<BTreeMap<String, Instant>> = Mutex::new(BTreeMap::new());
    &RELEASED
}

/// Takes `role`'s lock: the scenarios that end a user's sessions on the
/// server, or count its logins, take it, so that two of them in this test
/// binary never use the same user at once (one would end the other's
/// session in the middle of its counting). It is given
/// [`HOLD_OFF`] after its last holder let it go, since that holder may have
/// ended the user's sessions with `invalidateUserSessions.php`. Tests run by
/// other processes against the same wiki are not covered.
pub fn exclusive(role: &str) -> Exclusive {
    static LOCKS: Mutex<BTreeMap<String, &'static Mutex<()>>> = Mutex::new(BTreeMap::new());
    let lock = *LOCKS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(role.to_owned())
        .or_insert_with(|| Box::leak(Box::new(Mutex::new(()))));
    // A scenario that failed holding it leaves nothing to repair.
    let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
    let last = released()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(role)
        .copied();
    if let Some(wait) = last.and_then(|at| HOLD_OFF.checked_sub(at.elapsed())) {
        std::thread::sleep(wait);
    }
    Exclusive {
        role: role.to_owned(),
        _guard: guard,
    }
}

/// `eval.php`, kept running, connected back to the test over loopback TCP:
/// each user name the test writes has the sessions of that user's bot
/// password (wiki.json's `bot_app`) ended, answered `ended` or
/// `failed ...`. It stops when the connection closes.
///
/// It ends them by saving the bot password again, unchanged: that gives it
/// a new token (as a change of its grants does), and MediaWiki checks a bot
/// session's token against the database on every request, so the next
/// request of every session made with it is anonymous, and its bot-session
/// cookie stale. `invalidateUserSessions.php` changes the user's token
/// instead, which web requests read through the object cache: for 11 s
/// after it purges the user's row, MediaWiki serves the row in an "interim"
/// key without checking when it was last purged (unless the request has
/// the `UseDC=master` cookie that follows a write), so a second end within
/// those seconds may not be seen, or a login right after it may make a
/// session that the next request finds already ended. Those are the
/// cache's doing, not the client's, and scenarios that end sessions round
/// after round need every end seen at once.
pub struct SessionEnder {
    conn: BufReader<TcpStream>,
    process: Option<JoinHandle<String>>,
}

impl SessionEnder {
    fn start(wiki: &Wiki) -> SessionEnder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // One line: eval.php runs its input a line at a time.
        let app = wiki.state["bot_app"].as_str().unwrap();
        let php = format!(
            "$c = stream_socket_client('tcp://127.0.0.1:{port}', $errno, $errstr, 30); \
             while (($l = fgets($c)) !== false) {{ try {{ \
             $bp = BotPassword::newFromUser(User::newFromName(trim($l)), '{app}'); \
             $ok = $bp && $bp->save('update')->isGood(); \
             fwrite($c, $ok ? \"ended\\n\" : \"failed: no bot password saved\\n\"); \
             }} catch (Throwable $e) {{ \
             fwrite($c, 'failed ' . str_replace(\"\\n\", ' ', $e->getMessage()) . \"\\n\"); \
             }} }}\n"
        );
        let state = wiki.state.clone();
        let process =
            std::thread::spawn(move || Wiki { state }.maint_with_input(&["eval.php"], &php));
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let conn = loop {
            match listener.accept() {
                Ok((conn, _)) => break conn,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if process.is_finished() {
                        let out = process.join();
                        panic!("eval.php ended before connecting: {out:?}");
                    }
                    assert!(Instant::now() < deadline, "eval.php did not connect");
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("{e}"),
            }
        };
        conn.set_nonblocking(false).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        SessionEnder {
            conn: BufReader::new(conn),
            process: Some(process),
        }
    }

    /// Ends every session of the bot password of the user `name` on the
    /// server.
    pub fn end(&mut self, name: &str) {
        assert!(!name.contains('\n'));
        self.conn
            .get_mut()
            .write_all(format!("{name}\n").as_bytes())
            .unwrap();
        let mut answer = String::new();
        self.conn.read_line(&mut answer).unwrap();
        assert_eq!(answer.trim_end(), "ended", "ending {name}'s sessions");
    }

    /// Stops the process, and fails the test if it failed.
    pub fn finish(mut self) {
        let _ = self.conn.get_ref().shutdown(Shutdown::Both);
        if let Some(process) = self.process.take() {
            process.join().expect("eval.php ended cleanly");
        }
    }
}

impl Drop for SessionEnder {
    fn drop(&mut self) {
        // The process reads the end of the connection and exits.
        let _ = self.conn.get_ref().shutdown(Shutdown::Both);
    }
}

/// This suite, for the canary's count at the end of the run.
static CANARY_SUITE: crate::canary::Suite = crate::canary::Suite {
    name: "rust",
    at_end: || {},
};

/// Fails the scenario when `text`, which the suite captured (an error, a
/// `Debug`, a log line), shows the test wiki's canary: every password and
/// bot password of its accounts holds it (see `canary.rs`).
pub fn no_canary(what: &str, text: &str) {
    crate::canary::no_canary(&CANARY_SUITE, what, text);
}

/// Every call's result passes here (see driver.rs): its error's message and
/// `Debug`, or its answer's `Debug`, must not show the canary.
pub fn canary<T: std::fmt::Debug>(result: Result<T, mw_core::Error>) -> Result<T, mw_core::Error> {
    if crate::canary::canary_text().is_some() {
        match &result {
            Ok(v) => no_canary("an answer's Debug", &format!("{v:?}")),
            Err(e) => no_canary("an error", &format!("{e} {e:?}")),
        }
    }
    result
}
