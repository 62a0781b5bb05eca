//! Secrets cut out of text by value.
//!
//! A server that repeats the request it got (a web application firewall's
//! block page, a debugging proxy, a misconfigured gateway) puts the
//! session's own secrets into the answer: `password=VerySecretPassw0rd%21`,
//! `OATHToken=676055`, a `Cookie` header. Shapes alone (a JSON `...token`
//! key, a long hex run: see `response::scrub_tokens`) do not find them, so
//! each [`crate::Session`] keeps a [`Secrets`] set, filled as secrets enter
//! it (the credentials of a login, every secret-named parameter and every
//! cookie and `Authorization` value of each request it sends, the cookies
//! it is given), and cuts each of them out of every error before the error
//! leaves the engine. The transports and bindings use the same set for text
//! of their own ([`crate::Session::scrub`]).
//!
//! A secret is found in every form a server may echo it in: as it is,
//! form-encoded (`+` for a space, `%XX` in either case, `%25XX` encoded
//! twice), JSON-escaped (`\"`, `\\`, `\/`, `\uXXXX`, surrogate pairs
//! included), HTML-escaped (`&amp;`, `&quot;`, `&#NN;`, `&#xNN;`, for any
//! character), any mix of these character by character, with a part of it
//! already cut out by shape, cut short by a snippet's limit (before its
//! trailing `…`), and cut short by the server: any piece of 8 bytes or
//! more that mixes letters with other characters, or of 12 bytes or more,
//! wherever it starts and stops (a page that repeats only the request's
//! beginning or end); a shorter piece, or a word (`password`) under 12
//! letters, may be the wiki's own text. Values shorter than [`Secrets::MIN_CHARS`]
//! characters are not kept: cutting every `abc` out of every message would
//! garble it, and MediaWiki's own secrets (session ids, tokens, bot
//! passwords, six-digit codes) are all longer.

use std::collections::{HashSet, VecDeque};
use std::fmt;

use crate::error::{Error, Message};
use crate::http::Request;

use crate::response::REDACTED;

/// How many secrets seen in passing (tokens, cookies, codes) are kept; the
/// credentials are kept besides.
const SEEN_MAX: usize = 128;

/// How many of a secret's bytes must show for a part of it to be cut: one
/// cut short at the end of the text, or around a part already cut.
const VISIBLE_MIN: usize = 3;

/// How many of a secret's bytes in a row, wherever they start and stop, are
/// cut as a piece of it, if they mix letters with other characters (see
/// [`stands_out`]): a server that repeats only so much of a request (its
/// beginning, its end, a snippet of it) starts or stops inside a secret,
/// and what comes before or after is its page's. Shorter pieces are left:
/// cutting every 3-letter piece of a password out of every message would
/// garble them.
const PIECE_MIN: usize = 8;

/// How many bytes a piece of a secret made of letters alone needs to be
/// cut: a password may hold a word (`password`), and the wiki's own
/// messages and codes hold it too (`wrongpassword`).
const WORD_PIECE_MIN: usize = 12;

/// Whether `piece`, a part of a secret, is cut wherever it shows: long
/// enough, and no word (letters mixed with digits, spaces, signs or
/// non-ASCII), or longer than a word of a message is likely to match.
fn stands_out(piece: &[u8]) -> bool {
    let mixed =
        piece.iter().any(u8::is_ascii_alphabetic) && piece.iter().any(|b| !b.is_ascii_alphabetic());
    piece.len() >= WORD_PIECE_MIN || (piece.len() >= PIECE_MIN && mixed)
}

/// Cookies that hold no secret: the user's name and number (CentralAuth's
/// `centralauth_User` too), and MediaWiki's data-centre and replication
/// pins.
const PLAIN_COOKIES: [&str; 8] = [
    "UserName",
    "UserID",
    "_User",
    "forceHTTPS",
    "UseDC",
    "UseCDNCache",
    "cpPosIndex",
    "cpPosTime",
];

/// The secrets a session holds, to cut out of text by value: see the
/// module docs. `Debug` shows how many, never one.
#[derive(Clone, Default)]
pub struct Secrets {
    /// Credentials: passwords, OAuth secrets and tokens given by the
    /// caller. Kept for the session's life.
    held: Vec<String>,
    /// Secrets seen in passing: tokens, cookie values, codes. The latest
    /// [`SEEN_MAX`].
    seen: VecDeque<String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} kept)", self.held.len() + self.seen.len())
    }
}

