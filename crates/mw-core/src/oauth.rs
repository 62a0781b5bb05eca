//! Acting as an account with an OAuth token (Extension:OAuth): an owner-only
//! OAuth 2 access token (`Authorization: Bearer`), OAuth 1.0a keys (HMAC-SHA1
//! signatures per RFC 5849, computed here from the nonce and time the
//! transport gives), or a confidential OAuth 2 client's `client_credentials`
//! token, fetched from the wiki's `rest.php/oauth2/access_token` and renewed
//! before it expires.
//!
//! The token is the login: the session engine learns the account with
//! `meta=userinfo`, asserts it on every request, fetches the csrf token under
//! the same header, and never sends `action=login` or `action=logout` under a
//! token (the wiki refuses both).

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha1::Sha1;

use crate::error::{Error, LoginError, LoginFailure};
use crate::http::{Method, Request, Response};
use crate::secret::{Password, Token};

/// OAuth 1.0a credentials: the consumer's key and secret, and the access
/// token's key and secret. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuth1Keys {
    /// The consumer key.
    pub consumer_key: String,
    /// The consumer secret.
    pub consumer_secret: Password,
    /// The access token (key).
    pub access_token: String,
    /// The access token's secret.
    pub access_secret: Password,
}

impl fmt::Debug for OAuth1Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OAuth1Keys(<redacted>)")
    }
}

impl OAuth1Keys {
    /// The four parts, none of which may be empty.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty part.
    pub fn new(
        consumer_key: &str,
        consumer_secret: impl Into<Password>,
        access_token: &str,
        access_secret: impl Into<Password>,
    ) -> Result<Self, Error> {
        let keys = Self {
            consumer_key: consumer_key.to_owned(),
            consumer_secret: consumer_secret.into(),
            access_token: access_token.to_owned(),
            access_secret: access_secret.into(),
        };
        for (field, value) in [
            ("consumer key", keys.consumer_key.as_str()),
            ("consumer secret", keys.consumer_secret.expose()),
            ("access token", keys.access_token.as_str()),
            ("access secret", keys.access_secret.expose()),
        ] {
            if value.trim().is_empty() || value.chars().any(char::is_control) {
                return Err(Error::invalid(
                    field,
                    "must not be empty or hold control characters",
                ));
            }
        }
        Ok(keys)
    }
}

