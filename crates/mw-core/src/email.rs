//! `action=emailuser` and `action=resetpassword`.

use std::borrow::Cow;

use serde::Deserialize;

use crate::api::{Api, Kind};
use crate::error::{ApiError, Error, Message, OutcomeUnknown};
use crate::http::{Method, Request, Response};
use crate::response::{Decoded, RawMessage, decode, decode_error, decode_value};
use crate::secret::Token;

/// An email to a wiki user (`action=emailuser`).
///
/// ```
/// use mw_core::{Api, EmailUser, Response, Token, EmailResult, parse_email_user};
/// let api = Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
/// let email = EmailUser::new("Bob", "Hello | there", "Line 1\nLine 2").cc_me(true);
/// let req = api.email_user_request(&email, &Token::new("abc+\\"))?;
/// let body = String::from_utf8(req.body.clone()).unwrap();
/// assert!(body.starts_with("action=emailuser&target=Bob&subject=Hello+%7C+there"));
/// assert!(body.contains("&ccme=1&"));
/// assert!(body.ends_with("&token=abc%2B%5C"));
///
/// let sent = parse_email_user(&Response::json(r#"{"emailuser":{"result":"Success"}}"#))?;
/// assert_eq!(sent.result, EmailResult::Success);
/// # Ok::<(), mw_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailUser {
    /// The user to email.
    pub target: String,
    /// The subject.
    pub subject: String,
    /// The message.
    pub text: String,
    /// Whether to send a copy to the sender.
    pub cc_me: bool,
}

impl EmailUser {
    /// An email to `target`, without a copy to the sender.
    pub fn new(
        target: impl Into<String>,
        subject: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self {
            target: target.into(),
            subject: subject.into(),
            text: text.into(),
            cc_me: false,
        }
    }

    /// Whether to send a copy to the sender (`ccme`).
    #[must_use]
    pub fn cc_me(mut self, cc_me: bool) -> Self {
        self.cc_me = cc_me;
        self
    }

    fn validate(&self) -> Result<(), Error> {
        if self.target.trim().is_empty() {
            return Err(Error::invalid("target", "must not be empty"));
        }
        if self.target.contains(['\n', '\r']) {
            return Err(Error::invalid("target", "must not hold a line break"));
        }
        // MediaWiki refuses an empty text (missingparam); say so before sending.
        if self.text.trim().is_empty() {
            return Err(Error::invalid("text", "must not be empty"));
        }
        Ok(())
    }
}

/// How `emailuser` went, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailResult {
    /// Sent.
    Success,
    /// Sent, with warnings.
    Warnings,
}

impl EmailResult {
    /// `"Success"` or `"Warnings"`, as MediaWiki spells them.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailResult::Success => "Success",
            EmailResult::Warnings => "Warnings",
        }
    }
}

/// An email the server accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailSent {
    /// `Success` or `Warnings`.
    pub result: EmailResult,
    /// Every warning: the answer's and the module's own.
    pub warnings: Vec<Message>,
}

impl Api {
    /// The `emailuser` request for `email`, with the session's csrf token.
    /// `ccme` is sent only when true: MediaWiki reads any value, even `0`,
    /// as true.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty target or text, or a target
    /// holding a line break.
    pub fn email_user_request(&self, email: &EmailUser, token: &Token) -> Result<Request, Error> {
        email.validate()?;
        let mut params = vec![
            ("action", Cow::Borrowed("emailuser")),
            ("target", Cow::Borrowed(email.target.as_str())),
            ("subject", Cow::Borrowed(email.subject.as_str())),
            ("text", Cow::Borrowed(email.text.as_str())),
        ];
        if email.cc_me {
            params.push(("ccme", Cow::Borrowed("1")));
        }
        Ok(self.build(Method::Post, &params, Some(token), Kind::Write))
    }
}

/// Reads the answer to [`Api::email_user_request`].
///
/// # Errors
/// An API error (`notarget`, `noemail`, `ratelimited`, ...). A `Failure`
/// result is [`Error::OutcomeUnknown`], its cause an [`Error::Api`] with the
/// module's first error (or `emailuser-failure`) and all of them: MediaWiki
/// answers `Failure` also when the mail went out and only the copy to the
/// sender (`ccme`) failed, so it does not prove that nothing was sent.
pub fn parse_email_user(resp: &Response) -> Result<EmailSent, Error> {
    let decoded: Decoded<EmailUserAnswer> = decode(resp)?;
    let body = decoded
        .body
        .emailuser
        .ok_or_else(|| decode_error(resp, "the answer holds no emailuser"))?;
    let mut warnings = decoded.warnings;
    warnings.extend(body.warnings.into_iter().map(RawMessage::into_message));
    let result = match body.result.as_str() {
        "Success" => EmailResult::Success,
        "Warnings" => EmailResult::Warnings,
        "Failure" => {
            let errors: Vec<Message> = body
                .errors
                .into_iter()
                .map(RawMessage::into_message)
                .collect();
            let mut err = match errors.first() {
                Some(first) => ApiError::new(first.code.clone(), first.text.clone(), resp.status),
                None => ApiError::new(
                    "emailuser-failure",
                    "the server could not send the email",
                    resp.status,
                ),
            };
            err.module = Some("emailuser".to_owned());
            if !errors.is_empty() {
                err.errors = errors;
            }
            err.warnings = warnings;
            return Err(Error::OutcomeUnknown(Box::new(OutcomeUnknown {
                cause: err.into(),
                retry_after: None,
                warnings: Vec::new(),
            })));
        }
        other => {
            return Err(decode_error(
                resp,
                &format!("unknown emailuser result {other:?}"),
            ));
        }
    };
    Ok(EmailSent { result, warnings })
}