impl Secrets {
    /// Values shorter than this (in characters) are not kept.
    pub const MIN_CHARS: usize = 4;

    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The secrets a request carries, alone: see [`Secrets::learn_request`].
    pub fn of_request(req: &Request) -> Self {
        let mut s = Self::new();
        s.learn_request(req);
        s
    }

    fn worth_keeping(secret: &str) -> bool {
        secret.chars().count() >= Self::MIN_CHARS
    }

    /// Keeps a credential (a password, an OAuth secret or token) for the
    /// session's life.
    pub fn hold(&mut self, secret: &str) {
        if Self::worth_keeping(secret) && !self.held.iter().any(|s| s == secret) {
            self.held.push(secret.to_owned());
        }
    }

    /// Keeps a secret seen in passing (a token, a cookie's value, a code),
    /// among the latest ones.
    pub fn saw(&mut self, secret: &str) {
        if !Self::worth_keeping(secret)
            || self.held.iter().any(|s| s == secret)
            || self.seen.iter().any(|s| s == secret)
        {
            return;
        }
        if self.seen.len() == SEEN_MAX {
            self.seen.pop_front();
        }
        self.seen.push_back(secret.to_owned());
    }

    /// Keeps every secret `req` carries: the value of each parameter whose
    /// name holds `password`, `token`, `secret` or `retype` (in the query
    /// string and the form body), each cookie's value but the plain ones
    /// (the user's name, MediaWiki's pins), and the `Authorization` value's
    /// parts.
    pub fn learn_request(&mut self, req: &Request) {
        let query = req.url.split_once('?').map_or("", |(_, q)| q);
        let query = query.split('#').next().unwrap_or_default();
        for form in [query.as_bytes(), &req.body] {
            for (key, value) in form_urlencoded::parse(form) {
                if secret_name(&key) {
                    self.saw(&value);
                }
            }
        }
        for (name, value) in &req.headers {
            if name.eq_ignore_ascii_case("cookie") {
                for pair in value.split(';') {
                    self.learn_cookie(pair);
                }
            } else if name.eq_ignore_ascii_case("authorization") {
                self.learn_authorization(value);
            }
        }
    }

    /// Keeps the value of a cookie a server set (a `Set-Cookie` value),
    /// unless it is a plain one.
    pub fn learn_set_cookie(&mut self, set_cookie: &str) {
        if let Some(pair) = set_cookie.split(';').next() {
            self.learn_cookie(pair);
        }
    }

    fn learn_cookie(&mut self, pair: &str) {
        let Some((name, value)) = pair.split_once('=') else {
            return;
        };
        let name = name.trim();
        if PLAIN_COOKIES.iter().any(|p| name.ends_with(p)) {
            return;
        }
        self.saw(value.trim().trim_matches('"'));
    }

    fn learn_authorization(&mut self, value: &str) {
        let value = value.trim();
        if let Some(token) = value.strip_prefix("Bearer ") {
            self.saw(token.trim());
        } else if let Some(params) = value.strip_prefix("OAuth ") {
            for part in params.split(',') {
                if let Some((key, v)) = part.split_once('=') {
                    let v = v.trim().trim_matches('"');
                    if key.trim() != "oauth_signature_method" && key.trim() != "oauth_version" {
                        self.saw(v);
                        // As sent: percent-encoded; as a server may show it.
                        if let Ok(decoded) = percent_decode(v) {
                            self.saw(&decoded);
                        }
                    }
                }
            }
        } else {
            self.saw(value);
        }
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty() && self.seen.is_empty()
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        self.held.iter().chain(self.seen.iter()).map(String::as_str)
    }

    /// `text` with every secret kept cut out, in any form a server may echo
    /// it (see the module docs), and then token values cut out by shape.
    pub fn scrub(&self, text: &str) -> String {
        crate::response::scrub_tokens(&self.scrub_values(text))
    }

