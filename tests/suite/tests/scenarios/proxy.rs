//! A loopback fault-injection proxy between a client and the test wiki.
//!
//! Each request the proxy reads takes the next fault from its queue (none
//! left: it forwards as a plain proxy, or holds the answer a random while
//! when told to). It counts the requests it read and the answer bytes it
//! managed to write, and keeps each request it read whole (the access log
//! shows no POST body, so only here can a test see what a POST asserted).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does with one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Close the connection as soon as a request starts arriving: it is
    /// neither read to its end nor forwarded.
    ResetBeforeRead,
    /// Forward the request, wait for the wiki's answer, then close the
    /// connection without answering.
    ForwardThenDrop,
    /// Forward, then answer with only the first half of the wiki's body.
    Truncate,
    /// Forward, then answer 200 with this body instead of the wiki's.
    ForwardThenReplace(String),
    /// Forward, then hold the answer this long before sending it.
    Delay(Duration),
    /// Forward as a plain proxy (a place in the queue that does nothing).
    Forward,
    /// Forward, and add these headers to the wiki's answer.
    ForwardThenAddHeaders(Vec<(String, String)>),
    /// Forward, wait for the wiki's answer, then answer this instead (a
    /// gateway that gave up after the wiki acted).
    ForwardThenRespond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Answer this, without forwarding.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Answer 200 with a JSON body of this many bytes, without forwarding.
    Oversize(usize),
    /// Forward, then add this warning (`{"code", "text", "module"}`, as
    /// MediaWiki gives them with `errorformat=plaintext`) to the JSON
    /// object the wiki answered: to its `warnings` list, made when there is
    /// none. The wiki's own answer is otherwise untouched, its status and
    /// headers (`MediaWiki-API-Error` included) kept.
    ForwardThenWarn(serde_json::Value),
}

/// A warning as MediaWiki gives it (`errorformat=plaintext`), for
/// [`Fault::ForwardThenWarn`].
pub fn warning(code: &str, text: &str, module: &str) -> serde_json::Value {
    serde_json::json!({ "code": code, "text": text, "module": module })
}

/// Which requests a fault queued with [`Proxy::push_for`] is for.
type Matcher = Box<dyn Fn(&Seen) -> bool + Send>;

/// What [`Proxy::rewrite`] does to each request before it is forwarded.
type Rewrite = Box<dyn Fn(&mut RawRequest) + Send>;

/// One request as the proxy read it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request line: `POST /api.php HTTP/1.1`.
    pub line: String,
    /// The headers, each `Name: value`.
    pub headers: Vec<String>,
    /// The body, as text (lossily).
    pub body: String,
}

impl Seen {
    /// The query string and the form body together, to look for a
    /// parameter wherever it was sent.
    pub fn params(&self) -> String {
        let query = self.line.split_whitespace().nth(1).unwrap_or_default();
        let query = query.split_once('?').map_or("", |(_, q)| q);
        format!("{query}&{}", self.body)
    }

    /// Whether the query string or the form body holds `name=value`
    /// exactly as sent (percent-encoded as on the wire).
    pub fn has(&self, pair: &str) -> bool {
        self.params().split('&').any(|p| p == pair)
    }

    /// The path of the request line, without its query: `/api.php`.
    pub fn path(&self) -> &str {
        let target = self.line.split_whitespace().nth(1).unwrap_or_default();
        target.split('?').next().unwrap_or_default()
    }

    /// The value of the header `name` (any case), if it was sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|h| {
            let (n, value) = h.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The request line and the parameters, without the headers: what a
    /// failing check shows of a request whose headers carry a secret.
    /// A `client_secret` in the body shows as `<redacted>`.
    pub fn summary(&self) -> String {
        let body: Vec<String> = self
            .body
            .split('&')
            .map(|p| match p.split_once('=') {
                Some(("client_secret", _)) => "client_secret=<redacted>".to_owned(),
                _ => p.to_owned(),
            })
            .collect();
        format!("{} | {}", self.line, body.join("&"))
    }

