//! The escape hatch: any action, answered as parsed JSON.

use std::borrow::Cow;

use serde_json::Value;

use crate::api::{Api, Kind};
use crate::error::{Error, Message};
use crate::http::{Method, Request, Response};
use crate::response::decode_value;
use crate::secret::Token;

/// Parameters the core sets itself: given by a caller they would be sent
/// twice, or undo the session's assertion.
const RESERVED: [&str; 7] = [
    "format",
    "formatversion",
    "errorformat",
    "token",
    "assert",
    "assertuser",
    "maxlag",
];

/// Actions that would change the session behind the client's back.
const SESSION_ACTIONS: [&str; 3] = ["login", "clientlogin", "logout"];

/// A raw answer: the whole JSON object, and the warnings it carried.
#[derive(Debug, Clone, PartialEq)]
pub struct RawReply {
    /// The answer, as parsed.
    pub json: Value,
    /// Its warnings, in the core's shape.
    pub warnings: Vec<Message>,
}

impl Api {
    /// A request for any action. `params` must name the `action`; the core
    /// adds `format`, `formatversion`, `errorformat` and `maxlag`. A POST is
    /// treated as a write: it asserts the logged-in account, carries
    /// `token` last, and is never repeated blindly.
    ///
    /// ```
    /// use mw_core::{Api, Method, Response, parse_raw};
    /// let api = Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
    /// let req = api.raw_request(&[("action", "query"), ("meta", "siteinfo")], Method::Get, None)?;
    /// assert!(req.url.contains("action=query&meta=siteinfo"));
    /// let reply = parse_raw(&Response::json(r#"{"query":{"general":{"sitename":"W"}}}"#))?;
    /// assert_eq!(reply.json["query"]["general"]["sitename"], "W");
    /// # Ok::<(), mw_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `action` is missing or empty, when
    /// `params` sets a parameter the core sets (`format`, `formatversion`,
    /// `errorformat`, `assert`, `assertuser`, `maxlag`, `token`: give the
    /// token as `token`), for `login`, `clientlogin` and `logout` (the
    /// session is the client's), when a name is
    /// given twice, or for a token on a GET (MediaWiki refuses tokens in the
    /// query string).
    pub fn raw_request(
        &self,
        params: &[(&str, &str)],
        method: Method,
        token: Option<&Token>,
    ) -> Result<Request, Error> {
        match params.iter().find(|(k, _)| *k == "action") {
            Some((_, action)) if SESSION_ACTIONS.contains(action) => {
                return Err(Error::invalid(
                    "action",
                    format!("{action} changes the session; use the client's login and logout"),
                ));
            }
            Some((_, action)) if !action.trim().is_empty() => {}
            _ => return Err(Error::invalid("action", "give the action to call")),
        }
        for (i, (k, _)) in params.iter().enumerate() {
            if k.is_empty() {
                return Err(Error::invalid("parameter", "names must not be empty"));
            }
            if RESERVED.contains(k) {
                return Err(Error::invalid(
                    *k,
                    "is set by mwkit (the session's assertion, maxlag, the format; \
                     a token goes in the token argument)",
                ));
            }
            if params[..i].iter().any(|(earlier, _)| earlier == k) {
                return Err(Error::invalid(*k, "is given twice"));
            }
        }
        if method == Method::Get && token.is_some() {
            return Err(Error::invalid("token", "a token goes only in a POST body"));
        }
        let params: Vec<(&str, Cow<'_, str>)> =
            params.iter().map(|&(k, v)| (k, Cow::Borrowed(v))).collect();
        let kind = if method == Method::Post {
            Kind::Write
        } else {
            Kind::Read
        };
        Ok(self.build(method, &params, token, kind))
    }
}

/// Reads any answer: an error in it becomes [`Error::Api`].
///
/// # Errors
/// An API error, an HTTP error, or [`Error::Decode`] when the body is not a
/// JSON object.
pub fn parse_raw(resp: &Response) -> Result<RawReply, Error> {
    let decoded = decode_value(resp)?;
    Ok(RawReply {
        json: decoded.body,
        warnings: decoded.warnings,
    })
}