    /// `text` with every secret kept cut out by value only.
    pub fn scrub_values(&self, text: &str) -> String {
        if self.is_empty() || text.is_empty() {
            return text.to_owned();
        }
        let t = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let (mut i, mut copied) = (0, 0);
        let mut firsts = Vec::with_capacity(4);
        let mut scratch = Scratch::default();
        let secrets: Vec<(&[u8], ByteSet)> = self
            .all()
            .map(|s| (s.as_bytes(), ByteSet::of_pieces(s.as_bytes())))
            .collect();
        while i < t.len() {
            stands_for(t, i, &mut firsts);
            let end = secrets
                .iter()
                .filter_map(|(s, pieces)| {
                    let firsts = if firsts.iter().any(|&b| pieces.has(b)) {
                        &firsts[..]
                    } else {
                        &[]
                    };
                    match_at(s, t, i, firsts, &mut scratch)
                })
                .max();
            match end {
                Some(end) if end > i => {
                    let end = (end..=t.len())
                        .find(|&e| text.is_char_boundary(e))
                        .unwrap_or(t.len());
                    out.push_str(&text[copied..i]);
                    out.push_str(REDACTED);
                    i = end;
                    copied = end;
                }
                _ => {
                    i += 1;
                    while i < t.len() && !text.is_char_boundary(i) {
                        i += 1;
                    }
                }
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    fn scrub_in_place(&self, text: &mut String) {
        let scrubbed = self.scrub(text);
        if scrubbed != *text {
            *text = scrubbed;
        }
    }

    /// Cuts the secrets out of every text of `messages`: code, text, module
    /// and every string in their data.
    pub fn scrub_messages(&self, messages: &mut [Message]) {
        for m in messages {
            self.scrub_in_place(&mut m.code);
            self.scrub_in_place(&mut m.text);
            if let Some(module) = &mut m.module {
                self.scrub_in_place(module);
            }
            if let Some(data) = &mut m.data {
                self.scrub_json(data);
            }
        }
    }

    fn scrub_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(s) => self.scrub_in_place(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => {
                // Keys too: an echo may be a key.
                let entries = std::mem::take(map);
                for (k, mut v) in entries {
                    self.scrub_json(&mut v);
                    map.insert(self.scrub(&k), v);
                }
            }
            _ => {}
        }
    }

    /// Cuts the secrets out of every text of `err`: its message and every
    /// field (snippets, reasons, details, the API's messages and their
    /// data, warnings, a cause's, an incomplete change's names).
    pub fn scrub_error(&self, err: &mut Error) {
        match err {
            Error::InvalidInput(e) => {
                self.scrub_in_place(&mut e.field);
                self.scrub_in_place(&mut e.reason);
            }
            Error::Http { snippet, .. } => self.scrub_in_place(snippet),
            Error::Decode {
                reason, snippet, ..
            } => {
                self.scrub_in_place(reason);
                self.scrub_in_place(snippet);
            }
            Error::Api(api) => {
                self.scrub_in_place(&mut api.code);
                self.scrub_in_place(&mut api.text);
                if let Some(module) = &mut api.module {
                    self.scrub_in_place(module);
                }
                self.scrub_messages(&mut api.errors);
                self.scrub_messages(&mut api.warnings);
            }
            Error::Login(login) => {
                self.scrub_in_place(&mut login.result);
                if let Some(code) = &mut login.code {
                    self.scrub_in_place(code);
                }
                self.scrub_in_place(&mut login.reason);
                self.scrub_messages(&mut login.warnings);
            }
            Error::Connect { detail }
            | Error::Tls { detail, .. }
            | Error::Timeout { detail }
            | Error::Transport { detail }
            | Error::SessionChanged { detail } => self.scrub_in_place(detail),
            Error::BodyTooLarge { .. } => {}
            Error::Redirected { location, .. } => {
                if let Some(location) = location {
                    self.scrub_in_place(location);
                }
            }
            Error::OutcomeUnknown(unknown) => {
                self.scrub_error(&mut unknown.cause);
                self.scrub_messages(&mut unknown.warnings);
            }
            Error::Incomplete(incomplete) => {
                self.scrub_error(&mut incomplete.error);
                for name in incomplete
                    .applied
                    .iter_mut()
                    .chain(incomplete.unknown.iter_mut())
                    .chain(incomplete.not_applied.iter_mut())
                {
                    self.scrub_in_place(name);
                }
                for rejected in &mut incomplete.rejected {
                    if let Some(name) = &mut rejected.name {
                        self.scrub_in_place(name);
                    }
                    self.scrub_messages(std::slice::from_mut(&mut rejected.message));
                }
                self.scrub_messages(&mut incomplete.warnings);
            }
        }
    }
}

/// Whether a parameter of this name carries a secret.
fn secret_name(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "token", "secret", "retype"]
        .iter()
        .any(|s| key.contains(s))
}

fn percent_decode(v: &str) -> Result<String, std::string::FromUtf8Error> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], hex2(b, i + 1)) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// The byte written as two hex digits at `i`.
fn hex2(t: &[u8], i: usize) -> Option<u8> {
    let (h, l) = (hex(*t.get(i)?)?, hex(*t.get(i + 1)?)?);
    u8::try_from(h * 16 + l).ok()
}

