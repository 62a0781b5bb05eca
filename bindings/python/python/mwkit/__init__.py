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
:class:`TransportError` whose ``outcome_unknown`` is true, and
``retry_after`` holds the server's ``Retry-After`` in seconds (every
:class:`MwError` has both). A change of options that needs several
requests and fails partway says which options were ``applied``,
``not_applied`` and in doubt (``unknown``).

A write's warnings come back with its result, never through
:mod:`warnings`, so ``python -W error`` cannot turn a write that was carried
out into an exception: ``EmailResult.warnings`` and
``OptionsResult.warnings`` (``set_options`` and ``reset_options``), the list
``reset_password`` and ``logout`` return, the ``"warnings"`` key of the dict
a POST through ``request`` returns. Reads and logins issue theirs as
:class:`MediaWikiWarning`.

For asyncio, :class:`AsyncSession` has the same constructor, methods,
exceptions and warnings, each method a coroutine; its calls run on a tokio
runtime without the GIL, so the event loop never waits on the network, and
many may be in flight on one session::

    async with mwkit.AsyncSession(api_url, user_agent="MyTool/1.0 (me@example.org)") as s:
        await s.login("MyBot@mytool", "bot-password")
        results = await asyncio.gather(*(s.email_user(name, "Hello", "How are you?")
                                         for name in ("Alice", "Bob")))

Bad input raises :class:`InvalidInputError` at the call, as with
:class:`Session`, before a coroutine is returned and before anything is
sent. A call whose task is cancelled is abandoned and leaves the session
usable.

Ctrl-C interrupts a blocking call at once and leaves the session usable (a
write already on its way is never sent again; its outcome is unknown). A
forked child can use new sessions; see the documentation's "Logging,
Ctrl-C and fork in Python" (docs/guides/python-runtime.md). Records go to the ``mwkit`` logger, silent unless the
application configures logging, and never hold a secret.
"""

import logging as _logging

from ._exceptions import (
    ApiError,
    DecodeError,
    InvalidInputError,
    LoginError,
    MediaWikiWarning,
    MwError,
    SessionChangedError,
    TlsError,
    TransportError,
    TransportTimeoutError,
)
from ._native import (
    DEFAULTS,
    ERROR_CODES,
    ApiWarning,
    AsyncSession,
    EmailResult,
    OptionsResult,
    Session,
    __version__,
)

__all__ = [
    "Session",
    "AsyncSession",
    "EmailResult",
    "OptionsResult",
    "ApiWarning",
    "MwError",
    "ApiError",
    "LoginError",
    "TransportError",
    "TransportTimeoutError",
    "TlsError",
    "DecodeError",
    "InvalidInputError",
    "SessionChangedError",
    "MediaWikiWarning",
    "DEFAULTS",
    "ERROR_CODES",
    "__version__",
]

# Silent unless the application configures logging (Python's "last resort"
# handler would otherwise print WARNING records to stderr).
_logging.getLogger("mwkit").addHandler(_logging.NullHandler())
