//! [`Api`]: where requests go and who sends them, and how every request is
//! built.

use std::borrow::Cow;

use crate::error::Error;
use crate::http::{Method, Request};
use crate::secret::Token;

/// The default number of values a multi-value parameter may hold.
pub const LIMIT_DEFAULT: usize = 50;
/// The number with the `apihighlimits` right.
pub const LIMIT_HIGH: usize = 500;

/// Who the session belongs to, once a login succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user name, as the server spells it.
    pub name: String,
    /// The user id.
    pub id: u64,
    /// Whether the session holds `apihighlimits` (500 values per
    /// multi-value parameter instead of 50).
    pub high_limits: bool,
}

/// The endpoint and session state every request is built from: the API URL,
/// the user agent, `maxlag`, and the logged-in account, if any.
///
/// `Api` does no IO. A transport keeps one, asks it for [`Request`]s, sends
/// them, and hands the [`crate::Response`]s to the parse functions.
///
/// ```
/// let api = mw_core::Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
/// let req = api.get(&[("action", "query"), ("meta", "siteinfo")]);
/// assert_eq!(req.url, "https://wiki.example/w/api.php?action=query&meta=siteinfo\
///     &format=json&formatversion=2&errorformat=plaintext");
/// # Ok::<(), mw_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Api {
    url: String,
    user_agent: String,
    maxlag: Option<u32>,
    account: Option<Account>,
}

impl Api {
    /// An endpoint at `api_url` (`http://` or `https://`, the full path of
    /// `api.php`), identifying itself as `user_agent`, which MediaWiki's
    /// policy requires to name the tool and a contact.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the URL is not an absolute http(s) URL
    /// or holds spaces or control characters, or when the user agent is
    /// empty or holds control characters (CR, LF, ...).
    pub fn new(api_url: &str, user_agent: &str) -> Result<Self, Error> {
        validate_url(api_url)?;
        if user_agent.trim().is_empty() {
            return Err(Error::invalid("user agent", "must not be empty"));
        }
        if user_agent.chars().any(char::is_control) {
            return Err(Error::invalid(
                "user agent",
                "must not hold control characters (CR, LF, ...)",
            ));
        }
        Ok(Self {
            url: api_url.to_owned(),
            user_agent: user_agent.to_owned(),
            maxlag: None,
            account: None,
        })
    }

    /// Sets `maxlag` (seconds) on every request, or none.
    pub fn set_maxlag(&mut self, maxlag: Option<u32>) {
        self.maxlag = maxlag;
    }

    /// The `maxlag` sent with every request.
    pub fn maxlag(&self) -> Option<u32> {
        self.maxlag
    }

    /// The API URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The user agent.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The logged-in account, if any.
    pub fn account(&self) -> Option<&Account> {
        self.account.as_ref()
    }

    /// Records a successful login: from now on, every request but a login's
    /// own asserts that it is made as this account, so a lost session fails
    /// (MediaWiki checks the assertion before anything else) instead of
    /// acting, or reading, anonymously. Writes and most reads assert the
    /// name (`assert=user&assertuser=NAME`); the two frequent reads whose
    /// answer names the account it was read as (an options read, an
    /// `emailable` batch: both hold `meta=userinfo`) assert `assert=user`,
    /// and the session engine compares the name in the answer (see
    /// RELIABILITY.md, "Never as someone else", for why that is the same
    /// promise at less of the wiki's time).
    pub fn set_account(&mut self, account: Option<Account>) {
        self.account = account;
    }

    /// How many values a multi-value parameter may hold for this session:
    /// [`LIMIT_HIGH`] with `apihighlimits`, else [`LIMIT_DEFAULT`].
    pub fn multi_value_limit(&self) -> usize {
        if self.account.as_ref().is_some_and(|a| a.high_limits) {
            LIMIT_HIGH
        } else {
            LIMIT_DEFAULT
        }
    }