    /// The `Cookie` header's value ("" when there is none).
    pub fn cookies(&self) -> &str {
        self.headers
            .iter()
            .find_map(|h| {
                let (name, value) = h.split_once(':')?;
                name.eq_ignore_ascii_case("cookie").then(|| value.trim())
            })
            .unwrap_or_default()
    }
}

/// Random answer delays: a xorshift generator, so that a run can be
/// repeated with its seed.
struct RandomDelays {
    state: u64,
    max_ms: u64,
}

impl RandomDelays {
    fn next(&mut self) -> Duration {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        Duration::from_millis(x % (self.max_ms + 1))
    }
}

pub struct Proxy {
    pub url: String,
    requests: Arc<AtomicUsize>,
    written: Arc<AtomicU64>,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    delays: Arc<Mutex<Option<RandomDelays>>>,
    targeted: Arc<Mutex<Vec<(Matcher, Fault)>>>,
    rewrite: Arc<Mutex<Option<Rewrite>>>,
}

/// What each connection's thread shares with the proxy.
#[derive(Clone)]
struct Shared {
    requests: Arc<AtomicUsize>,
    written: Arc<AtomicU64>,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    delays: Arc<Mutex<Option<RandomDelays>>>,
    targeted: Arc<Mutex<Vec<(Matcher, Fault)>>>,
    rewrite: Arc<Mutex<Option<Rewrite>>>,
}

impl Proxy {
    /// A proxy to the wiki whose API URL is `api_url` (`http://host:port/...`).
    pub fn start(api_url: &str) -> Proxy {
        let rest = api_url.strip_prefix("http://").expect("an http:// api url");
        let (upstream, path) = rest.split_once('/').unwrap();
        let upstream = upstream.to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/{path}", listener.local_addr().unwrap());
        let shared = Shared {
            requests: Arc::new(AtomicUsize::new(0)),
            written: Arc::new(AtomicU64::new(0)),
            faults: Arc::new(Mutex::new(VecDeque::new())),
            seen: Arc::new(Mutex::new(Vec::new())),
            delays: Arc::new(Mutex::new(None)),
            targeted: Arc::new(Mutex::new(Vec::new())),
            rewrite: Arc::new(Mutex::new(None)),
        };
        let proxy = Proxy {
            url,
            requests: Arc::clone(&shared.requests),
            written: Arc::clone(&shared.written),
            faults: Arc::clone(&shared.faults),
            seen: Arc::clone(&shared.seen),
            delays: Arc::clone(&shared.delays),
            targeted: Arc::clone(&shared.targeted),
            rewrite: Arc::clone(&shared.rewrite),
        };
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (shared, upstream) = (shared.clone(), upstream.clone());
                std::thread::spawn(move || serve(stream, &upstream, &shared));
            }
        });
        proxy
    }

    /// From now on, a request with no fault queued for it has its answer
    /// held between 0 and `max` (whole milliseconds, drawn from a generator
    /// seeded with `seed`), so that answers arrive late and out of order.
    pub fn delay_randomly(&self, max: Duration, seed: u64) {
        *self.delays.lock().unwrap() = Some(RandomDelays {
            state: seed | 1,
            max_ms: max.as_millis() as u64,
        });
    }

    /// Every request read so far, in the order they were read.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Queues faults for the next requests.
    pub fn push(&self, faults: impl IntoIterator<Item = Fault>) {
        self.faults.lock().unwrap().extend(faults);
    }

    /// Queues `fault` for the first request from now on that `matches`
    /// (once read whole): for a request a call makes on its own (a token
    /// fetch, a login step) whose place among the others is not fixed. It
    /// goes before the queue of [`Proxy::push`], whose next fault then
    /// waits for the next request. `ResetBeforeRead` and `Oversize` cannot
    /// be targeted.
    pub fn push_for(&self, matches: impl Fn(&Seen) -> bool + Send + 'static, fault: Fault) {
        assert!(
            !matches!(fault, Fault::ResetBeforeRead | Fault::Oversize(_)),
            "{fault:?} cannot wait for a request to match"
        );
        self.targeted
            .lock()
            .unwrap()
            .push((Box::new(matches), fault));
    }

    /// From now on, each request is changed by `rewrite` before it is
    /// forwarded (with or without a fault); [`Proxy::seen`] keeps it as the
    /// client sent it. The request line's target is the path the client
    /// asked for (`/api.php?...`), and the upstream the wiki's.
    pub fn rewrite(&self, rewrite: impl Fn(&mut RawRequest) + Send + 'static) {
        *self.rewrite.lock().unwrap() = Some(Box::new(rewrite));
    }

    /// How many faults of [`Proxy::push_for`] no request has matched yet.
    pub fn targeted_left(&self) -> usize {
        self.targeted.lock().unwrap().len()
    }

    /// Requests read so far (a reset before reading counts as one).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Answer bytes written to clients so far.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }
}

