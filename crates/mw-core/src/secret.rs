//! Secret strings: passwords and tokens whose `Debug` and `Display` never
//! show their text.

use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret.
            pub fn new(secret: impl Into<String>) -> Self {
                Self(secret.into())
            }

            /// The secret's text, for putting it on the wire. Keep the result
            /// out of logs and error messages.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        // `client.login(&name, &password)` with a `String` password.
        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                Self(s.clone())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }
    };
}

secret_type!(
    /// A password: a main-account password, a bot password or a new password
    /// for `clientlogin`.
    ///
    /// ```
    /// let p = mw_core::Password::new("hunter2");
    /// assert_eq!(format!("{p:?} {p}"), "Password(<redacted>) <redacted>");
    /// assert_eq!(p.expose(), "hunter2");
    /// ```
    Password
);

secret_type!(
    /// An API token (`csrf`, `login`, ...).
    ///
    /// MediaWiki's tokens end in `+\`; a logged-out session's csrf token is
    /// exactly `+\` ([`Token::is_anonymous`]).
    Token
);

impl Token {
    /// The csrf token every logged-out session gets.
    pub const ANONYMOUS: &'static str = "+\\";

    /// The logged-out token `+\`.
    pub fn anonymous() -> Self {
        Self(Self::ANONYMOUS.to_owned())
    }

    /// Whether this is the logged-out token `+\`, which only actions open to
    /// anonymous users (such as `resetpassword`) accept.
    pub fn is_anonymous(&self) -> bool {
        self.0 == Self::ANONYMOUS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let t = Token::new("0123abcd+\\");
        for shown in [format!("{t:?}"), format!("{t}"), format!("{t:#?}")] {
            assert!(!shown.contains("0123abcd"), "{shown}");
        }
    }

    #[test]
    fn a_borrowed_string_converts_and_stays_hidden() {
        fn takes(p: impl Into<Password>) -> Password {
            p.into()
        }
        let owned = String::from("s3cret-pw");
        let p = takes(&owned);
        assert_eq!(p.expose(), "s3cret-pw");
        assert!(!format!("{p:?}").contains("s3cret"));
        assert_eq!(Token::from(&owned).expose(), "s3cret-pw");
    }

    #[test]
    fn recognises_the_logged_out_token() {
        assert!(Token::anonymous().is_anonymous());
        assert!(Token::new("+\\").is_anonymous());
        assert!(!Token::new("abc+\\").is_anonymous());
    }
}