    /// A read: GET with `params` in the query string, then `format=json`,
    /// `formatversion=2`, `errorformat=plaintext`, `maxlag`, and
    /// `assert=user&assertuser=NAME` when logged in.
    pub fn get(&self, params: &[(&str, &str)]) -> Request {
        let params: Vec<(&str, Cow<'_, str>)> =
            params.iter().map(|&(k, v)| (k, Cow::Borrowed(v))).collect();
        self.build(Method::Get, &params, None, Kind::Read)
    }

    /// A read whose answer names the account it was read as (it holds
    /// `meta=userinfo`): as [`Api::get`], but asserting `assert=user` alone;
    /// see [`Kind::NamedRead`].
    pub(crate) fn get_named(&self, params: &[(&str, &str)]) -> Request {
        let params: Vec<(&str, Cow<'_, str>)> =
            params.iter().map(|&(k, v)| (k, Cow::Borrowed(v))).collect();
        self.build(Method::Get, &params, None, Kind::NamedRead)
    }

    /// A write as the logged-in account: POST with `params` form-encoded in
    /// the body, then the common parameters, `assert=user&assertuser=NAME`
    /// when logged in, and `token` last.
    pub fn post(&self, params: &[(&str, &str)], token: &Token) -> Request {
        let params: Vec<(&str, Cow<'_, str>)> =
            params.iter().map(|&(k, v)| (k, Cow::Borrowed(v))).collect();
        self.build(Method::Post, &params, Some(token), Kind::Write)
    }

    /// Builds a request. Every request carries the common parameters; a
    /// POST is form-encoded with the token last, and a write asserts the
    /// logged-in account.
    pub(crate) fn build(
        &self,
        method: Method,
        params: &[(&str, Cow<'_, str>)],
        token: Option<&Token>,
        kind: Kind,
    ) -> Request {
        let mut form = form_urlencoded::Serializer::new(String::with_capacity(256));
        for (k, v) in params {
            form.append_pair(k, v);
        }
        form.append_pair("format", "json");
        form.append_pair("formatversion", "2");
        form.append_pair("errorformat", "plaintext");
        if let Some(lag) = self.maxlag {
            form.append_pair("maxlag", &lag.to_string());
        }
        if kind != Kind::Session {
            if let Some(account) = &self.account {
                form.append_pair("assert", "user");
                // MediaWiki looks the named user up in its database for
                // `assertuser` on every request; a read that names its
                // account in the answer is checked there instead.
                if kind != Kind::NamedRead {
                    form.append_pair("assertuser", &account.name);
                }
            }
        }
        if let Some(token) = token {
            // form_urlencoded escapes `+` and `\`, so `+\` arrives intact.
            form.append_pair("token", token.expose());
        }
        let encoded = form.finish();
        let mut headers = vec![("User-Agent".to_owned(), self.user_agent.clone())];
        match method {
            Method::Get => {
                let sep = if self.url.contains('?') { '&' } else { '?' };
                Request {
                    method,
                    url: format!("{}{sep}{encoded}", self.url),
                    headers,
                    body: Vec::new(),
                    is_write: false,
                }
            }
            Method::Post => {
                headers.push((
                    "Content-Type".to_owned(),
                    "application/x-www-form-urlencoded".to_owned(),
                ));
                Request {
                    method,
                    url: self.url.clone(),
                    headers,
                    body: encoded.into_bytes(),
                    is_write: kind == Kind::Write,
                }
            }
        }
    }
}

/// How a request acts on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Changes nothing; asserted by name once logged in
    /// (`assert=user&assertuser=NAME`).
    Read,
    /// Changes nothing, and its answer names the account it was read as
    /// (`meta=userinfo`): `assert=user` alone once logged in. Whoever sends
    /// it compares the answer's name with the account (the session engine
    /// does, in `Session::handle`) and treats a mismatch as MediaWiki's
    /// own `assertnameduserfailed`.
    NamedRead,
    /// A step of a login: never asserted (the session it builds is not yet
    /// the account's).
    Session,
    /// An action on the account: asserted, never repeated blindly.
    Write,
}

fn validate_url(url: &str) -> Result<(), Error> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| Error::invalid("api url", "must start with http:// or https://"))?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(
            "api url",
            "must not hold spaces or control characters",
        ));
    }
    if url.contains('#') {
        return Err(Error::invalid("api url", "must not hold a fragment (#)"));
    }
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') || host.contains('@') {
        return Err(Error::invalid(
            "api url",
            "needs a host (and no user:password@)",
        ));
    }
    Ok(())
}