fn serve(client: TcpStream, upstream: &str, shared: &Shared) {
    let (requests, written) = (&*shared.requests, &*shared.written);
    client.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut out = client;
    loop {
        // Look at the next fault before reading, for a reset before reading.
        if let Ok(0) | Err(_) = reader.fill_buf().map(|b| b.len()) {
            return;
        }
        let queued = shared.faults.lock().unwrap().pop_front();
        let fault = queued.clone().or_else(|| {
            let mut delays = shared.delays.lock().unwrap();
            delays.as_mut().map(|d| Fault::Delay(d.next()))
        });
        if let Some(Fault::ResetBeforeRead) = fault {
            requests.fetch_add(1, Ordering::SeqCst);
            drop(reader);
            drop(out);
            return;
        }
        let Some(mut request) = read_request(&mut reader) else {
            return;
        };
        let seen = Seen {
            line: request.line.clone(),
            headers: request.headers.clone(),
            body: String::from_utf8_lossy(&request.body).into_owned(),
        };
        // A fault waiting for this very request goes first; the queued one
        // (if any) goes back for the next request.
        let fault = {
            let mut targeted = shared.targeted.lock().unwrap();
            match targeted.iter().position(|(matches, _)| matches(&seen)) {
                Some(i) => {
                    if let Some(queued) = queued {
                        shared.faults.lock().unwrap().push_front(queued);
                    }
                    Some(targeted.remove(i).1)
                }
                None => fault,
            }
        };
        shared.seen.lock().unwrap().push(seen);
        requests.fetch_add(1, Ordering::SeqCst);
        if let Some(rewrite) = &*shared.rewrite.lock().unwrap() {
            rewrite(&mut request);
        }
        let answer = match fault {
            None | Some(Fault::Forward) => forward(upstream, &request),
            Some(Fault::ForwardThenAddHeaders(extra)) => {
                let (status, mut headers, body) = forward(upstream, &request);
                headers.extend(extra);
                (status, headers, body)
            }
            Some(Fault::ForwardThenDrop) => {
                forward(upstream, &request);
                let _ = out.shutdown(Shutdown::Both);
                return;
            }
            Some(Fault::Truncate) => {
                let (status, headers, body) = forward(upstream, &request);
                (status, headers, body[..body.len() / 2].to_vec())
            }
            Some(Fault::ForwardThenReplace(body)) => {
                forward(upstream, &request);
                (
                    200,
                    vec![("Content-Type".into(), "text/html".into())],
                    body.into_bytes(),
                )
            }
            Some(Fault::ForwardThenWarn(warning)) => {
                let (status, headers, body) = forward(upstream, &request);
                (status, headers, add_warning(&body, warning))
            }
            Some(Fault::Delay(d)) => {
                let answer = forward(upstream, &request);
                std::thread::sleep(d);
                answer
            }
            Some(Fault::ForwardThenRespond {
                status,
                headers,
                body,
            }) => {
                forward(upstream, &request);
                (status, headers, body.into_bytes())
            }
            Some(Fault::Respond {
                status,
                headers,
                body,
            }) => (status, headers, body.into_bytes()),
            Some(Fault::Oversize(n)) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n\r\n"
                );
                if out.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0;
                while sent < n {
                    let k = chunk.len().min(n - sent);
                    if out.write_all(&chunk[..k]).is_err() {
                        return; // the client stopped reading
                    }
                    sent += k;
                    written.fetch_add(k as u64, Ordering::SeqCst);
                }
                continue;
            }
            Some(Fault::ResetBeforeRead) => unreachable!("handled above"),
        };
        let (status, headers, body) = answer;
        let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in &headers {
            if !["content-length", "transfer-encoding", "connection"]
                .contains(&k.to_ascii_lowercase().as_str())
            {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        head.push_str("\r\n");
        if out
            .write_all(head.as_bytes())
            .and_then(|()| out.write_all(&body))
            .is_err()
        {
            return;
        }
        written.fetch_add(body.len() as u64, Ordering::SeqCst);
    }
}

