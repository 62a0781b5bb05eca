"""mwkit against an echoing stand-in: a server that repeats the request it
got (its line, headers and body), as a web application firewall's block
page, a debugging proxy or a misconfigured gateway does. It answers as
MediaWiki would until its n-th request, then echoes that one and every one
after it; run at every step of a bot-password login, a main-account login
with a two-factor code, OAuth 2 (a token and a confidential client) and
OAuth 1.0a, each followed by an email, in each form. No password, code,
token, secret or cookie value shows in an exception (its str, repr, every
attribute, its cause), the session's repr, or a log record. No test wiki
needed."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

import mwkit

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))
from echo_wiki import (  # noqa: E402
    ACCESS_KEY, ACCESS_SECRET, BOT_PASSWORD, CLIENT_SECRET, CODE, CONSUMER_SECRET, FORMS,
    MAIN_PASSWORD, MARK, OAUTH2_TOKEN, EchoWiki, leak)

def email(s: mwkit.Session) -> None:
    s.email_user("Rcpt", "subject", "text")


FLOWS: List[Tuple[str, Callable[[mwkit.Session], None]]] = [
    ("bot password", lambda s: (s.login("Sender@app", BOT_PASSWORD), email(s))[-1]),
    ("main account, a fixed code",
     lambda s: (s.client_login("Sender", MAIN_PASSWORD, otp=CODE), email(s))[-1]),
    ("main account, a code asked for",
     lambda s: (s.client_login("Sender", MAIN_PASSWORD, otp=lambda: CODE), email(s))[-1]),
    ("OAuth 2 token", lambda s: (s.login_oauth2(OAUTH2_TOKEN), email(s))[-1]),
    ("OAuth 2 client", lambda s: (s.login_oauth2_client("client-id", CLIENT_SECRET), email(s))[-1]),
    ("OAuth 1.0a", lambda s: (s.login_oauth1("consumer-key", CONSUMER_SECRET, ACCESS_KEY,
                                             ACCESS_SECRET), email(s))[-1]),
]


def shown(err: BaseException) -> List[str]:
    """Everything an exception shows: str, repr, every attribute, its cause's."""
    out = [str(err), repr(err)]
    for name in dir(err):
        if not name.startswith("__"):
            out.append(repr(getattr(err, name, None)))
    if err.__cause__ is not None:
        out.extend(shown(err.__cause__))
    return out


@pytest.mark.parametrize("name,flow", FLOWS, ids=[n for n, _ in FLOWS])
def test_no_secret_an_echoing_server_repeats_shows_anywhere(name, flow, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="mwkit")
    echoes = 0
    for form in FORMS:
        echo_at = 1
        while True:
            server = EchoWiki(echo_at, form)
            try:
                s = mwkit.Session(server.url, user_agent="mwkit-pytest/echo", timeout=5.0,
                                  retries=0)
                texts = [repr(s)]
                try:
                    flow(s)
                    failed = None
                except mwkit.MwError as e:
                    failed = e
                    texts.extend(shown(e))
                texts.append(repr(s))
            finally:
                server.close()
            echoes += server.echoed
            for text in texts:
                secret = leak(text)
                assert secret is None, f"{name}, echo {form} of request {echo_at}: {secret!r} in {text}"
            if server.echoed == 0:
                assert failed is None, f"{name} without an echo: {failed!r}"
                assert any(MARK in t or CODE in t for t in server.seen)
                break
            assert failed is not None, f"{name}: an echo is never a success"
            echo_at += 1
    assert echoes >= 6
    records = [r.getMessage() for r in caplog.records]
    assert records, "the mwkit logger recorded the calls"
    for line in records:
        secret = leak(line)
        assert secret is None, f"a log record shows {secret!r}: {line}"