/// The code unit written as four hex digits at `i`.
fn hex4(t: &[u8], i: usize) -> Option<u32> {
    let digits = t.get(i..i + 4)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some(acc * 16 + hex(d)?))
}

/// The character a JSON `\uXXXX` escape (or a surrogate pair of them) at
/// `p` writes, and the escape's length.
fn json_unicode(t: &[u8], p: usize) -> Option<(char, usize)> {
    if t.get(p..p + 2)? != b"\\u" {
        return None;
    }
    let unit = hex4(t, p + 2)?;
    if (0xD800..0xDC00).contains(&unit) {
        if t.get(p + 6..p + 8)? != b"\\u" {
            return None;
        }
        let low = hex4(t, p + 8)?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        let c = char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?;
        return Some((c, 12));
    }
    Some((char::from_u32(unit)?, 6))
}

/// The character an HTML entity at `p` writes (`&amp;`, `&#34;`, `&#x22;`,
/// ...), and the entity's length.
fn html_entity(t: &[u8], p: usize) -> Option<(char, usize)> {
    if t.get(p) != Some(&b'&') {
        return None;
    }
    let rest = t.get(p + 1..(p + 12).min(t.len()))?;
    let semi = rest.iter().position(|&b| b == b';')?;
    let name = &rest[..semi];
    let len = semi + 2;
    let c = match name {
        [b'#', b'x' | b'X', digits @ ..] if !digits.is_empty() => {
            char::from_u32(u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()?)?
        }
        [b'#', digits @ ..] if !digits.is_empty() => {
            char::from_u32(std::str::from_utf8(digits).ok()?.parse().ok()?)?
        }
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        b"sol" => '/',
        b"bsol" => '\\',
        b"plus" => '+',
        b"percnt" => '%',
        b"equals" => '=',
        _ => return None,
    };
    Some((c, len))
}

/// Whether the character `c` is what the secret holds at `k`; its length
/// in the secret.
fn char_at(s: &[u8], k: usize, c: char) -> Option<usize> {
    let mut buf = [0u8; 4];
    let enc = c.encode_utf8(&mut buf).as_bytes();
    s.get(k..k + enc.len())
        .filter(|&b| b == enc)
        .map(|_| enc.len())
}

/// The ways the secret's text from `k` can be written at `p`: each
/// `(secret bytes, text bytes, visible)` one unit of it takes.
fn units(s: &[u8], k: usize, t: &[u8], p: usize, out: &mut Vec<(usize, usize, bool)>) {
    let (Some(&want), Some(&have)) = (s.get(k), t.get(p)) else {
        return;
    };
    if have == want {
        out.push((1, 1, true));
    }
    match have {
        b'+' if want == b' ' => out.push((1, 1, true)),
        b'%' => {
            if hex2(t, p + 1) == Some(want) {
                out.push((1, 3, true));
            }
            if hex2(t, p + 1) == Some(b'%') && hex2(t, p + 3) == Some(want) {
                out.push((1, 5, true));
            }
        }
        b'\\' => {
            let simple = match t.get(p + 1) {
                Some(b'n') => Some(b'\n'),
                Some(b't') => Some(b'\t'),
                Some(b'r') => Some(b'\r'),
                Some(b'b') => Some(0x08),
                Some(b'f') => Some(0x0c),
                Some(&c @ (b'"' | b'\\' | b'/' | b'\'')) => Some(c),
                _ => None,
            };
            if simple == Some(want) {
                out.push((1, 2, true));
            }
            // `\&quot;`: a JSON escape, HTML-escaped in turn.
            if let Some((c, len)) = html_entity(t, p + 1) {
                if matches!(c, '"' | '\\' | '/') && c as u32 == u32::from(want) {
                    out.push((1, 1 + len, true));
                }
            }
            if let Some((c, len)) = json_unicode(t, p) {
                if let Some(n) = char_at(s, k, c) {
                    out.push((n, len, true));
                }
            }
        }
        b'&' => {
            if let Some((c, len)) = html_entity(t, p) {
                if let Some(n) = char_at(s, k, c) {
                    out.push((n, len, true));
                }
            }
        }
        b'<' if t[p..].starts_with(REDACTED.as_bytes()) => {
            // A part already cut out (by shape, or a secret inside this
            // one): it stands for one or more of the secret's bytes.
            for n in 1..=s.len() - k {
                out.push((n, REDACTED.len(), false));
            }
        }
        _ => {}
    }
}