/// `body` (a JSON object) with `warning` added to its `warnings` list.
fn add_warning(body: &[u8], warning: serde_json::Value) -> Vec<u8> {
    let mut answer: serde_json::Value = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "ForwardThenWarn: the wiki's answer is not JSON ({e}): {}",
            String::from_utf8_lossy(body)
        )
    });
    let object = answer
        .as_object_mut()
        .expect("ForwardThenWarn: the wiki's answer is a JSON object");
    match object.get_mut("warnings") {
        Some(serde_json::Value::Array(list)) => list.push(warning),
        Some(other) => panic!("ForwardThenWarn: warnings in a shape of its own: {other}"),
        None => {
            object.insert("warnings".into(), serde_json::Value::Array(vec![warning]));
        }
    }
    serde_json::to_vec(&answer).unwrap()
}

/// One request as bytes: the request line, headers and body.
pub struct RawRequest {
    /// The request line: `POST /api.php HTTP/1.1`.
    pub line: String,
    /// The headers, each `Name: value`.
    pub headers: Vec<String>,
    /// The body.
    pub body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<RawRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let trimmed = h.trim_end().to_owned();
        if trimmed.is_empty() {
            break;
        }
        if let Some(v) = trimmed.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        headers.push(trimmed);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(RawRequest {
        line: line.trim_end().to_owned(),
        headers,
        body,
    })
}

/// Sends the request to the wiki as HTTP/1.0 (so the answer is framed by
/// the connection's end, never chunked) and returns its status, headers and
/// body.
fn forward(upstream: &str, req: &RawRequest) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut conn = TcpStream::connect(upstream).unwrap();
    let line = req.line.replace("HTTP/1.1", "HTTP/1.0");
    let mut head = format!("{line}\r\n");
    for h in &req.headers {
        let lower = h.to_ascii_lowercase();
        if !lower.starts_with("connection:") && !lower.starts_with("accept-encoding:") {
            head.push_str(h);
            head.push_str("\r\n");
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(&req.body).unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an http answer");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(502);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    // Some answers come chunked even to HTTP/1.0 (rest.php's): the proxy
    // answers with a Content-Length of its own, so it passes on the body
    // without the chunks' framing.
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
    });
    let body = if chunked { dechunk(&body) } else { body };
    (status, headers, body)
}

/// The body of a chunked answer without its framing.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let Some(end) = raw.windows(2).position(|w| w == b"\r\n") else {
            return body;
        };
        let size = String::from_utf8_lossy(&raw[..end]);
        let size = size.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size, 16) else {
            return body;
        };
        raw = &raw[end + 2..];
        if size == 0 || raw.len() < size {
            body.extend_from_slice(&raw[..size.min(raw.len())]);
            return body;
        }
        body.extend_from_slice(&raw[..size]);
        raw = raw.get(size + 2..).unwrap_or_default();
    }
}
