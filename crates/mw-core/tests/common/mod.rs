//! Helpers shared by mw-core's tests on recorded answers: reading a
//! recorded answer, and driving a call of the engine through a list of
//! answers.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::SystemTime;

use mw_core::{Answer, Call, CallOutput, Error, Request, Response, Session, Step};
use serde_json::Value;

/// The answer a recording holds: its status, the headers kept (string
/// values only), its body (text, or JSON written back as text).
pub fn response_of(v: &Value) -> Response {
    let headers = v["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let body = match &v["body"] {
        Value::String(text) => text.clone(),
        other => serde_json::to_string(other).unwrap(),
    };
    Response::new(v["status"].as_u64().unwrap() as u16, headers, body)
}

/// The recording `name` of `tests/fixtures/FOLDER/`.
pub fn recorded(folder: &str, name: &str) -> Response {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    response_of(&serde_json::from_str(&text).unwrap())
}

/// A request as a test looks at it: URL and body as text (the text is what
/// the value derefs to), and the headers that carry credentials.
#[derive(Debug)]
pub struct Sent {
    pub text: String,
    pub auth: Option<String>,
    pub cookie: Option<String>,
}

impl std::ops::Deref for Sent {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// Drives `call` at `now`, answering each request with the next of
/// `answers`; returns the requests and the call's end. A wait or a park is
/// a failure: nothing here waits.
pub fn drive<T: CallOutput>(
    s: &mut Session,
    call: &mut Call<T>,
    answers: &mut Vec<Response>,
    now: SystemTime,
) -> (Vec<Sent>, Result<T, Error>) {
    let mut sent: Vec<Sent> = Vec::new();
    loop {
        match s.poll(call, now) {
            Step::Send(req) => {
                sent.push(Sent {
                    text: format!("{} {}", req.url, String::from_utf8_lossy(&req.body)),
                    auth: header(&req, "authorization"),
                    cookie: header(&req, "cookie"),
                });
                assert!(!answers.is_empty(), "an unexpected request: {sent:#?}");
                s.handle(call, Answer::Response(answers.remove(0)), now);
            }
            Step::Wait(_) | Step::Park => panic!("nothing to wait for here"),
            Step::Done(r) => return (sent, r),
        }
    }
}