/// Where a match of the secret `s` starting at `start` ends in `t`: the
/// longest, counting a match cut short by a snippet's limit (a trailing
/// `…`) once enough of it shows, and any piece of it that [`stands_out`].
///
/// `firsts` is what [`stands_for`] gives at `start`: a piece is only tried
/// from a byte the text there may stand for.
fn match_at(
    s: &[u8],
    t: &[u8],
    start: usize,
    firsts: &[u8],
    scratch: &mut Scratch,
) -> Option<usize> {
    let mut best = match_from(s, 0, t, start, scratch);
    for from in 1..=s.len().saturating_sub(PIECE_MIN) {
        if firsts.contains(&s[from]) {
            best = best.max(match_from(s, from, t, start, scratch));
        }
    }
    best
}

/// What [`match_from`] works in, kept from one try to the next.
#[derive(Default)]
struct Scratch {
    next: Vec<(usize, usize, bool)>,
    stack: Vec<(usize, usize, usize)>,
    visited: Visited,
}

/// A set of bytes.
struct ByteSet([bool; 256]);

impl ByteSet {
    /// The bytes a piece of `s` long enough to be cut may start with (its
    /// first byte aside).
    fn of_pieces(s: &[u8]) -> Self {
        let mut set = [false; 256];
        for &b in s
            .get(1..=s.len().saturating_sub(PIECE_MIN))
            .unwrap_or_default()
        {
            set[usize::from(b)] = true;
        }
        ByteSet(set)
    }

    fn has(&self, b: u8) -> bool {
        self.0[usize::from(b)]
    }
}

/// The states a match went through: a few in a list (most tries end
/// within a few bytes, and a set costs more to make than they do), more in
/// a set (hostile text can branch at every byte).
#[derive(Default)]
struct Visited {
    few: Vec<(usize, usize, usize)>,
    many: HashSet<(usize, usize, usize)>,
}

impl Visited {
    const FEW: usize = 16;

    /// Whether `state` is new.
    fn insert(&mut self, state: (usize, usize, usize)) -> bool {
        if self.few.len() < Self::FEW {
            if self.few.contains(&state) {
                return false;
            }
            self.few.push(state);
            return true;
        }
        !self.few.contains(&state) && self.many.insert(state)
    }

    fn clear(&mut self) {
        self.few.clear();
        if !self.many.is_empty() {
            self.many.clear();
        }
    }
}

/// The first byte of each character the text at `p` may stand for, in any
/// of the forms [`units`] reads: as it is, `+` for a space, `%XX` (once or
/// twice encoded), a JSON escape, an HTML entity.
fn stands_for(t: &[u8], p: usize, out: &mut Vec<u8>) {
    out.clear();
    let Some(&have) = t.get(p) else {
        return;
    };
    out.push(have);
    let first_of = |c: char| {
        let mut buf = [0u8; 4];
        c.encode_utf8(&mut buf).as_bytes()[0]
    };
    match have {
        b'+' => out.push(b' '),
        b'%' => {
            if let Some(b) = hex2(t, p + 1) {
                out.push(b);
                if b == b'%' {
                    out.extend(hex2(t, p + 3));
                }
            }
        }
        b'\\' => {
            out.extend(t.get(p + 1).and_then(|&c| match c {
                b'n' => Some(b'\n'),
                b't' => Some(b'\t'),
                b'r' => Some(b'\r'),
                b'b' => Some(0x08),
                b'f' => Some(0x0c),
                b'"' | b'\\' | b'/' | b'\'' => Some(c),
                _ => None,
            }));
            out.extend(html_entity(t, p + 1).map(|(c, _)| first_of(c)));
            out.extend(json_unicode(t, p).map(|(c, _)| first_of(c)));
        }
        b'&' => out.extend(html_entity(t, p).map(|(c, _)| first_of(c))),
        _ => {}
    }
}

