//! Tokens: one request for one or several types, and their parsing.

use std::collections::BTreeMap;

use crate::api::Api;
use crate::error::{Error, Message};
use crate::http::{Request, Response};
use crate::response::{Decoded, decode, decode_error};
use crate::secret::Token;

/// A token type of `action=query&meta=tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TokenType {
    /// `csrf`: for `emailuser`, `resetpassword`, `options`, `logout`, ...
    Csrf,
    /// `login`: for `action=login` and `action=clientlogin`.
    Login,
}

impl TokenType {
    /// The type's name in `type=`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Csrf => "csrf",
            TokenType::Login => "login",
        }
    }
}

/// Tokens from one answer, and the warnings that came with them.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    tokens: BTreeMap<TokenType, Token>,
    /// Warnings the server gave.
    pub warnings: Vec<Message>,
}

impl Tokens {
    /// The token of `kind`, when the answer held one.
    pub fn get(&self, kind: TokenType) -> Option<&Token> {
        self.tokens.get(&kind)
    }

    /// Takes the token of `kind` out.
    pub fn take(&mut self, kind: TokenType) -> Option<Token> {
        self.tokens.remove(&kind)
    }
}

impl Api {
    /// One request for every type in `types` (`type=csrf|login`).
    ///
    /// ```
    /// use mw_core::{Api, Response, TokenType, parse_tokens};
    /// let api = Api::new("https://wiki.example/w/api.php", "MyTool/1.0 (me@example.org)")?;
    /// let req = api.tokens_request(&[TokenType::Csrf, TokenType::Login]);
    /// assert!(req.url.contains("meta=tokens&type=csrf%7Clogin"));
    ///
    /// let resp = Response::json(r#"{"query":{"tokens":{"csrftoken":"+\\","logintoken":"ab+\\"}}}"#);
    /// let tokens = parse_tokens(&resp)?;
    /// assert!(tokens.get(TokenType::Csrf).unwrap().is_anonymous()); // logged out
    /// # Ok::<(), mw_core::Error>(())
    /// ```
    pub fn tokens_request(&self, types: &[TokenType]) -> Request {
        let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
        let joined = names.join("|");
        self.get(&[("action", "query"), ("meta", "tokens"), ("type", &joined)])
    }
}

/// Reads the tokens of a `meta=tokens` answer.
///
/// # Errors
/// An API error, or [`Error::Decode`] when the answer holds no tokens.
pub fn parse_tokens(resp: &Response) -> Result<Tokens, Error> {
    let decoded: Decoded<TokensAnswer> = decode(resp)?;
    let map = decoded
        .body
        .query
        .and_then(|q| q.tokens)
        .ok_or_else(|| decode_error(resp, "the answer holds no query.tokens"))?;
    let mut tokens = BTreeMap::new();
    for kind in [TokenType::Csrf, TokenType::Login] {
        if let Some(value) = map
            .get(&format!("{}token", kind.as_str()))
            .and_then(|v| v.as_str())
        {
            tokens.insert(kind, Token::new(value));
        }
    }
    Ok(Tokens {
        tokens,
        warnings: decoded.warnings,
    })
}

/// Takes the token of `kind` from a `meta=tokens` answer, as a
/// [`Error::Decode`] when it is missing.
pub(crate) fn required_token(
    resp: &Response,
    kind: TokenType,
) -> Result<(Token, Vec<Message>), Error> {
    let mut tokens = parse_tokens(resp)?;
    let token = tokens.take(kind).ok_or_else(|| {
        decode_error(resp, &format!("the answer holds no {}token", kind.as_str()))
    })?;
    Ok((token, tokens.warnings))
}

/// The answer to `meta=tokens`.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TokensAnswer {
    query: Option<TokensQuery>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TokensQuery {
    tokens: Option<serde_json::Map<String, serde_json::Value>>,
}
