//! The session's cookie jar: one wiki, one host, so a small jar of its own
//! (cookies are only ever sent to the API URL's host) that never logs a
//! cookie's value.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

/// One stored cookie.
#[derive(Clone)]
struct Cookie {
    value: String,
    expires: Option<SystemTime>,
    secure: bool,
}

/// Cookies set by the wiki, by name.
#[derive(Default)]
pub(crate) struct Jar {
    cookies: BTreeMap<String, Cookie>,
}

impl fmt::Debug for Jar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: values are secrets.
        f.debug_struct("Jar")
            .field("names", &self.cookies.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Jar {
    /// Takes in one `Set-Cookie` header received at `now`. A cookie set
    /// already expired (MediaWiki's way of deleting one) is removed.
    pub(crate) fn store(&mut self, set_cookie: &str, now: SystemTime) {
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let mut cookie = Cookie {
            value: value.trim().trim_matches('"').to_owned(),
            expires: None,
            secure: false,
        };
        let mut max_age = None;
        for attribute in parts {
            let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
            match key.trim().to_ascii_lowercase().as_str() {
                "max-age" => max_age = val.trim().parse::<i64>().ok(),
                "expires" => cookie.expires = httpdate::parse_http_date(val.trim()).ok(),
                "secure" => cookie.secure = true,
                _ => {}
            }
        }
        // Max-Age wins over Expires (RFC 6265, 5.3).
        if let Some(secs) = max_age {
            cookie.expires = Some(if secs <= 0 {
                SystemTime::UNIX_EPOCH
            } else {
                now + Duration::from_secs(secs as u64)
            });
        }
        if cookie.expires.is_some_and(|t| t <= now) {
            self.cookies.remove(name);
        } else {
            self.cookies.insert(name.to_owned(), cookie);
        }
    }

    /// The `Cookie` header for a request at `now`, over https when `secure`;
    /// `None` when no cookie applies.
    pub(crate) fn header(&self, now: SystemTime, secure: bool) -> Option<String> {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .filter(|(_, c)| c.expires.is_none_or(|t| t > now) && (secure || !c.secure))
            .map(|(name, c)| format!("{name}={}", c.value))
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    /// Forgets every cookie.
    pub(crate) fn clear(&mut self) {
        self.cookies.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn stores_and_sends_cookies_as_mediawiki_sets_them() {
        let mut jar = Jar::default();
        let now = at(1_800_000_000);
        jar.store("wiki_session=abc123; path=/; HttpOnly", now);
        jar.store(
            "wikiUserID=3; expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=900; path=/",
            now,
        );
        assert_eq!(
            jar.header(now, false).as_deref(),
            Some("wikiUserID=3; wiki_session=abc123")
        );
        assert!(
            jar.header(now + Duration::from_secs(901), false)
                .is_some_and(|h| !h.contains("wikiUserID"))
        );
    }

    #[test]
    fn an_expired_cookie_deletes_the_stored_one() {
        let mut jar = Jar::default();
        let now = at(1_800_000_000);
        jar.store("wiki_session=abc123; path=/", now);
        jar.store(
            "wiki_session=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/",
            now,
        );
        assert_eq!(jar.header(now, false), None);
    }

    #[test]
    fn secure_cookies_go_only_over_https_and_debug_hides_values() {
        let mut jar = Jar::default();
        let now = at(1_800_000_000);
        jar.store("s=secret-value; Secure; path=/", now);
        assert_eq!(jar.header(now, false), None);
        assert_eq!(jar.header(now, true).as_deref(), Some("s=secret-value"));
        let shown = format!("{jar:?}");
        assert!(
            shown.contains("\"s\"") && !shown.contains("secret-value"),
            "{shown}"
        );
        jar.clear();
        assert_eq!(jar.header(now, true), None);
    }

    #[test]
    fn malformed_cookies_are_ignored() {
        let mut jar = Jar::default();
        let now = at(1_800_000_000);
        for bad in ["", "novalue", "=nameless", ";;;"] {
            jar.store(bad, now);
        }
        assert_eq!(jar.header(now, true), None);
    }
}