/// Where a match of `s` from its byte `from` on, starting at `start` in
/// `t`, ends: see [`match_at`]. From a byte past the first (the server left
/// out what came before), only a piece that [`stands_out`] counts.
fn match_from(
    s: &[u8],
    from: usize,
    t: &[u8],
    start: usize,
    scratch: &mut Scratch,
) -> Option<usize> {
    let first = *s.get(from)?;
    let c = *t.get(start)?;
    if c != first && !matches!(c, b'+' | b'%' | b'\\' | b'&' | b'<') {
        return None;
    }
    let Scratch {
        next,
        stack,
        visited,
    } = scratch;
    next.clear();
    units(s, from, t, start, next);
    if next.is_empty() {
        return None;
    }
    let need = VISIBLE_MIN.min(s.len());
    let mut best = None;
    stack.clear();
    stack.push((from, start, 0usize));
    visited.clear();
    while let Some((k, p, visible)) = stack.pop() {
        if !visited.insert((k, p, visible)) {
            continue;
        }
        if visible >= need && stands_out(&s[from..k]) {
            // A piece that is no word: cut, wherever it stops.
            best = best.max(Some(p));
        }
        if from == 0 {
            let cut_short = k > 0 && &t[p..] == "…".as_bytes();
            if (k == s.len() || cut_short) && visible >= need {
                best = best.max(Some(p));
                continue;
            }
        }
        if k == s.len() {
            continue;
        }
        next.clear();
        units(s, k, t, p, next);
        for &(ds, dt, shown) in next.iter() {
            let visible = if shown {
                (visible + ds).min(need)
            } else {
                visible
            };
            stack.push((k + ds, p + dt, visible));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(secrets: &[&str]) -> Secrets {
        let mut s = Secrets::new();
        for secret in secrets {
            s.hold(secret);
        }
        s
    }

    #[test]
    fn cuts_a_password_in_every_form_a_server_echoes() {
        let pw = "Very Secret\"Passw0rd!&<ä/\\€😀";
        let s = with(&[pw]);
        let forms = [
            pw.to_owned(),
            // form-encoded, + for space, upper and lower case
            "Very+Secret%22Passw0rd%21%26%3C%C3%A4%2F%5C%E2%82%AC%F0%9F%98%80".to_owned(),
            "Very+Secret%22Passw0rd%21%26%3c%c3%a4%2f%5c%e2%82%ac%f0%9f%98%80".to_owned(),
            // percent-encoded, %20, twice-encoded
            "Very%20Secret%22Passw0rd%21%26%3C%C3%A4%2F%5C%E2%82%AC%F0%9F%98%80".to_owned(),
            "Very%2520Secret%2522Passw0rd%2521&<ä/\\€😀".to_owned(),
            // JSON-escaped, with \u for non-ASCII and \/
            r#"Very Secret\"Passw0rd!&<\u00e4\/\\\u20AC\ud83d\ude00"#.to_owned(),
            serde_json::to_string(pw).unwrap_or_default(),
            // HTML-escaped: named, decimal and hex entities
            "Very Secret&quot;Passw0rd!&amp;&lt;&#228;/\\&#x20ac;&#X1F600;".to_owned(),
            "Very&#32;Secret&#34;Passw0rd&#33;&amp;&lt;ä&#x2F;&#92;€😀".to_owned(),
            // JSON, then HTML
            r#"Very Secret\&quot;Passw0rd!&amp;&lt;ä\/\\€😀"#.to_owned(),
        ];
        for form in forms {
            for text in [
                format!("POST /w/api.php password={form}&x=1"),
                format!("<pre>{form}</pre>"),
                form.clone(),
            ] {
                let shown = s.scrub(&text);
                assert!(shown.contains(REDACTED), "{text} -> {shown}");
                assert!(!shown.contains("Passw0rd"), "{text} -> {shown}");
                assert!(!shown.contains("Secret"), "{text} -> {shown}");
            }
        }
        assert_eq!(
            s.scrub("POST x password=Very+Secret%22Passw0rd%21%26%3C%C3%A4%2F%5C%E2%82%AC%F0%9F%98%80&y=2"),
            "POST x password=<redacted>&y=2"
        );
    }

    #[test]
    fn cuts_a_six_digit_code_and_leaves_other_text() {
        let s = with(&["676055"]);
        assert_eq!(
            s.scrub("OATHToken=676055&logincontinue=1"),
            "OATHToken=<redacted>&logincontinue=1"
        );
        assert_eq!(s.scrub("code 67605 and 76055"), "code 67605 and 76055");
        assert_eq!(s.scrub("café ☕ 676"), "café ☕ 676");
    }

    #[test]
    fn very_short_values_are_not_kept() {
        let s = with(&["abc", "+\\", ""]);
        assert!(s.is_empty());
        assert_eq!(s.scrub("abc +\\"), "abc +\\");
    }

    #[test]
    fn a_secret_cut_short_at_the_end_or_partly_cut_by_shape_is_cut_whole() {
        let s = with(&["VerySecretPassw0rd!"]);
        assert_eq!(s.scrub("password=VerySec"), "password=VerySec");
        assert_eq!(s.scrub("password=VerySec…"), "password=<redacted>…");
        assert_eq!(s.scrub("password=Ve"), "password=Ve");
        let hexy = "pw-0123456789abcdef0123456789abcdef-end";
        let s = with(&[hexy]);
        let shaped = crate::response::scrub_tokens(&format!("x {hexy} y"));
        assert!(shaped.contains("pw-"), "{shaped}");
        assert_eq!(s.scrub_values(&shaped), "x <redacted> y");
        assert_eq!(s.scrub(&format!("x {hexy} y")), "x <redacted> y");
    }

    #[test]
    fn a_piece_of_a_secret_the_server_cut_short_is_cut_unless_it_may_be_a_word() {
        // A page that repeats the request only up to a length of its own:
        // the secret stops, the page goes on.
        let s = with(&["VerySecretPassw0rd!", "bot S3CRET \"pw\" &<ä>"]);
        assert_eq!(
            s.scrub("password=VerySecretPassw0</pre>"),
            "password=<redacted></pre>"
        );
        assert_eq!(
            s.scrub("<pre>password=VerySecretPa</pre><p>blocked</p>"),
            "<pre>password=<redacted></pre><p>blocked</p>"
        );
        // In its encoded forms too.
        assert_eq!(
            s.scrub("lgpassword=bot+S3CRET+%22p (request cut)"),
            "lgpassword=<redacted> (request cut)"
        );
        assert_eq!(
            s.scrub("<pre>bot S3CRET &quot;pw&quot; &amp;&l</pre>"),
            "<pre><redacted>&l</pre>"
        );
        // And its ending, where the page starts inside it.
        assert_eq!(
            s.scrub("<pre>tPassw0rd!&amp;lgtoken=x</pre>"),
            "<pre><redacted>&amp;lgtoken=x</pre>"
        );
        assert_eq!(
            s.scrub("(cut) CRET+%22pw%22+%26%3C%C3%A4%3E&x=1"),
            "(cut) <redacted>&x=1"
        );
        // Or a piece from its middle, cut by a snippet's limit or not.
        assert_eq!(s.scrub("[...] t+S3CRET+%22p…"), "[...] <redacted>…");
        assert_eq!(s.scrub("x ecretPassw0r y"), "x <redacted> y");
        // Seven bytes are left, and a word under 12 letters: a password
        // may hold one, and so may the wiki's messages and codes.
        let s = with(&["wrong-S3CRET-password", "correcthorsebatterystaple"]);
        assert_eq!(
            s.scrub("wrongpassword: Incorrect username or password entered."),
            "wrongpassword: Incorrect username or password entered."
        );
        assert_eq!(s.scrub("horse battery"), "horse battery");
        assert_eq!(s.scrub("x S3CRET-password"), "x <redacted>");
        assert_eq!(s.scrub("x horsebattery"), "x <redacted>");
        let s = with(&["VerySecretPassw0rd!", "bot S3CRET \"pw\" &<ä>"]);
        assert_eq!(s.scrub("ssw0rd! is a word"), "ssw0rd! is a word");
        assert_eq!(s.scrub("VerySec is a word"), "VerySec is a word");
        assert_eq!(
            s.scrub("password=VerySecr</pre>"),
            "password=VerySecr</pre>"
        );
        assert_eq!(s.scrub("x ecretPassw y"), "x ecretPassw y");
        assert_eq!(s.scrub("x ecretPa y"), "x ecretPa y");
        assert_eq!(s.scrub("bot S3C"), "bot S3C");
        assert_eq!(s.scrub("bot S3CR"), "<redacted>");
    }

    #[test]
    fn learns_the_secrets_a_request_carries() {
        let req = Request {
            method: crate::Method::Post,
            url: "https://w/api.php?action=clientlogin&client_secret=cs3cret".to_owned(),
            headers: vec![
                (
                    "Cookie".to_owned(),
                    "wikiUserName=Admin; centralauth_User=Admin; wiki_session=abcd1234session; \
                     UseDC=master"
                        .to_owned(),
                ),
                ("Authorization".to_owned(), "Bearer bear3rtoken".to_owned()),
            ],
            body: b"username=Admin&password=pa%24%24word&OATHToken=123456&logintoken=ab12cd%2B%5C"
                .to_vec(),
            is_write: true,
        };
        let s = Secrets::of_request(&req);
        let text = "Admin pa$$word 123456 ab12cd+\\ abcd1234session bear3rtoken cs3cret master";
        assert_eq!(
            s.scrub_values(text),
            "Admin <redacted> <redacted> <redacted> <redacted> <redacted> <redacted> master"
        );
        assert!(!format!("{s:?}").contains("pa$$"));
        let oauth1 = Request {
            headers: vec![(
                "Authorization".to_owned(),
                "OAuth oauth_consumer_key=\"ck1234\", oauth_token=\"at%2B5678\", \
                 oauth_signature=\"sig%3D%3D\", oauth_signature_method=\"HMAC-SHA1\""
                    .to_owned(),
            )],
            body: Vec::new(),
            ..req
        };
        let s = Secrets::of_request(&oauth1);
        assert_eq!(
            s.scrub_values("ck1234 at+5678 HMAC-SHA1"),
            "<redacted> <redacted> HMAC-SHA1"
        );
    }

    #[test]
    fn scrubs_every_field_of_an_error() {
        let s = with(&["hunter2hunter2"]);
        let mut api = crate::ApiError::new("x", "you sent hunter2hunter2", 200);
        api.errors[0].data = Some(serde_json::json!({"echo": ["hunter2hunter2"]}));
        api.warnings.push(Message {
            text: "hunter2hunter2".to_owned(),
            ..Message::default()
        });
        let mut err = Error::OutcomeUnknown(Box::new(crate::error::OutcomeUnknown {
            cause: Error::from(api),
            retry_after: None,
            warnings: vec![Message {
                text: "w hunter2hunter2".to_owned(),
                ..Message::default()
            }],
        }));
        s.scrub_error(&mut err);
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn a_long_encoded_text_with_many_secrets_is_scrubbed() {
        let mut s = Secrets::new();
        for i in 0..SEEN_MAX + 8 {
            s.saw(&format!("secret-{i:04}-%&<\\"));
        }
        let text = "%41%42&amp;\\u0041<b>".repeat(2_000) + "secret-0100-%25%26%3C%5C";
        let shown = s.scrub(&text);
        assert!(shown.ends_with(REDACTED), "{}", &shown[shown.len() - 60..]);
    }

    #[test]
    fn stands_for_knows_every_first_byte_units_reads() {
        // `stands_for` is a quick filter in front of `units`: a byte it
        // leaves out is a piece of a secret never looked for. Every form
        // `units` reads, at every position of a text of all of them.
        let text =
            "a+%41%2541\\n\\\"\\&quot;\\u00e4\\ud83d\\ude00&amp;&#228;&#x20AC;&quot;ä€😀<redacted>";
        let t = text.as_bytes();
        let chars = (0u8..0x80)
            .map(char::from)
            .chain(['ä', '€', '😀', '\u{8}', '\u{c}']);
        let mut firsts = Vec::new();
        let mut read = Vec::new();
        for p in 0..t.len() {
            stands_for(t, p, &mut firsts);
            for c in chars.clone() {
                let mut buf = [0u8; 4];
                let s = c.encode_utf8(&mut buf).as_bytes();
                read.clear();
                units(s, 0, t, p, &mut read);
                if read.iter().any(|&(_, _, shown)| shown) {
                    assert!(
                        firsts.contains(&s[0]),
                        "{c:?} at {p} ({:?}): {firsts:?}",
                        String::from_utf8_lossy(&t[p..])
                    );
                }
            }
        }
    }

    #[test]
    fn bounded_and_fast_on_hostile_text() {
        let s = with(&["%%%%%%%%%%%%%%%%", "&&&&&&&&", "\\\\\\\\\\\\"]);
        let text = "%25".repeat(300) + &"&amp;".repeat(300) + &"\\\\".repeat(300);
        let shown = s.scrub(&text);
        assert!(!shown.contains("%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25"));
        let mut many = Secrets::new();
        for i in 0..1000 {
            many.saw(&format!("token{i:04}"));
        }
        assert_eq!(many.seen.len(), SEEN_MAX);
    }
}
