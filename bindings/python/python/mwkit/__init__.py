"""mwkit: a MediaWiki client for programs that act on a wiki user's account:
email a user, start a password reset, read and change preferences.

The work is done by a Rust core (the same one as the Rust crate and the C
library); this package is its Python face::

    import mwkit

    with mwkit.Session("https://wiki.example/w/api.php",
                       user_agent="MyTool/1.0 (me@example.org)") as s:
        s.login("MyBot@mytool", "bot-password")
        result = s.email_user("Alice", "Hello", "How are you?")
        print(result.result, result.warnings)

mwkit never sends a write twice by accident: only answers that prove the
wiki did not act (a stale token, a lost session, maxlag, read-only) lead to
a second send. A request that may have been carried out fails with
:class:`TransportError` whose ``outcome_unknown`` is true.
"""

from ._exceptions import (
    ApiError,
    DecodeError,
    InvalidInputError,
    LoginError,
    MediaWikiWarning,
    MwError,
    TransportError,
)
from ._native import ApiWarning, EmailResult, OptionsResult, Session, __version__

__all__ = [
    "Session",
    "EmailResult",
    "OptionsResult",
    "ApiWarning",
    "MwError",
    "ApiError",
    "LoginError",
    "TransportError",
    "DecodeError",
    "InvalidInputError",
    "MediaWikiWarning",
    "__version__",
]
