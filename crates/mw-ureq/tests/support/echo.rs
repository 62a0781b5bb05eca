//! An echoing stand-in wiki: it answers as MediaWiki would (login tokens,
//! `action=login`, a `clientlogin` that asks for a two-factor code, user
//! info with a csrf token, an OAuth 2 client's token, `emailuser`), except
//! from its `echo_at`-th request on, which it answers by repeating the
//! request (its line, headers and body) the way a web application
//! firewall's block page, a debugging proxy or a misconfigured gateway does.
//! The login's cookies, tokens and the access token it gives hold the
//! marker [`MARK`], as the test's own secrets should.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// In every secret the stand-in gives: a secret that shows anywhere shows
/// this.
pub const MARK: &str = "S3CRET";
pub const LOGIN_TOKEN: &str = "LOGINTOKEN-S3CRET+\\";
pub const CSRF_TOKEN: &str = "CSRFTOKEN-S3CRET+\\";
pub const SESSION_COOKIE: &str = "COOKIE-S3CRET-SESSION";
pub const ACCESS_TOKEN: &str = "ACCESS-S3CRET-TOKEN";

/// The caller's secrets, for tests through the stand-in: each but the code
/// holds the marker, and characters that every encoding changes (a space,
/// a quote, `&`, `<`, `%`, `+`, `/`, `\`, non-ASCII).
pub const BOT_PASSWORD: &str = "bot S3CRET \"pw\" &<ä>%+/\\ 0rd!";
pub const MAIN_PASSWORD: &str = "Main S3CRET Passw0rd! ÄÖ€ &amp; %21";
pub const CODE: &str = "676055";
pub const OAUTH2_TOKEN: &str = "OAUTH2-S3CRET-TOKEN/+=";
pub const CLIENT_SECRET: &str = "CLIENT S3CRET+secret/=";
pub const CONSUMER_SECRET: &str = "CONSUMER-S3CRET";
pub const ACCESS_KEY: &str = "ACCESSKEY-S3CRET";
pub const ACCESS_SECRET: &str = "ACCESS-SECRET-S3CRET";

/// The secret `text` shows, if any: the marker, the code, or one of the
/// caller's secrets whole.
pub fn leak(text: &str) -> Option<&'static str> {
    if text.contains(MARK) {
        return Some(MARK);
    }
    [
        CODE,
        BOT_PASSWORD,
        MAIN_PASSWORD,
        OAUTH2_TOKEN,
        CLIENT_SECRET,
        CONSUMER_SECRET,
        ACCESS_KEY,
        ACCESS_SECRET,
    ]
    .into_iter()
    .find(|s| text.contains(s))
}

/// How the request is repeated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// A firewall's block page: HTTP 403, HTML, the request HTML-escaped
    /// and, in a script, JSON-escaped; then its parameters decoded.
    Html,
    /// An HTTP 200 JSON body of a gateway's own (no MediaWiki-API-Error
    /// header): `{"echo": "<the request, JSON-escaped>"}`.
    Json,
    /// An API error as MediaWiki marks it, whose text is the request and
    /// whose data holds it HTML-escaped, its parameters decoded and its
    /// headers: all of it reaches the error's fields, nothing cut short.
    ApiError,
    /// A block page that repeats only the request's beginning and its
    /// end: the first stops a few bytes after the first marker, the second
    /// starts two bytes before the last one, inside secrets (HTTP 403,
    /// HTML).
    Cut,
}

pub const FORMS: [Form; 4] = [Form::Html, Form::Json, Form::ApiError, Form::Cut];

/// `text`'s beginning, up to 3 bytes after its first [`MARK`], and its
/// end, from 2 bytes before its last (its halves if it holds none), as a
/// page that repeats only so much of a request does.
pub fn cut_short(text: &str) -> (&str, &str) {
    let mut end = text
        .find(MARK)
        .map_or(text.len() / 2, |at| at + MARK.len() + 3)
        .min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut start = text
        .rfind(MARK)
        .map_or(text.len() / 2, |at| at.saturating_sub(2));
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    (&text[..end], &text[start..])
}

pub struct Echo {
    pub url: String,
    /// Requests answered with an echo.
    pub echoed: Arc<AtomicUsize>,
    /// Every request's text, as received.
    pub seen: Arc<Mutex<Vec<String>>>,
}

/// Serves on loopback: the `echo_at`-th request (from 1) and every one
/// after it are answered with an echo in `form`.
pub fn echo_wiki(echo_at: usize, form: Form) -> Echo {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/w/api.php", listener.local_addr().unwrap());
    let echoed = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (e, s) = (Arc::clone(&echoed), Arc::clone(&seen));
    let count = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (e, s, count) = (Arc::clone(&e), Arc::clone(&s), Arc::clone(&count));
            std::thread::spawn(move || serve(stream, echo_at, form, &count, &e, &s));
        }
    });
    Echo { url, echoed, seen }
}