/// RFC 3986 percent-encoding as RFC 5849 wants it: everything but
/// `A-Z a-z 0-9 - . _ ~`, upper-case hex.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `Authorization` header value that signs `req` with `keys` (RFC
/// 5849, HMAC-SHA1), at `now` with `nonce`. The parameters signed are the
/// URL's query and a form body's, with the `oauth_*` ones.
pub fn oauth1_authorization(
    req: &Request,
    keys: &OAuth1Keys,
    nonce: &str,
    now: SystemTime,
) -> String {
    let timestamp = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
        .to_string();
    let (base_url, query) = req.url.split_once('?').unwrap_or((&req.url, ""));
    let mut params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if req.method == Method::Post {
        params.extend(form_urlencoded::parse(&req.body).into_owned());
    }
    let oauth = [
        ("oauth_consumer_key", keys.consumer_key.as_str()),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", timestamp.as_str()),
        ("oauth_token", keys.access_token.as_str()),
    ];
    params.extend(
        oauth
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let mut encoded: Vec<(String, String)> =
        params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    encoded.sort();
    let normalized = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let method = match req.method {
        Method::Get => "GET",
        Method::Post => "POST",
    };
    let base = format!(
        "{method}&{}&{}",
        encode(&base_url.to_ascii_lowercase_scheme_host()),
        encode(&normalized)
    );
    let key = format!(
        "{}&{}",
        encode(keys.consumer_secret.expose()),
        encode(keys.access_secret.expose())
    );
    let signature = hmac_sha1_base64(key.as_bytes(), base.as_bytes());
    let mut header = String::from("OAuth ");
    let fields: Vec<String> = oauth
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", encode(v)))
        .chain(std::iter::once(format!(
            "oauth_signature=\"{}\"",
            encode(&signature)
        )))
        .collect();
    header.push_str(&fields.join(", "));
    header
}

fn hmac_sha1_base64(key: &[u8], data: &[u8]) -> String {
    // HMAC accepts keys of any length: new_from_slice cannot fail.
    let mut mac = match Hmac::<Sha1>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// RFC 5849 3.4.1.2: the base string URI has a lower-case scheme and host
/// (and no default port; mwkit's URLs keep the one given).
trait LowerSchemeHost {
    fn to_ascii_lowercase_scheme_host(&self) -> String;
}

impl LowerSchemeHost for str {
    fn to_ascii_lowercase_scheme_host(&self) -> String {
        match self.split_once("://") {
            Some((scheme, rest)) => {
                let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                format!(
                    "{}://{}{path}",
                    scheme.to_ascii_lowercase(),
                    authority.to_ascii_lowercase()
                )
            }
            None => self.to_owned(),
        }
    }
}

/// The wiki's OAuth 2 token endpoint, next to `api.php`:
/// `.../rest.php/oauth2/access_token`.
pub fn token_endpoint(api_url: &str) -> String {
    let base = api_url.split('?').next().unwrap_or(api_url);
    match base.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/rest.php/oauth2/access_token"),
        None => format!("{base}/rest.php/oauth2/access_token"),
    }
}

/// The `client_credentials` request for a confidential client.
pub fn client_credentials_request(
    api_url: &str,
    user_agent: &str,
    client_id: &str,
    client_secret: &Password,
) -> Request {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", client_id)
        .append_pair("client_secret", client_secret.expose())
        .finish();
    Request {
        method: Method::Post,
        url: token_endpoint(api_url),
        headers: vec![
            ("User-Agent".to_owned(), user_agent.to_owned()),
            (
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ),
        ],
        body: body.into_bytes(),
        is_write: false,
    }
}

/// An access token from the token endpoint, and when it expires.
#[derive(Clone)]
pub struct AccessToken {
    /// The token.
    pub token: Token,
    /// When the wiki says it expires.
    pub expires: Option<SystemTime>,
    /// How long it was given for.
    pub lifetime: Option<Duration>,
}

impl AccessToken {
    /// Whether to fetch a new one before sending at `now`: within a quarter
    /// of its lifetime (at most a minute) of its expiry.
    pub fn renew_at(&self, now: SystemTime) -> bool {
        let margin = self.lifetime.map_or(Duration::from_secs(60), |l| {
            (l / 4).min(Duration::from_secs(60))
        });
        self.expires.is_some_and(|e| now + margin >= e)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires", &self.expires)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenAnswer {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<u64>,
    error: Option<String>,
    error_description: Option<String>,
    message: Option<String>,
}

/// Reads the token endpoint's answer, received at `now`.
///
/// # Errors
/// A refusal (`invalid_client`, HTTP 401) is a [`LoginError`] of kind
/// [`LoginFailure::OAuthInvalid`]; anything unreadable [`Error::Decode`] or
/// [`Error::Http`].
pub fn parse_access_token(resp: &Response, now: SystemTime) -> Result<AccessToken, Error> {
    let answer: TokenAnswer = serde_json::from_slice(&resp.body).map_err(|e| {
        if (200..300).contains(&resp.status) {
            crate::response::decode_error(resp, &format!("invalid json: {e}"))
        } else {
            Error::Http {
                status: resp.status,
                retry_after: None,
                snippet: crate::response::snippet(&resp.body),
            }
        }
    })?;
    if let Some(code) = answer.error {
        let mut e = LoginError::new(
            "OAuth",
            Some(code.clone()),
            answer
                .error_description
                .or(answer.message)
                .unwrap_or_else(|| format!("the wiki refused the client ({code})")),
        );
        e.kind = LoginFailure::OAuthInvalid;
        return Err(e.into());
    }
    match (answer.access_token, answer.token_type.as_deref()) {
        (Some(token), None | Some("Bearer" | "bearer")) if (200..300).contains(&resp.status) => {
            let lifetime = answer
                .expires_in
                .map(|s| Duration::from_secs(s.min(10 * 365 * 86_400)));
            Ok(AccessToken {
                token: Token::new(token),
                expires: lifetime.map(|l| now + l),
                lifetime,
            })
        }
        _ => Err(crate::response::decode_error(
            resp,
            "the token endpoint gave no bearer access_token",
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// RFC 5849's own example (section 1.2 and 3.4.1), a GET with a query.
    #[test]
    fn signs_as_rfc_5849_does() {
        // The example of RFC 5849 section 3.1 (Authorization header) with the
        // HMAC-SHA1 signature it gives: tR3+Ty81lMeYAr/Fid0kMTYa/WM=.
        let keys = OAuth1Keys::new(
            "9djdj82h48djs9d2",
            "j49sk3j29djd",
            "kkk9d7dh3k39sjv7",
            "dh893hdasih9",
        )
        .unwrap();
        let req = Request {
            method: Method::Post,
            url: "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b".to_owned(),
            headers: Vec::new(),
            body: b"c2&a3=2+q".to_vec(),
            is_write: true,
        };
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(137_131_201);
        let header = oauth1_authorization(&req, &keys, "7d8f3e4a", now);
        assert!(
            header.contains("oauth_signature=\"r6%2FTJjbCOr97%2F%2BUU0NsvSne7s5g%3D\""),
            "{header}"
        );
    }

    #[test]
    fn the_token_endpoint_is_beside_api_php() {
        assert_eq!(
            token_endpoint("https://wiki.example/w/api.php"),
            "https://wiki.example/w/rest.php/oauth2/access_token"
        );
    }

    #[test]
    fn keys_never_print() {
        let keys = OAuth1Keys::new("ck", "cs-secret", "tk", "ts-secret").unwrap();
        assert!(!format!("{keys:?}").contains("secret"));
        assert!(OAuth1Keys::new("ck", "", "tk", "ts").is_err());
    }
}
