//! The two drivers: every scenario runs once with the blocking client and
//! once with the async one, through the same methods.

use std::sync::OnceLock;

use mw_core::{
    Account, ClientSettings, EmailSent, EmailUser, EmailableReport, Error, LoginInfo, Message,
    Method, OAuth1Keys, OptionsChange, OptionsChanged, Password, RawReply, ResetPassword,
    ResetScope, SecondFactor, Token, UserOptions,
};

/// A client as the scenarios use it: the operations of both clients, with
/// the async one's awaited on a shared runtime.
pub trait Driver: Send + Sync + Sized + 'static {
    /// The wiki.json role that this driver's run uses for `role`: the async
    /// run has its own copies of the users whose state scenarios change.
    fn role(role: &str) -> String;
    /// The scenario `name` of `module` as the test harness names it for
    /// this driver (`blocking::module::name`), for SKIP lines.
    fn test_name(module: &str, name: &str) -> String;
    /// "blocking" or "asynchronous": for names of the driver's own (an
    /// option each driver's run sets, say).
    fn tag() -> &'static str;
    /// The client as `{:?}` shows it.
    fn debug(&self) -> String;
    fn build(settings: ClientSettings) -> Result<Self, Error>;
    fn new(url: &str, user_agent: &str) -> Result<Self, Error> {
        Self::build(ClientSettings::new(url, user_agent))
    }
    fn login(&self, name: &str, password: &str) -> Result<LoginInfo, Error>;
    fn client_login(
        &self,
        name: &str,
        password: &str,
        new_password: Option<Password>,
    ) -> Result<LoginInfo, Error>;
    /// A main account's login whose wiki may ask for a second factor:
    /// `second_factor` answers, asked only when the wiki asks.
    fn client_login_with_second_factor(
        &self,
        name: &str,
        password: &str,
        new_password: Option<Password>,
        second_factor: SecondFactor,
    ) -> Result<LoginInfo, Error>;
    /// Acts as the owner of an OAuth 2 access token.
    fn login_oauth2(&self, token: &str) -> Result<LoginInfo, Error>;
    /// Acts with OAuth 1.0a keys.
    fn login_oauth1(&self, keys: OAuth1Keys) -> Result<LoginInfo, Error>;
    /// Acts as a confidential OAuth 2 client (`client_credentials`).
    fn login_oauth2_client(&self, client_id: &str, secret: &str) -> Result<LoginInfo, Error>;
    fn logout(&self) -> Result<Vec<Message>, Error>;
    fn email_user(&self, email: &EmailUser) -> Result<EmailSent, Error>;
    fn reset_password(&self, reset: &ResetPassword) -> Result<Vec<Message>, Error>;
    fn emailable<S: AsRef<str> + Sync>(&self, names: &[S]) -> Result<EmailableReport, Error>;
    fn options(&self) -> Result<UserOptions, Error>;
    fn change_options(&self, change: &OptionsChange) -> Result<OptionsChanged, Error>;
    fn reset_options(&self, scope: ResetScope) -> Result<OptionsChanged, Error>;
    fn raw(
        &self,
        params: &[(&str, &str)],
        method: Method,
        with_token: bool,
    ) -> Result<RawReply, Error>;
    fn account(&self) -> Option<Account>;
    fn __set_cached_csrf_for_tests(&self, token: Option<Token>);
    /// Sends every email at once, on this one client: a thread each for the
    /// blocking client, a task each for the async one. The results are in
    /// the emails' order.
    fn email_concurrently(&self, emails: &[EmailUser]) -> Vec<Result<EmailSent, Error>>;
    /// Each client sends its emails one after another, `pause` apart, all
    /// clients at once: a thread each for the blocking client, a task each
    /// for the async one. The results are in the clients' and emails' order.
    fn sessions_email_at_once(
        clients: &[Self],
        emails: &[Vec<EmailUser>],
        pause: std::time::Duration,
    ) -> Vec<Vec<Result<EmailSent, Error>>>;
}

/// mw-ureq's blocking client.
pub struct Blocking(mw_ureq::Client);

/// mw-reqwest's async client, its calls awaited on one shared runtime.
pub struct Async(mw_reqwest::Client);

pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// The same body for both drivers: `$call` is the client's method call,
/// `$wrap` turns its result into the driver's (identity, or block_on).
/// `$concurrently` is the body of `email_concurrently`, with `$s` the client
/// and `$e` the emails.
macro_rules! driver {
    (
        $driver:ident, $crate_:ident, $suffix:literal, $tests:literal, |$c:ident| $wrap:expr,
        |$s:ident, $e:ident| $concurrently:block,
        |$cs:ident, $es:ident, $p:ident| $sessions:block
    ) => {
        impl Driver for $driver {
            fn role(role: &str) -> String {
                format!("{role}{}", $suffix)
            }
            fn test_name(module: &str, name: &str) -> String {
                format!("{}::{module}::{name}", $tests)
            }
            fn tag() -> &'static str {
                $tests
            }
            fn debug(&self) -> String {
                let shown = format!("{:?}", self.0);
                crate::support::no_canary("a client's Debug", &shown);
                shown
            }
            fn build(settings: ClientSettings) -> Result<Self, Error> {
                $crate_::ClientBuilder::from(settings).build().map($driver)
            }
            fn login(&self, name: &str, password: &str) -> Result<LoginInfo, Error> {
                let $c = self.0.login(name, password);
                $wrap
            }
            fn client_login(
                &self,
                name: &str,
                password: &str,
                new_password: Option<Password>,
            ) -> Result<LoginInfo, Error> {
                let $c = self.0.client_login(name, password, new_password);
                $wrap
            }
            fn client_login_with_second_factor(
                &self,
                name: &str,
                password: &str,
                new_password: Option<Password>,
                second_factor: SecondFactor,
            ) -> Result<LoginInfo, Error> {
                let $c = self.0.client_login_with_second_factor(
                    name,
                    password,
                    new_password,
                    second_factor,
                );
                $wrap
            }
            fn login_oauth2(&self, token: &str) -> Result<LoginInfo, Error> {
                let $c = self.0.login_oauth2(token);
                $wrap
            }
            fn login_oauth1(&self, keys: OAuth1Keys) -> Result<LoginInfo, Error> {
                let $c = self.0.login_oauth1(keys);
                $wrap
            }
            fn login_oauth2_client(
                &self,
                client_id: &str,
                secret: &str,
            ) -> Result<LoginInfo, Error> {
                let $c = self.0.login_oauth2_client(client_id, secret);
                $wrap
            }
            fn logout(&self) -> Result<Vec<Message>, Error> {
                let $c = self.0.logout();
                $wrap
            }
            fn email_user(&self, email: &EmailUser) -> Result<EmailSent, Error> {
                let $c = self.0.email_user(email);
                $wrap
            }
            fn reset_password(&self, reset: &ResetPassword) -> Result<Vec<Message>, Error> {
                let $c = self.0.reset_password(reset);
                $wrap
            }
            fn emailable<S: AsRef<str> + Sync>(
                &self,
                names: &[S],
            ) -> Result<EmailableReport, Error> {
                let $c = self.0.emailable(names);
                $wrap
            }
            fn options(&self) -> Result<UserOptions, Error> {
                let $c = self.0.options();
                $wrap
            }
            fn change_options(&self, change: &OptionsChange) -> Result<OptionsChanged, Error> {
                let $c = self.0.change_options(change);
                $wrap
            }
            fn reset_options(&self, scope: ResetScope) -> Result<OptionsChanged, Error> {
                let $c = self.0.reset_options(scope);
                $wrap
            }
            fn raw(
                &self,
                params: &[(&str, &str)],
                method: Method,
                with_token: bool,
            ) -> Result<RawReply, Error> {
                let $c = self.0.raw(params, method, with_token);
                $wrap
            }
            fn account(&self) -> Option<Account> {
                self.0.account()
            }
            fn __set_cached_csrf_for_tests(&self, token: Option<Token>) {
                self.0.__set_cached_csrf_for_tests(token)
            }
            fn email_concurrently(&self, $e: &[EmailUser]) -> Vec<Result<EmailSent, Error>> {
                let $s = &self.0;
                $concurrently
            }
            fn sessions_email_at_once(
                $cs: &[Self],
                $es: &[Vec<EmailUser>],
                $p: std::time::Duration,
            ) -> Vec<Vec<Result<EmailSent, Error>>> {
                $sessions
            }
        }
    };
}

driver!(
    Blocking,
    mw_ureq,
    "",
    "blocking",
    |call| crate::support::canary(call),
    |client, emails| {
        std::thread::scope(|scope| {
            let threads: Vec<_> = emails
                .iter()
                .map(|email| scope.spawn(move || client.email_user(email)))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        })
    },
    |clients, emails, pause| {
        std::thread::scope(|scope| {
            let threads: Vec<_> = clients
                .iter()
                .zip(emails)
                .map(|(client, emails)| {
                    scope.spawn(move || {
                        let mut results = Vec::new();
                        for (i, email) in emails.iter().enumerate() {
                            if i > 0 {
                                std::thread::sleep(pause);
                            }
                            results.push(crate::support::canary(client.0.email_user(email)));
                        }
                        results
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        })
    }
);
driver!(
    Async,
    mw_reqwest,
    "_async",
    "asynchronous",
    |call| crate::support::canary(runtime().block_on(call)),
    |client, emails| {
        runtime().block_on(async {
            let tasks: Vec<_> = emails
                .iter()
                .map(|email| {
                    let (client, email) = (client.clone(), email.clone());
                    tokio::spawn(async move { client.email_user(&email).await })
                })
                .collect();
            let mut results = Vec::with_capacity(tasks.len());
            for task in tasks {
                results.push(task.await.unwrap());
            }
            results
        })
    },
    |clients, emails, pause| {
        let results = runtime().block_on(async {
            let tasks: Vec<_> = clients
                .iter()
                .zip(emails)
                .map(|(client, emails)| {
                    let (client, emails) = (client.0.clone(), emails.clone());
                    tokio::spawn(async move {
                        let mut results = Vec::new();
                        for (i, email) in emails.iter().enumerate() {
                            if i > 0 {
                                tokio::time::sleep(pause).await;
                            }
                            results.push(client.email_user(email).await);
                        }
                        results
                    })
                })
                .collect();
            let mut results = Vec::with_capacity(tasks.len());
            for task in tasks {
                results.push(task.await.unwrap());
            }
            results
        });
        results
            .into_iter()
            .map(|r| r.into_iter().map(crate::support::canary).collect())
            .collect()
    }
);