/// Joins the values of a multi-value parameter: with `|`, or, when a value
/// holds `|`, in MediaWiki's U+001F form (a leading U+001F, then U+001F
/// between values). Values must not hold U+001F themselves.
pub(crate) fn join_multi<S: AsRef<str>>(values: &[S]) -> String {
    let sep = if values.iter().any(|v| v.as_ref().contains('|')) {
        '\u{1f}'
    } else {
        '|'
    };
    let mut out = String::new();
    if sep == '\u{1f}' {
        out.push(sep);
    }
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(sep);
        }
        out.push_str(v.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> Api {
        Api::new(
            "http://127.0.0.1:8080/api.php",
            "mwkit-test/0 (test@example.org)",
        )
        .expect("valid")
    }

    #[test]
    fn every_request_carries_the_common_parameters() {
        let req = api().get(&[("action", "query")]);
        assert_eq!(req.method, Method::Get);
        assert!(
            req.url
                .ends_with("?action=query&format=json&formatversion=2&errorformat=plaintext"),
            "{}",
            req.url
        );
        assert_eq!(
            req.header("user-agent"),
            Some("mwkit-test/0 (test@example.org)")
        );
        assert!(!req.is_write);
    }

    #[test]
    fn a_write_is_a_form_post_with_the_token_last_and_encoded() {
        let req = api().post(
            &[("action", "options"), ("change", "a=b c")],
            &Token::new("ab12+\\"),
        );
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "http://127.0.0.1:8080/api.php");
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        let body = String::from_utf8(req.body).expect("utf-8");
        assert_eq!(
            body,
            "action=options&change=a%3Db+c&format=json&formatversion=2&errorformat=plaintext&token=ab12%2B%5C"
        );
        assert!(req.is_write);
    }

    /// Logged in as "Some User", with `maxlag=5`.
    fn logged_in() -> Api {
        let mut api = api();
        api.set_maxlag(Some(5));
        api.set_account(Some(Account {
            name: "Some User".into(),
            id: 3,
            high_limits: false,
        }));
        api
    }

    #[test]
    fn every_request_asserts_the_logged_in_user_and_maxlag_goes_everywhere() {
        let api = logged_in();
        let body = String::from_utf8(
            api.post(&[("action", "emailuser")], &Token::new("t+\\"))
                .body,
        )
        .expect("utf-8");
        assert!(
            body.ends_with("&maxlag=5&assert=user&assertuser=Some+User&token=t%2B%5C"),
            "{body}"
        );
        assert!(
            api.get(&[("action", "query")])
                .url
                .ends_with("&maxlag=5&assert=user&assertuser=Some+User"),
            "reads assert the user too"
        );
    }

    #[test]
    fn reads_that_name_their_account_assert_a_user_but_not_the_name() {
        let mut api = logged_in();
        let read = api.read_options_request();
        assert!(
            read.url.contains("meta=userinfo") && read.url.ends_with("&maxlag=5&assert=user"),
            "{}",
            read.url
        );
        let batch = &api.emailable_batches(&["A"]).expect("valid")[0];
        let body = String::from_utf8(api.emailable_request(batch).body).expect("utf-8");
        assert!(
            body.contains("meta=userinfo") && body.ends_with("&maxlag=5&assert=user"),
            "{body}"
        );
        // The csrf token, read by name: a token of another account is
        // never fetched, even though the writes it serves assert the name.
        assert!(
            api.tokens_request(&[crate::TokenType::Csrf])
                .url
                .ends_with("&assert=user&assertuser=Some+User")
        );
        // Logged out: no assertion at all, as before.
        api.set_account(None);
        assert!(!api.read_options_request().url.contains("assert"));
    }

    #[test]
    fn rejects_bad_urls_and_user_agents_before_anything_is_sent() {
        for url in [
            "",
            "ftp://x/api.php",
            "http://",
            "http:///api.php",
            "http://a b/api.php",
            "http://x/api.php#f",
            "http://u:p@x/api.php",
        ] {
            assert!(
                matches!(Api::new(url, "ua/1"), Err(Error::InvalidInput(_))),
                "{url}"
            );
        }
        for ua in ["", "  ", "ua\r\nX-Evil: 1", "ua\n"] {
            assert!(
                matches!(
                    Api::new("https://x/api.php", ua),
                    Err(Error::InvalidInput(_))
                ),
                "{ua:?}"
            );
        }
    }

    #[test]
    fn multi_values_use_the_unit_separator_form_only_when_a_value_holds_a_pipe() {
        assert_eq!(join_multi(&["a=1", "b=2"]), "a=1|b=2");
        assert_eq!(join_multi(&["a=1|2", "b=2"]), "\u{1f}a=1|2\u{1f}b=2");
        assert_eq!(join_multi::<&str>(&[]), "");
    }

    #[test]
    fn high_limits_raise_the_multi_value_limit() {
        let mut api = api();
        assert_eq!(api.multi_value_limit(), 50);
        api.set_account(Some(Account {
            name: "B".into(),
            id: 1,
            high_limits: true,
        }));
        assert_eq!(api.multi_value_limit(), 500);
    }
}
