//! The core's own HTTP values: a [`Request`] to send and a [`Response`] to
//! parse. Transports translate them to and from their HTTP library's types.

use std::fmt;

/// HTTP method of a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Reads: parameters in the query string.
    Get,
    /// Writes and logins: parameters form-encoded in the body.
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request to send, built by the core.
///
/// For [`Method::Get`] every parameter is in `url`; for [`Method::Post`] they
/// are in `body`, form-encoded (`application/x-www-form-urlencoded`), with the
/// token last. `Debug` leaves the body out, since it may hold a password or a
/// token.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// GET or POST.
    pub method: Method,
    /// The full URL, with the query string for GET.
    pub url: String,
    /// Headers to send, in order (`User-Agent`, and `Content-Type` for POST).
    pub headers: Vec<(String, String)>,
    /// The form-encoded body (empty for GET).
    pub body: Vec<u8>,
    /// Whether the server may change state when it carries this request out
    /// (`emailuser`, `resetpassword`, `options`, logins, raw POSTs). A write
    /// that may have reached the server must not be sent again blindly.
    pub is_write: bool,
}

impl Request {
    /// The value of the first header called `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A request as a log record may show it: see [`Request::summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// `action=emailuser`, `action=query meta=tokens type=login`, ...: the
    /// action and, for a query, its modules and token type; for a request
    /// to another endpoint than `api.php` (a confidential OAuth client's
    /// token fetch), its path alone.
    pub action: String,
    /// Whether it is a step of a login (`action=login`, `clientlogin`, a
    /// login token): inside another call, a relogin.
    pub login_step: bool,
}

impl Request {
    /// What logs may show of this request: never a parameter's value other
    /// than the action's and query modules' names, nor any header (a token
    /// endpoint's form holds the client's secret: its path alone).
    pub fn summary(&self) -> RequestSummary {
        let method = self.method.as_str();
        let path = self.url.split(['?', '#']).next().unwrap_or_default();
        if !path.ends_with("api.php") {
            let path = path
                .split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
                .unwrap_or("/");
            return RequestSummary {
                method,
                action: path.to_owned(),
                login_step: false,
            };
        }
        let form: &[u8] = match self.method {
            Method::Get => self
                .url
                .split_once('?')
                .map_or(&b""[..], |(_, q)| q.as_bytes()),
            Method::Post => &self.body,
        };
        let mut action = String::new();
        let mut query: Vec<(String, String)> = Vec::new();
        for (key, value) in form_urlencoded::parse(form) {
            match &*key {
                "action" => action = value.into_owned(),
                "meta" | "list" | "prop" | "type" => {
                    query.push((key.into_owned(), value.into_owned()));
                }
                _ => {}
            }
        }
        let find = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let login_step = matches!(action.as_str(), "login" | "clientlogin")
            || (action == "query"
                && find("meta").is_some_and(|m| m.split('|').any(|m| m == "tokens"))
                && find("type").is_some_and(|t| t.split('|').any(|t| t == "login")));
        let mut shown = format!("action={action}");
        if action == "query" {
            for (k, v) in &query {
                shown.push_str(&format!(" {k}={v}"));
            }
        }
        RequestSummary {
            method,
            action: shown,
            login_step,
        }
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field(
                "body",
                &format_args!("<{} bytes, not shown>", self.body.len()),
            )
            .field("is_write", &self.is_write)
            .finish()
    }
}

/// Headers with the values of `Cookie`, `Set-Cookie` and `Authorization`
/// left out.
struct RedactedHeaders<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, v)| {
                let secret = k.eq_ignore_ascii_case("cookie")
                    || k.eq_ignore_ascii_case("set-cookie")
                    || k.eq_ignore_ascii_case("authorization");
                (k.as_str(), if secret { "<redacted>" } else { v.as_str() })
            }))
            .finish()
    }
}

/// A response to parse, as the transport received it. `Debug` leaves the
/// body and cookie values out.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// Response headers, in order; names in any case.
    pub headers: Vec<(String, String)>,
    /// The body, as received.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with the given status, headers and body.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers,
            body: body.into(),
        }
    }

    /// A `200 OK` JSON response with this body; handy in tests.
    pub fn json(body: impl Into<Vec<u8>>) -> Self {
        Self::new(
            200,
            vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body,
        )
    }

    /// The value of the first header called `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field(
                "body",
                &format_args!("<{} bytes, not shown>", self.body.len()),
            )
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, url: &str, body: &str) -> Request {
        Request {
            method,
            url: url.to_owned(),
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            is_write: method == Method::Post,
        }
    }

    #[test]
    fn a_summary_names_the_action_and_modules_and_nothing_else() {
        let s = req(
            Method::Post,
            "https://w/api.php",
            "action=emailuser&target=Bob&text=secret&token=abc%2B%5C",
        )
        .summary();
        assert_eq!(
            (s.method, s.action.as_str(), s.login_step),
            ("POST", "action=emailuser", false)
        );
        let s = req(
            Method::Get,
            "https://w/api.php?action=query&meta=tokens&type=login",
            "",
        )
        .summary();
        assert_eq!(
            (s.action.as_str(), s.login_step),
            ("action=query meta=tokens type=login", true)
        );
        let s = req(
            Method::Post,
            "https://w/api.php",
            "action=clientlogin&password=pw",
        )
        .summary();
        assert!(s.login_step && !s.action.contains("pw"));
        let s = req(
            Method::Post,
            "https://w/w/rest.php/oauth2/access_token",
            "grant_type=client_credentials&client_secret=s3cret",
        )
        .summary();
        assert_eq!(
            (s.action.as_str(), s.login_step),
            ("/w/rest.php/oauth2/access_token", false)
        );
    }
}
