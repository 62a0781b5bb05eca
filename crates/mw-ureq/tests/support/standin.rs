//! A loopback stand-in server that answers canned responses in order, one
//! per request, counting the requests and keeping their text.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the stand-in does with one request.
#[derive(Clone)]
pub enum Answer {
    /// Status, extra headers, body.
    Http(u16, Vec<(&'static str, String)>, String),
    /// Read the request, then close without answering.
    Drop,
    /// Read the request, then answer after this long.
    Delay(Duration, String),
    /// Read the request, then give this answer (an `Http` one) after this
    /// long.
    Late(Duration, Box<Answer>),
}

pub struct StandIn {
    pub url: String,
    pub requests: Arc<AtomicUsize>,
    pub bodies: Arc<Mutex<Vec<String>>>,
}

pub const TOKENS: &str = r#"{"query":{"tokens":{"csrftoken":"abc+\\"}}}"#;
pub const SUCCESS: &str = r#"{"emailuser":{"result":"Success"}}"#;

pub fn ok(body: &str) -> Answer {
    Answer::Http(200, Vec::new(), body.to_owned())
}

/// Serves `answers` in order, one per request, on loopback, keeping each
/// request's text (request line, headers, body).
pub fn stand_in(answers: Vec<Answer>) -> StandIn {
    start(answers, true)
}

/// As [`stand_in`], keeping nothing (for soak tests measuring memory).
pub fn stand_in_quiet(answers: Vec<Answer>) -> StandIn {
    start(answers, false)
}

fn start(answers: Vec<Answer>, record: bool) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api.php", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let (count, seen) = (Arc::clone(&requests), Arc::clone(&bodies));
    std::thread::spawn(move || {
        // Taken in order, whichever connection asks: a connection held by
        // a client's abandoned request does not hold up the others.
        let answers = Arc::new(Mutex::new(answers.into_iter()));
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (answers, count, seen) =
                (Arc::clone(&answers), Arc::clone(&count), Arc::clone(&seen));
            // One connection may carry several requests (keep-alive).
            std::thread::spawn(move || serve(stream, &answers, &count, record.then_some(&*seen)));
        }
    });
    StandIn {
        url,
        requests,
        bodies,
    }
}

/// Serves requests on one connection; false when the answers ran out.
fn serve(
    stream: TcpStream,
    answers: &Mutex<impl Iterator<Item = Answer>>,
    count: &AtomicUsize,
    seen: Option<&Mutex<Vec<String>>>,
) -> bool {
    // Answers go out in one write with Nagle off: no delayed-ACK stalls.
    stream.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return true; // the client closed the connection
        }
        let mut length = 0;
        let mut head = String::new();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header.trim().is_empty() {
                break;
            }
            if seen.is_some() {
                head.push_str(&header);
            }
            if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        count.fetch_add(1, Ordering::SeqCst);
        if let Some(seen) = seen {
            // The request line, then the body, then the headers.
            let text = format!("{}{}\n{head}", line.trim(), String::from_utf8_lossy(&body));
            seen.lock().unwrap().push(text);
        }
        let next = answers.lock().unwrap().next();
        let Some(answer) = next else {
            return false;
        };
        let (status, headers, body) = match answer {
            Answer::Drop => return true,
            Answer::Delay(d, body) => {
                std::thread::sleep(d);
                (200, Vec::new(), body)
            }
            Answer::Http(s, h, b) => (s, h, b),
            Answer::Late(d, answer) => {
                std::thread::sleep(d);
                let Answer::Http(s, h, b) = *answer else {
                    panic!("a late answer is an HTTP one")
                };
                (s, h, b)
            }
        };
        let mut head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        head.push_str(&body);
        if out.write_all(head.as_bytes()).is_err() {
            return true;
        }
    }
}