fn serve(
    stream: TcpStream,
    echo_at: usize,
    form: Form,
    count: &AtomicUsize,
    echoed: &AtomicUsize,
    seen: &Mutex<Vec<String>>,
) {
    let mut out = stream.try_clone().unwrap();
    out.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(stream);
    while let Some((line, headers, body)) = read_request(&mut reader) {
        let text = format!("{line}\n{body}\n{}", headers.join("\n"));
        seen.lock().unwrap().push(text.clone());
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
        let query = target.split_once('?').map_or("", |(_, q)| q);
        let mut params = decode_form(query);
        params.extend(decode_form(&body));
        let (status, extra, content_type, answer) = if n >= echo_at {
            echoed.fetch_add(1, Ordering::SeqCst);
            echo(form, &text, &params, &headers)
        } else {
            wiki(&target, &params)
        };
        let extra: String = extra.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
        let reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}\r\n{answer}",
            answer.len()
        );
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// One request: its line, its headers, its body; `None` at the end.
fn read_request(reader: &mut impl BufRead) -> Option<(String, Vec<String>, String)> {
    let mut lines = Vec::new();
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l).ok()? == 0 {
            return None;
        }
        match l.trim_end() {
            "" if !lines.is_empty() => break,
            "" => {}
            l => lines.push(l.to_owned()),
        }
    }
    let length = lines
        .iter()
        .find_map(|h| {
            let h = h.to_ascii_lowercase();
            h.strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let line = lines.remove(0);
    Some((line, lines, String::from_utf8_lossy(&body).into_owned()))
}

type Reply = (u16, Vec<(&'static str, String)>, &'static str, String);

const JSON: &str = "application/json; charset=utf-8";

/// What MediaWiki would answer.
fn wiki(target: &str, params: &[(String, String)]) -> Reply {
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let cookie = || {
        vec![(
            "Set-Cookie",
            format!("wiki_session={SESSION_COOKIE}; path=/; HttpOnly"),
        )]
    };
    let json = |v: serde_json::Value| v.to_string();
    if target.contains("rest.php/oauth2/access_token") {
        let body = serde_json::json!({"token_type": "Bearer", "expires_in": 3600, "access_token": ACCESS_TOKEN});
        return (200, Vec::new(), JSON, json(body));
    }
    let meta = get("meta");
    let body = match get("action") {
        "query" if get("type").contains("login") => {
            return (
                200,
                cookie(),
                JSON,
                json(serde_json::json!({"query": {"tokens": {"logintoken": LOGIN_TOKEN}}})),
            );
        }
        "query" if get("list") == "users" => {
            let users: Vec<serde_json::Value> = get("ususers")
                .split('|')
                .enumerate()
                .map(|(i, n)| serde_json::json!({"userid": i + 10, "name": n, "emailable": true}))
                .collect();
            // mwkit asks who read it (`meta=userinfo`) and checks the name.
            let mut query = serde_json::json!({"users": users});
            if meta.contains("userinfo") {
                query["userinfo"] = serde_json::json!({"id": 3, "name": "Sender"});
            }
            serde_json::json!({ "query": query })
        }
        "query" if meta.contains("userinfo") => serde_json::json!({"query": {
            "userinfo": {"id": 3, "name": "Sender", "rights": ["read", "sendemail", "editmyoptions"]},
            "tokens": {"csrftoken": CSRF_TOKEN}}}),
        "query" if meta.contains("tokens") => {
            serde_json::json!({"query": {"tokens": {"csrftoken": CSRF_TOKEN}}})
        }
        "login" => {
            return (
                200,
                cookie(),
                JSON,
                json(
                    serde_json::json!({"login": {"result": "Success", "lguserid": 3, "lgusername": "Sender"}}),
                ),
            );
        }
        "clientlogin" if get("logincontinue") == "1" => {
            return (
                200,
                cookie(),
                JSON,
                json(serde_json::json!({"clientlogin": {"status": "PASS", "username": "Sender"}})),
            );
        }
        "clientlogin" => serde_json::json!({"clientlogin": {"status": "UI",
            "requests": [{"id": "MediaWiki\\Extension\\OATHAuth\\Auth\\TOTPAuthenticationRequest",
                "fields": {"OATHToken": {"type": "string", "label": "Code"}}}],
            "message": "Enter a code.", "messagecode": "oathauth-auth-ui"}}),
        "emailuser" => serde_json::json!({"emailuser": {"result": "Success"}}),
        _ => serde_json::json!({}),
    };
    (200, Vec::new(), JSON, json(body))
}

/// The request repeated in `form`.
fn echo(form: Form, text: &str, params: &[(String, String)], headers: &[String]) -> Reply {
    let decoded: String = params.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
    let json = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
    match form {
        Form::Html => (
            403,
            Vec::new(),
            "text/html; charset=utf-8",
            format!(
                "<pre>{}</pre><script>var request = {};</script><pre>{}</pre>",
                html(text),
                json(text),
                html(&decoded)
            ),
        ),
        Form::Json => (
            200,
            Vec::new(),
            JSON,
            serde_json::json!({"echo": text, "params": decoded}).to_string(),
        ),
        Form::Cut => (403, Vec::new(), "text/html; charset=utf-8", {
            let ((head, tail), (p_head, p_tail)) = (cut_short(text), cut_short(&decoded));
            format!(
                "<p>Request blocked</p><pre>{} [...]</pre><pre>[...] {}</pre>\
                     <p>Its parameters:</p><pre>{} [...]</pre><pre>[...] {}</pre>",
                html(head),
                html(tail),
                html(p_head),
                html(p_tail)
            )
        }),
        Form::ApiError => {
            let params: serde_json::Map<String, serde_json::Value> = params
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            let body = serde_json::json!({"errors": [{"code": "echo", "text": text, "module": "main",
                "data": {"html": html(text), "params": params, "headers": headers, "decoded": decoded}}]});
            (
                200,
                vec![("MediaWiki-API-Error", "echo".to_owned())],
                JSON,
                body.to_string(),
            )
        }
    }
}

/// HTML-escaped as PHP's `htmlspecialchars` does, and every non-ASCII
/// character as a numeric entity.
pub fn html(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            c if !c.is_ascii() => out.push_str(&format!("&#{};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `application/x-www-form-urlencoded` pairs, decoded.
pub fn decode_form(form: &str) -> Vec<(String, String)> {
    form.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
