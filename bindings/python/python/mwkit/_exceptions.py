"""mwkit's exceptions: one hierarchy under :class:`MwError`, mirroring the
Rust client's error stages. The native module raises them; their attributes
are set by keyword, so every instance carries its fields."""

from __future__ import annotations

from typing import Any, List, Optional

__all__ = [
    "MwError",
    "ApiError",
    "LoginError",
    "TransportError",
    "DecodeError",
    "InvalidInputError",
    "MediaWikiWarning",
]


class MwError(Exception):
    """Base class of every error mwkit raises."""

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        for key, value in fields.items():
            setattr(self, key, value)


class ApiError(MwError):
    """The wiki answered with an API error.

    Attributes: ``code`` (MediaWiki's error code, e.g. ``"noemail"``),
    ``info`` (MediaWiki's own text), ``kind`` (the meaning, one name for
    documented and observed spellings, e.g. ``"blocked_from_email"`` for
    both ``blockedfrommail`` and ``blockedemailuser``; ``"other"`` for codes
    mwkit does not know), ``module``, ``http_status``, ``errors`` (every
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
    """A login or client login was refused.

    Attributes: ``result`` (``"Failed"``, ``"WrongToken"``, ... for a bot
    password; ``"FAIL"``, ``"UI"``, ... for a client login), ``reason`` (the
    server's text), ``code`` (the reason's message code, or ``None``) and
    ``needs_new_password`` (a temporary password was used: give
    ``new_password``).
    """

    result: str
    reason: str
    code: Optional[str]
    needs_new_password: bool


class TransportError(MwError):
    """The request could not be completed over HTTP.

    ``outcome_unknown`` is true when a write may have been carried out
    although no answer was read (a timeout, a dropped connection, a 5xx):
    it was not sent again, so check its effect before repeating it. ``stage``
    names what failed: ``"connect"`` (nothing was sent), ``"timeout"``,
    ``"outcome_unknown"``, ``"body_too_large"``, ``"redirected"``,
    ``"http_status"`` or ``"transport"``; ``http_status`` is set for an HTTP
    error status.
    """

    outcome_unknown: bool
    stage: str
    http_status: Optional[int]


class DecodeError(MwError):
    """The answer was not the JSON expected. ``snippet`` holds its start,
    ``http_status`` its status."""

    snippet: str
    http_status: int


class InvalidInputError(MwError, ValueError):
    """The input was refused before anything was sent. ``field`` names the
    argument at fault."""

    field: str


class MediaWikiWarning(UserWarning):
    """A warning the wiki gave on a call whose result has no ``warnings``
    field (a login, a logout, a password reset, reading options, a raw
    request). mwkit issues it with :func:`warnings.warn`, so no warning of
    the server's goes unseen; filter it with the :mod:`warnings` module."""
