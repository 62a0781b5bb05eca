//! The session's cookie jar: one wiki, one host, so a small jar of its own
//! (cookies are only ever sent to the API URL's host) that never shows a
//! cookie's value. Like the rest of the core it reads no clock: the time is
//! passed in. Any `Set-Cookie` text is taken without a panic: an absurd
//! `Max-Age` or date is capped, not overflowed.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// One stored cookie.
#[derive(Clone)]
struct Cookie {
    value: String,
    expires: Option<SystemTime>,
    secure: bool,
}

/// Cookies set by the wiki, by name.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let mut jar = mw_core::CookieJar::default();
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// jar.store("wiki_session=abc; path=/; HttpOnly", now);
/// jar.store("x=1; Max-Age=9223372036854775807", now); // kept, never a panic
/// assert_eq!(jar.header(now, false).as_deref(), Some("wiki_session=abc; x=1"));
/// assert!(!format!("{jar:?}").contains("abc"));
/// ```
#[derive(Default, Clone)]
pub struct CookieJar {
    cookies: BTreeMap<String, Cookie>,
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: values are secrets.
        f.debug_struct("CookieJar")
            .field("names", &self.cookies.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl CookieJar {
    /// Takes in one `Set-Cookie` header received at `now`. A cookie set
    /// already expired (MediaWiki's way of deleting one) is removed.
    pub fn store(&mut self, set_cookie: &str, now: SystemTime) {
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let name = name.trim();
        let value = value.trim().trim_matches('"');
        // A name or value with a control character (a CR or LF that would
        // split the `Cookie` header) is not stored.
        if name.is_empty()
            || name.contains(['=', ' ', ','])
            || has_control(name)
            || has_control(value)
        {
            return;
        }
        let mut cookie = Cookie {
            value: value.to_owned(),
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
        // Max-Age wins over Expires (RFC 6265, 5.3). A lifetime past what
        // the clock can hold is kept as "no expiry" rather than overflowed.
        if let Some(secs) = max_age {
            cookie.expires = if secs <= 0 {
                Some(SystemTime::UNIX_EPOCH)
            } else {
                now.checked_add(Duration::from_secs(secs.unsigned_abs()))
            };
        }
        if cookie.expires.is_some_and(|t| t <= now) {
            self.cookies.remove(name);
        } else {
            self.cookies.insert(name.to_owned(), cookie);
        }
    }

    /// The `Cookie` header for a request at `now`, over https when `secure`;
    /// `None` when no cookie applies.
    pub fn header(&self, now: SystemTime, secure: bool) -> Option<String> {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .filter(|(_, c)| c.expires.is_none_or(|t| t > now) && (secure || !c.secure))
            .map(|(name, c)| format!("{name}={}", c.value))
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    /// Forgets every cookie.
    pub fn clear(&mut self) {
        self.cookies.clear();
    }

    /// A jar holding only this one's cookies that belong to no session:
    /// MediaWiki's ChronologyProtector and data-centre pins (`UseDC`,
    /// `UseCDNCache`, `cpPosIndex`, `cpPosTime`), which keep a client
    /// reading its own recent writes. A login starts from these, and from
    /// no cookie of the session it replaces.
    pub fn without_sessions(&self) -> CookieJar {
        const KEPT: [&str; 4] = ["UseDC", "UseCDNCache", "cpPosIndex", "cpPosTime"];
        CookieJar {
            cookies: self
                .cookies
                .iter()
                .filter(|(name, _)| KEPT.contains(&name.as_str()))
                .map(|(name, c)| (name.clone(), c.clone()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_keeps_the_pins_and_drops_the_sessions() {
        let now = at(1_800_000_000);
        let mut jar = CookieJar::default();
        for c in [
            "wiki_session=s; path=/",
            "wiki_BPsession=b; path=/",
            "wikiUserID=7; path=/",
            "UseDC=master; path=/",
            "cpPosIndex=1@1800000000#abc; path=/",
        ] {
            jar.store(c, now);
        }
        let kept = jar
            .without_sessions()
            .header(now, false)
            .unwrap_or_default();
        assert_eq!(kept, "UseDC=master; cpPosIndex=1@1800000000#abc");
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn stores_and_sends_cookies_as_mediawiki_sets_them() {
        let mut jar = CookieJar::default();
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
        let mut jar = CookieJar::default();
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
        let mut jar = CookieJar::default();
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
    fn absurd_lifetimes_and_dates_never_panic() {
        let mut jar = CookieJar::default();
        let now = at(1_800_000_000);
        for text in [
            "a=1; Max-Age=9223372036854775807",
            "b=1; Max-Age=-9223372036854775808",
            "c=1; Max-Age=99999999999999999999999",
            "d=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT",
            "e=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=18446744073709551615",
        ] {
            jar.store(text, now);
        }
        let header = jar.header(now, false).unwrap_or_default();
        assert!(header.contains("a=1") && header.contains("d=1"), "{header}");
        assert!(
            !header.contains("b=1"),
            "a negative Max-Age deletes: {header}"
        );
        assert!(jar.header(SystemTime::UNIX_EPOCH, false).is_some());
    }

    #[test]
    fn malformed_cookies_are_ignored() {
        let mut jar = CookieJar::default();
        let now = at(1_800_000_000);
        for bad in [
            "",
            "novalue",
            "=nameless",
            ";;;",
            "a\r\nX-Evil: 1=v",
            "b=v\r\nX: 1",
            "c=\u{0}",
        ] {
            jar.store(bad, now);
        }
        assert_eq!(jar.header(now, true), None);
    }
}
