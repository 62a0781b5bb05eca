"""mwkit's exceptions: one hierarchy under :class:`MwError`, mirroring the
Rust client's error stages. The native module raises them; their attributes
are set by keyword, so every instance carries its fields."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

__all__ = [
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
]


class MwError(Exception):
    """Base class of every error mwkit raises.

    Every instance has these attributes:

    - ``kind``: the error's stable name, the same in Rust and C
      (``mwkit.ERROR_CODES`` lists every one with its C value): an API
      error's kind (``"no_email"``, ``"rate_limited"``, ...) or the stage
      (``"invalid_input"``, ``"connect"``, ``"timeout"``,
      ``"outcome_unknown"``, ``"login_failed"``, ...).
    - ``outcome_unknown``: true when a write may have been carried out
      although the call failed (it was not sent again: check its effect
      before repeating it).
    - ``retry_after``: the server's ``Retry-After``, in seconds from when the
      exception was raised (a float), or ``None`` when it sent none. When to
      look again, never a promise that sending again is safe.
    - ``applied``, ``not_applied``, ``unknown``, ``rejected``: set only when
      a change of options that needed several requests (MediaWiki takes 50
      options per request) failed partway, ``None`` otherwise. ``applied``
      lists the option names whose request the wiki answered with success,
      ``unknown`` those whose request may or may not have been carried out,
      ``not_applied`` those refused or never sent; ``rejected`` maps each
      option the wiki dropped from an applied request to its warning, as
      :attr:`OptionsResult.rejected` does. The exception is the one the
      failing request raised (a :class:`TransportError` with
      ``outcome_unknown`` for a 5xx, ...), and its ``warnings`` also list
      the applied requests' warnings.
    - ``warnings``: every warning the wiki gave for the call, each with its
      module, including those on requests mwkit made on the caller's behalf
      (the csrf token fetch, a request refused with ``badtoken`` or
      ``maxlag`` and sent again, a relogin's login): a list for an
      :class:`ApiError`, a :class:`LoginError`, a write whose outcome is
      unknown and an incomplete options change (the applied requests'
      warnings too, as above); ``None`` for a failure of the connection
      itself.
    """

    kind: str = "unclassified"
    outcome_unknown: bool = False
    retry_after: Optional[float] = None
    applied: Optional[List[str]] = None
    not_applied: Optional[List[str]] = None
    unknown: Optional[List[str]] = None
    rejected: Optional[Dict[str, Any]] = None
    rejected_unnamed: Optional[List[Any]] = None
    warnings: Optional[List[Any]]  # set on every instance mwkit raises

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        for key, value in fields.items():
            setattr(self, key, value)


class ApiError(MwError):
    """The wiki answered with an API error.

    Attributes: ``code`` (MediaWiki's own error code, which differs between
    versions, e.g. ``"noemail"`` on 1.39, ``"noemailtext"`` on 1.41+),
    ``info`` (MediaWiki's own text), ``kind`` (the meaning, one name for
    every version's spellings, e.g. ``"no_email"`` for both of those, and
    ``"blocked_from_email"`` for an email-only block whether the wiki says
    ``blockedfrommail``, ``blockedemailuser`` or ``blocked``; ``"other"``
    for codes mwkit does not know), ``module``, ``http_status``, ``errors`` (every
    error listed, as :class:`ApiWarning`-like objects) and ``warnings``.
    """

    code: str
    info: str
    kind: str
    module: Optional[str]
    http_status: int
    errors: List[Any]
    warnings: List[Any]


class LoginError(MwError):
    """A login or client login was refused, or a session was lost.

    Attributes: ``result`` (``"Failed"``, ``"WrongToken"``, ... for a bot
    password; ``"FAIL"``, ``"UI"``, ... for a client login; mwkit's own
    ``"OtherUser"`` when a login answered
    for another user than the one asked for, and ``"PasswordChanged"``
    when a client login set the new password but confirming the session
    failed: the new password is in force), ``reason`` (the server's text),
    ``code`` (the reason's message code, or ``None``) and
    ``needs_new_password`` (a temporary password was used: give
    ``new_password``). ``kind`` says which refusal: ``"login_failed"``,
    ``"second_factor_required"`` (the wiki asked for a two-factor code and
    none came), ``"second_factor_failed"`` (it refused the code),
    ``"login_session_lost"`` (the wiki lost the login's session before it
    checked the code or set the new password, or twice before it checked
    the password (a stale login token): nothing was changed; the login
    started over once before this, asking an ``otp`` callable again, unless
    the code was a str; ``result`` is
    ``"SessionLost"`` and ``code`` the wiki's, ``"badtoken"`` or
    ``"authmanager-authn-not-in-progress"``), ``"oauth_invalid"``.
    """

    result: str
    reason: str
    code: Optional[str]
    needs_new_password: bool


class TransportError(MwError, ConnectionError):
    """The request could not be completed over HTTP. It is also a
    :class:`ConnectionError` (so ``except OSError`` catches it), and a
    timeout is a :class:`TransportTimeoutError`, also a :class:`TimeoutError`.

    ``outcome_unknown`` is true when a write may have been carried out
    although no answer proved what the wiki did (a timeout, a dropped
    connection, any 5xx, 503 with ``Retry-After`` included, an HTML page,
    an internal error of the server): it was not sent again, so check its
    effect before repeating it. ``stage`` names what failed: ``"connect"``
    (nothing was sent), ``"timeout"``, ``"outcome_unknown"``,
    ``"body_too_large"``, ``"redirected"``, ``"http_status"`` or
    ``"transport"``; ``http_status`` is set for an HTTP error status (for
    ``"outcome_unknown"``, when the cause was one). For ``"outcome_unknown"``
    the exception the cause alone would have raised is ``__cause__``;
    ``retry_after`` keeps the server's ``Retry-After``.
    """

    outcome_unknown: bool
    stage: str
    http_status: Optional[int]


class TransportTimeoutError(TransportError, TimeoutError):
    """A timeout: of a read (``stage == "timeout"``), or of a write, whose
    outcome is then unknown (``stage == "outcome_unknown"``,
    ``outcome_unknown`` true)."""


class TlsError(TransportError):
    """The TLS handshake failed, so nothing was sent (``stage == "tls"``,
    ``outcome_unknown`` false). ``reason`` says what failed: ``"unknown
    issuer"`` (the wiki's CA is neither in the system's store nor the
    ``ca_file`` given: give it as ``ca_file``, or for a self-signed wiki its
    own certificate), ``"name mismatch"`` (a certificate for another host),
    ``"expired"`` or ``"protocol"``. There is no way to turn verification
    off."""

    reason: str


class DecodeError(MwError):
    """The answer was not the JSON expected. ``snippet`` holds its start,
    ``http_status`` its status."""

    snippet: str
    http_status: int


class InvalidInputError(MwError, ValueError):
    """The input was refused before anything was sent. ``field`` names the
    argument at fault."""

    field: str


class SessionChangedError(MwError):
    """The session logged out, or logged in as someone else, while this call
    was in progress (another thread or task called ``logout`` or ``login``):
    the call stopped before sending anything as another identity than the
    one it started with. Nothing was sent by it after the change."""


class MediaWikiWarning(UserWarning):
    """A warning the wiki gave on a read whose result has no ``warnings``
    field (reading options, :meth:`Session.emailable`, a GET through
    :meth:`Session.request`), or on a login or the logout of a ``with``
    block. mwkit issues it with :func:`warnings.warn`, so no warning of the
    server's goes unseen; filter it with the :mod:`warnings` module.

    A write never issues it: its warnings are part of what it returns
    (``.warnings`` of :class:`EmailResult` and :class:`OptionsResult`, the
    list :meth:`Session.reset_password` and :meth:`Session.logout` return,
    the ``"warnings"`` key of a POST's answer), so a filter set to
    ``"error"`` cannot turn a write that was carried out into an exception.
    """
