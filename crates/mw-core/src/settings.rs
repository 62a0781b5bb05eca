//! The settings every client shares, checked in one place, and the builder
//! setters the transports expose ([`client_builder_setters`]).

use std::time::Duration;

use crate::api::Api;
use crate::error::{Error, InvalidInput};
use crate::session::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_WAIT, DEFAULT_MAXLAG,
    DEFAULT_READ_TIMEOUT, DEFAULT_RETRIES, DEFAULT_TIMEOUT, Session, SessionConfig,
};

/// What a client is set up with: where, as whom, the transport's limits and
/// the engine's budget. Every field starts at its `DEFAULT_*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// The API URL (`https://.../api.php`).
    pub api_url: String,
    /// The User-Agent, naming the tool and a contact.
    pub user_agent: String,
    /// Time to connect.
    pub connect_timeout: Duration,
    /// Time to wait for an answer's headers, and again for its body.
    pub read_timeout: Duration,
    /// Limit for one whole request, from connecting to the last byte.
    pub timeout: Duration,
    /// `maxlag` sent with every request, or none.
    pub maxlag: Option<u32>,
    /// The largest answer body read.
    pub max_response_bytes: u64,
    /// The engine's budget and credential rule.
    pub session: SessionConfig,
    /// A CA bundle (PEM) to verify the wiki's certificate against instead
    /// of the system's store, as `curl --cacert` does; `None` (the default):
    /// the system's store, with `SSL_CERT_FILE` and `SSL_CERT_DIR` honoured
    /// (see the `mw-tls` crate). The clients read it when built.
    pub ca_file: Option<std::path::PathBuf>,
}

impl ClientSettings {
    /// The defaults, for the API at `api_url` as `user_agent`.
    pub fn new(api_url: &str, user_agent: &str) -> Self {
        Self {
            api_url: api_url.to_owned(),
            user_agent: user_agent.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            maxlag: Some(DEFAULT_MAXLAG),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            session: SessionConfig {
                retries: DEFAULT_RETRIES,
                max_wait: DEFAULT_MAX_WAIT,
                allow_insecure_credentials: false,
            },
            ca_file: None,
        }
    }

    /// Checks the settings and makes the session engine.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad API URL, a user agent that is empty
    /// or holds CR/LF, or a zero timeout or body limit.
    pub fn session(&self) -> Result<Session, Error> {
        let mut api = Api::new(&self.api_url, &self.user_agent)?;
        api.set_maxlag(self.maxlag);
        for (name, d) in [
            ("connect timeout", self.connect_timeout),
            ("read timeout", self.read_timeout),
            ("timeout", self.timeout),
        ] {
            if d.is_zero() {
                return Err(InvalidInput::new(name, "must be more than zero").into());
            }
        }
        if self.max_response_bytes == 0 {
            return Err(InvalidInput::new("max response bytes", "must be more than zero").into());
        }
        Ok(Session::new(api, self.session.clone()))
    }
}

/// The setters of a client builder that holds a [`ClientSettings`] in a
/// field called `settings` (and an `Option<Observer>` called `observer`):
/// one set of names and docs for every transport.
#[macro_export]
macro_rules! client_builder_setters {
    () => {
        /// Where every call's events go, besides the `log` records made of
        /// them: each request and its answer, each wait and why, a relogin
        /// ([`CallEvent`]($crate::CallEvent)). Called on the thread (or in
        /// the task) of the call, as each happens; never with a secret.
        #[must_use]
        pub fn observer(
            mut self,
            observer: impl Fn(&$crate::CallEvent) + Send + Sync + 'static,
        ) -> Self {
            self.observer = Some($crate::Observer::new(observer));
            self
        }

        /// Time to connect (default 10 s).
        #[must_use]
        pub fn connect_timeout(mut self, t: ::std::time::Duration) -> Self {
            self.settings.connect_timeout = t;
            self
        }

        /// Time to wait for the answer's headers, and again for its body
        /// (default 60 s).
        #[must_use]
        pub fn read_timeout(mut self, t: ::std::time::Duration) -> Self {
            self.settings.read_timeout = t;
            self
        }

        /// Limit for one whole request, from connecting to the last byte
        /// (default 120 s).
        #[must_use]
        pub fn timeout(mut self, t: ::std::time::Duration) -> Self {
            self.settings.timeout = t;
            self
        }

        /// `maxlag` sent with every request (default 5 s; `None` to send
        /// none).
        #[must_use]
        pub fn maxlag(mut self, maxlag: Option<u32>) -> Self {
            self.settings.maxlag = maxlag;
            self
        }

        /// How many times one call may wait and send again when the server
        /// proves it did not act and asks to wait (`maxlag`, `readonly`; for
        /// a read also HTTP 429 or 503). Default 3; 0 turns waiting off.
        #[must_use]
        pub fn retries(mut self, n: u32) -> Self {
            self.settings.session.retries = n;
            self
        }

        /// The longest wait accepted from the server (default 60 s). A
        /// server asking for longer gets its error returned instead.
        #[must_use]
        pub fn max_wait(mut self, t: ::std::time::Duration) -> Self {
            self.settings.session.max_wait = t;
            self
        }

        /// The largest answer body read (default 16 MiB); reading stops
        /// there.
        #[must_use]
        pub fn max_response_bytes(mut self, n: u64) -> Self {
            self.settings.max_response_bytes = n;
            self
        }

        /// Allow sending passwords over plain `http://` to a host that is
        /// not the loopback (default: refused before anything is sent).
        #[must_use]
        pub fn allow_insecure_credentials(mut self, allow: bool) -> Self {
            self.settings.session.allow_insecure_credentials = allow;
            self
        }

        /// Verify the wiki's certificate against the CA bundle (PEM) in
        /// this file instead of the system's store, as `curl --cacert`
        /// does: for a wiki behind a private CA, or a self-signed one (give
        /// its own certificate). Read when the client is built: a file that
        /// cannot be read or holds no certificate is bad input then.
        #[must_use]
        pub fn ca_file(mut self, path: impl Into<::std::path::PathBuf>) -> Self {
            self.settings.ca_file = Some(path.into());
            self
        }

        /// The settings so far.
        pub fn settings(&self) -> &$crate::ClientSettings {
            &self.settings
        }
    };
}
