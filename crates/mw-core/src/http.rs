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