impl Api {
    /// The read that tells whose block refused an email, and what it
    /// covers: `meta=userinfo&uiprop=blockinfo`. The email call sends it
    /// after a block error (see [`ApiError::kind`]).
    pub fn block_info_request(&self) -> Request {
        self.get(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("uiprop", "blockinfo"),
        ])
    }
}

/// Adds the block details of `resp` (the answer to
/// [`Api::block_info_request`]) to `err` as its first message's
/// `data.blockinfo`, and the answer's warnings to its warnings. Returns
/// whether the answer held a block; an answer without one (the block was
/// lifted meanwhile), or an unreadable one, leaves `err` unchanged.
pub fn add_block_info(err: &mut ApiError, resp: &Response) -> bool {
    let Ok(decoded) = decode_value(resp) else {
        return false;
    };
    let Some(info) = decoded
        .body
        .pointer("/query/userinfo")
        .and_then(|u| u.as_object())
    else {
        return false;
    };
    if !info.contains_key("blockid") {
        return false;
    }
    let blockinfo: serde_json::Map<String, serde_json::Value> = info
        .iter()
        .filter(|(k, _)| k.starts_with("block"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if err.errors.is_empty() {
        err.errors.push(Message {
            code: err.code.clone(),
            text: err.text.clone(),
            module: err.module.clone(),
            data: None,
        });
    }
    let first = &mut err.errors[0];
    let mut data = match first.data.take() {
        Some(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    data.insert("blockinfo".to_owned(), serde_json::Value::Object(blockinfo));
    first.data = Some(serde_json::Value::Object(data));
    err.warnings.extend(decoded.warnings);
    true
}

/// The answer to `action=emailuser`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailUserAnswer {
    emailuser: Option<EmailUserBody>,
}

/// The answer to `action=resetpassword`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ResetPasswordAnswer {
    resetpassword: Option<serde::de::IgnoredAny>,
}

/// `emailuser` of an answer.
#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailUserBody {
    result: String,
    warnings: Vec<RawMessage>,
    errors: Vec<RawMessage>,
}

/// Whose password to reset (`action=resetpassword`): by user name, by email
/// address, or both.
///
/// MediaWiki answers `success` even when it sent no mail (an unknown user,
/// a throttled reset): success means the request was accepted, not that a
/// mail went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetPassword {
    user: Option<String>,
    email: Option<String>,
}

impl ResetPassword {
    /// A reset for `user`, for `email`, or for both. Give at least one.
    ///
    /// ```
    /// use mw_core::ResetPassword;
    /// assert!(ResetPassword::new(Some("Bob"), None).is_ok());
    /// assert!(ResetPassword::new(None, None).is_err()); // refused before sending
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when neither is given, or one given is empty.
    pub fn new(user: Option<&str>, email: Option<&str>) -> Result<Self, Error> {
        for (field, value) in [("user", user), ("email", email)] {
            if value.is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::invalid(field, "must not be empty when given"));
            }
        }
        if user.is_none() && email.is_none() {
            return Err(Error::invalid(
                "user or email",
                "give a user name, an email address, or both",
            ));
        }
        Ok(Self {
            user: user.map(str::to_owned),
            email: email.map(str::to_owned),
        })
    }

    /// The user name, if given.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The email address, if given.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
}

impl Api {
    /// The `resetpassword` request. Logged out, the token is the anonymous
    /// `+\` ([`Token::anonymous`]); through a bot password MediaWiki refuses
    /// it (`badaccess`).
    ///
    /// ```
    /// use mw_core::{Api, ResetPassword, Response, Token, parse_reset_password};
    /// let api = Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
    /// let reset = ResetPassword::new(None, Some("bob@example.org"))?;
    /// let req = api.reset_password_request(&reset, &Token::anonymous());
    /// let body = String::from_utf8(req.body).unwrap();
    /// assert_eq!(body, "action=resetpassword&email=bob%40example.org&format=json\
    ///     &formatversion=2&errorformat=plaintext&token=%2B%5C");
    /// let warnings = parse_reset_password(&Response::json(r#"{"resetpassword":{"status":"success"}}"#))?;
    /// assert!(warnings.is_empty());
    /// # Ok::<(), mw_core::Error>(())
    /// ```
    pub fn reset_password_request(&self, reset: &ResetPassword, token: &Token) -> Request {
        let mut params = vec![("action", Cow::Borrowed("resetpassword"))];
        if let Some(user) = &reset.user {
            params.push(("user", Cow::Borrowed(user.as_str())));
        }
        if let Some(email) = &reset.email {
            params.push(("email", Cow::Borrowed(email.as_str())));
        }
        self.build(Method::Post, &params, Some(token), Kind::Write)
    }
}

/// Reads the answer to [`Api::reset_password_request`]; returns the
/// warnings.
///
/// # Errors
/// An API error (`passwordreset-nodata`, `badaccess`, ...).
pub fn parse_reset_password(resp: &Response) -> Result<Vec<Message>, Error> {
    let decoded: Decoded<ResetPasswordAnswer> = decode(resp)?;
    if decoded.body.resetpassword.is_none() {
        return Err(decode_error(resp, "the answer holds no resetpassword"));
    }
    Ok(decoded.warnings)
}
