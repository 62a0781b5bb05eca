//! Reading MediaWiki's answer envelope: errors and warnings in both shapes
//! (`errorformat=plaintext` and the legacy one), HTTP status, and the
//! action's payload.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ApiError, Error, Message, RetryAfter};
use crate::http::Response;

/// Longest body excerpt kept in an error, in characters.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// The start of a body, for error messages: lossy UTF-8, token values
/// removed ([`scrub_tokens`]), at most [`SNIPPET_CHARS`] characters, control
/// characters other than newline and tab shown as `\u{..}`.
pub(crate) fn snippet(body: &[u8]) -> String {
    let window = body.len().min(SNIPPET_CHARS * 4);
    let text = String::from_utf8_lossy(&body[..window]);
    let text = scrub_tokens(&text);
    let mut out = String::new();
    let mut chars = text.chars().enumerate();
    loop {
        let Some((i, c)) = chars.next() else {
            // Cut short by the window: say so, as for too many characters
            // (a secret cut short is recognised by what follows it).
            if window < body.len() {
                out.push('…');
            }
            break;
        };
        if i == SNIPPET_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Shown instead of a token's value, or of any secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// `text` with every token value replaced by `<redacted>`, so that an
/// excerpt of an answer can go into an error: the string value of any JSON
/// key ending in `token` (`"csrftoken":"..."`, even cut short), and any
/// run of hex digits ending in MediaWiki's `+\` suffix or long enough to
/// be part of a token (24 or more).
pub(crate) fn scrub_tokens(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        // "...token" : "value"
        if let Some(end) = token_key_end(bytes, i) {
            out.push_str(&text[i..end]);
            let close = string_end(bytes, end);
            out.push_str(REDACTED);
            i = close;
            continue;
        }
        if bytes[i].is_ascii_hexdigit() {
            let start = i;
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_hexdigit() {
                j += 1;
            }
            let suffix = token_suffix_len(&bytes[j..]);
            if suffix > 0 || j - start >= 24 {
                out.push_str(REDACTED);
                i = j + suffix;
            } else {
                out.push_str(&text[start..j]);
                i = j;
            }
            continue;
        }
        let c = text[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// At `i`, a JSON key ending in `token` (any case) and its `:` and opening
/// quote: the index just after that quote.
fn token_key_end(bytes: &[u8], i: usize) -> Option<usize> {
    let key_end = i + 6;
    if bytes.get(i..key_end)?.eq_ignore_ascii_case(b"token\"") {
        let mut j = key_end;
        while bytes.get(j).is_some_and(|b| b.is_ascii_whitespace()) {
            j += 1;
        }
        if bytes.get(j) != Some(&b':') {
            return None;
        }
        j += 1;
        while bytes.get(j).is_some_and(|b| b.is_ascii_whitespace()) {
            j += 1;
        }
        if bytes.get(j) == Some(&b'"') {
            return Some(j + 1);
        }
    }
    None
}

/// The index of the closing quote of the JSON string starting at `i`, or
/// the end of the text.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The length of a token suffix (`+\`, or `+\\` as JSON escapes it, or
/// `%2B%5C` form-encoded) at the start of `rest`, or 0.
fn token_suffix_len(rest: &[u8]) -> usize {
    for suffix in [&b"+\\\\"[..], b"+\\", b"%2B%5C", b"%2b%5c"] {
        if rest.starts_with(suffix) {
            return suffix.len();
        }
    }
    0
}

/// One error or warning as the server wrote it.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct RawMessage {
    code: Option<String>,
    text: Option<String>,
    info: Option<String>,
    message: Option<String>,
    #[serde(rename = "*")]
    star: Option<String>,
    module: Option<String>,
    data: Option<Value>,
}

impl RawMessage {
    pub(crate) fn into_message(self) -> Message {
        Message {
            code: self.code.unwrap_or_default(),
            text: self
                .text
                .or(self.info)
                .or(self.message)
                .or(self.star)
                .unwrap_or_default(),
            module: self.module,
            data: self.data,
        }
    }
}

/// `warnings` in either shape: a list of messages (`errorformat`), or the
/// legacy map of module to `{"*": text}` (formatversion 1) or
/// `{"warnings": text}` (formatversion 2).
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum RawWarnings {
    List(Vec<RawMessage>),
    Legacy(Map<String, Value>),
}

impl RawWarnings {
    pub(crate) fn into_messages(self) -> Vec<Message> {
        match self {
            RawWarnings::List(list) => list.into_iter().map(RawMessage::into_message).collect(),
            RawWarnings::Legacy(map) => {
                let mut out = Vec::new();
                for (module, body) in map {
                    let text = body
                        .get("*")
                        .or_else(|| body.get("warnings"))
                        .and_then(Value::as_str)
                        .or_else(|| body.as_str())
                        .unwrap_or_default();
                    // One legacy entry joins a module's warnings with newlines.
                    for line in text.split('\n').filter(|l| !l.trim().is_empty()) {
                        out.push(Message {
                            code: String::new(),
                            text: line.to_owned(),
                            module: Some(module.clone()),
                            data: None,
                        });
                    }
                }
                out
            }
        }
    }
}

/// The fields every answer may carry.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Common {
    errors: Option<Vec<RawMessage>>,
    error: Option<Map<String, Value>>,
    warnings: Option<RawWarnings>,
}

/// An answer whose envelope was read and held no error.
pub(crate) struct Decoded<T> {
    pub(crate) body: T,
    pub(crate) warnings: Vec<Message>,
}

/// Reads the envelope of `resp` and its payload as `T`, the answer type of
/// the action that asked (each action module owns its own, so this module
/// knows none of them): an API error becomes [`Error::Api`], an error
/// status without one [`Error::Http`], an unreadable body
/// [`Error::Decode`].
pub(crate) fn decode<T: DeserializeOwned>(resp: &Response) -> Result<Decoded<T>, Error> {
    let common: Common = parse_json(resp)?;
    let warnings = check(resp, common)?;
    let body = serde_json::from_slice(&resp.body)
        .map_err(|e| decode_error(resp, &format!("unexpected answer: {e}")))?;
    Ok(Decoded { body, warnings })
}

/// Reads `resp` as any JSON value, checking its envelope as [`decode`] does.
pub(crate) fn decode_value(resp: &Response) -> Result<Decoded<Value>, Error> {
    let value: Value = parse_json(resp)?;
    if !value.is_object() {
        return Err(decode_error(resp, "the answer is not a json object"));
    }
    let common = Common::deserialize(&value).unwrap_or_default();
    let warnings = check(resp, common)?;
    Ok(Decoded {
        body: value,
        warnings,
    })
}

fn parse_json<'a, T: Deserialize<'a>>(resp: &'a Response) -> Result<T, Error> {
    serde_json::from_slice(&resp.body).map_err(|e| {
        if is_success(resp.status) {
            decode_error(resp, &format!("invalid json: {e}"))
        } else {
            http_error(resp)
        }
    })
}

fn check(resp: &Response, common: Common) -> Result<Vec<Message>, Error> {
    let warnings = common
        .warnings
        .map(RawWarnings::into_messages)
        .unwrap_or_default();
    let mut errors: Vec<Message> = common
        .errors
        .unwrap_or_default()
        .into_iter()
        .map(RawMessage::into_message)
        .collect();
    if let Some(legacy) = common.error {
        errors.push(legacy_error(legacy));
    }
    if let Some(first) = errors.first() {
        if !mediawiki_said(resp, &first.code) {
            // An error body alone proves nothing: a gateway in front of the
            // wiki may answer with JSON of its own after the wiki acted.
            return Err(if is_success(resp.status) {
                decode_error(
                    resp,
                    "an error answer without MediaWiki's MediaWiki-API-Error header: not the \
                     wiki's own",
                )
            } else {
                http_error(resp)
            });
        }
        return Err(ApiError {
            code: first.code.clone(),
            text: first.text.clone(),
            module: first.module.clone(),
            http_status: resp.status,
            errors,
            warnings,
            retry_after: retry_after(resp),
        }
        .into());
    }
    if !is_success(resp.status) {
        return Err(http_error(resp));
    }
    Ok(warnings)
}

/// `{"error": {"code", "info", "*", ...}}`: everything besides code, info and
/// the docref text goes to `data` (maxlag's `lag`, `host`, `type`).
fn legacy_error(mut map: Map<String, Value>) -> Message {
    let take = |map: &mut Map<String, Value>, key: &str| match map.remove(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let code = take(&mut map, "code").unwrap_or_default();
    let text = take(&mut map, "info")
        .or_else(|| take(&mut map, "text"))
        .unwrap_or_default();
    let module = take(&mut map, "module");
    map.remove("*");
    map.remove("docref");
    Message {
        code,
        text,
        module,
        data: (!map.is_empty()).then_some(Value::Object(map)),
    }
}

/// Whether MediaWiki itself gave this error answer: every error answer of
/// its own carries a `MediaWiki-API-Error` header naming the body's codes
/// (joined with commas), on every version this crate knows, and the
/// refusals that allow a second send come with HTTP 200 (see
/// [`Error::retry_advice`]). An error body without the header is not the
/// wiki's word.
fn mediawiki_said(resp: &Response, code: &str) -> bool {
    resp.header("mediawiki-api-error")
        .is_some_and(|h| h.split(',').any(|c| c.trim() == code))
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

fn retry_after(resp: &Response) -> Option<RetryAfter> {
    resp.header("retry-after").and_then(RetryAfter::parse)
}

fn http_error(resp: &Response) -> Error {
    Error::Http {
        status: resp.status,
        retry_after: retry_after(resp),
        snippet: snippet(&resp.body),
    }
}

/// An [`Error::Decode`] for `resp` with `reason`.
pub(crate) fn decode_error(resp: &Response, reason: &str) -> Error {
    Error::Decode {
        status: resp.status,
        reason: reason.to_owned(),
        snippet: snippet(&resp.body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoder is generic over the payload: it knows no action module,
    /// so the action modules, which use it, form no circle with it.
    #[test]
    fn the_decoder_imports_no_action_module() {
        let source = include_str!("response.rs");
        let code = source.split("#[cfg(test)]").next().unwrap_or(source);
        for module in [
            "email", "login", "options", "tokens", "users", "raw", "session", "api",
        ] {
            assert!(
                !code.contains(&format!("crate::{module}")),
                "response.rs uses crate::{module}"
            );
        }
    }

    #[test]
    fn snippet_is_short_and_shows_controls() {
        let long = "x".repeat(1000);
        let s = snippet(long.as_bytes());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert_eq!(snippet(b"a\x00b\nc"), "a\\u{0}b\nc");
        assert_eq!(snippet(&[0xff, b'a']), "\u{fffd}a");
    }

    #[test]
    fn snippets_never_hold_token_values() {
        let token = "0123456789abcdef0123456789abcdef01234567+\\";
        for body in [
            format!(
                r#"{{"query":{{"tokens":{{"csrftoken":"{}"}}}}}}"#,
                token.replace('\\', "\\\\")
            ),
            r#"{"query":{"tokens":{"csrftoken":"0123456789abcdef0123"#.to_owned(),
            format!("<input name=\"wpEditToken\" value=\"{token}\">"),
            "token=0123456789abcdef0123456789abcdef01234567%2B%5C&x=1".to_owned(),
            r#"{"logintoken" : "abc+\\\\", "x": 1}"#.to_owned(),
        ] {
            let shown = snippet(body.as_bytes());
            assert!(!shown.contains("0123456789abcdef0123"), "{shown}");
            assert!(!shown.contains("abc+"), "{shown}");
            assert!(shown.contains(REDACTED), "{shown}");
        }
        assert_eq!(
            scrub_tokens("status 503 <b>busy</b>"),
            "status 503 <b>busy</b>"
        );
        assert_eq!(scrub_tokens("café ☕ deadbeef"), "café ☕ deadbeef");
    }
}
