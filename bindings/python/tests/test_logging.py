"""Records on the ``mwkit`` logger: DEBUG one per request (method, action,
HTTP status, time taken), INFO a relogin or a wait the wiki asked for,
WARNING a write whose outcome is unknown; never a password, a token or a
cookie value; made on the thread of the call; and nothing printed when the
application does not configure logging."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import sys
import threading

import mwkit
from conftest import TOKENS, nonce

REQUEST = re.compile(
    r"^Session\.(\w+): (GET|POST) action=(\w+)[^>]* -> HTTP (\d{3})(?: \((\w+)\))? in \d+\.\d{3} s$")


def messages(caplog, level: int) -> "list[str]":
    return [r.getMessage() for r in caplog.records if r.name == "mwkit" and r.levelno == level]


def test_a_login_an_email_an_options_change_and_a_relogin_are_logged_without_secrets(
        wiki, relay, caplog):
    caplog.set_level(logging.DEBUG, logger="mwkit")
    u = wiki.user("sessions2")
    # Through a relay that keeps every cookie and token value that went by.
    server = relay([])
    s = mwkit.Session(server.url, user_agent=f"mwkit-pytest/logging-{nonce()}")
    assert s.login(u["bot_name"], u["bot_password"]) == u["name"]
    subject = f"mwkit py logged {nonce()}"
    assert s.email_user(wiki.user("recipient")["name"], subject, "logged").result == "Success"
    assert s.set_options({"userjs-py-logging": nonce()}).rejected == {}
    token = s.request({"action": "query", "meta": "tokens"})["query"]["tokens"]["csrftoken"]
    # The wiki ends the session: the next call logs in again.
    wiki.maint("invalidateUserSessions.php", "--user", u["name"])
    assert "userjs-py-logging" in s.get_options()
    s.close()

    debug = messages(caplog, logging.DEBUG)
    requests = [REQUEST.match(m) for m in debug]
    assert all(requests), debug
    seen = [(m[1], m[2], m[3], m[4]) for m in requests]
    for expected in [("login", "GET", "query", "200"), ("login", "POST", "login", "200"),
                     ("email_user", "POST", "emailuser", "200"),
                     ("set_options", "POST", "options", "200"),
                     ("get_options", "POST", "login", "200"), ("close", "POST", "logout", "200")]:
        assert expected in seen, (expected, debug)
    # One record per request the relay got.
    assert len(debug) == len(server.requests)
    assert any(" meta=tokens type=login " in m for m in debug), debug
    # The call the wiki refused for the lost session says so.
    assert ("get_options", "GET", "query", "200") in seen
    assert any(m[1] == "get_options" and m[5] == "assertuserfailed" for m in requests), debug
    info = messages(caplog, logging.INFO)
    assert info == [f"Session.get_options: the wiki no longer knows the session; "
                    f"logging in again as {u['name']}"], info
    assert messages(caplog, logging.WARNING) == []
    # Every record from this thread; none holds a secret.
    assert {r.threadName for r in caplog.records if r.name == "mwkit"} == {
        threading.current_thread().name}
    secrets = server.secrets | {u["bot_password"], u["password"], token}
    assert len(server.secrets) >= 4  # tokens and cookies did go by
    for record in caplog.records:
        text = record.getMessage()
        for secret in secrets:
            assert secret not in text, (secret, text)
            assert secret.rstrip("+\\") not in text, (secret, text)


def test_a_wait_and_a_write_in_doubt_are_logged(stand_in, caplog):
    caplog.set_level(logging.DEBUG, logger="mwkit")
    maxlag = (200, [("MediaWiki-API-Error", "maxlag"), ("Retry-After", "1")],
              '{"error":{"code":"maxlag","info":"Waiting for a database server: 1 seconds lagged."}}')
    server = stand_in([(200, [], TOKENS), maxlag,
                       (503, [("Retry-After", "7")], "busy")])
    s = mwkit.Session(server.url, user_agent="mwkit-pytest/logging-wait", timeout=5.0)
    try:
        s.email_user("Bob", "subject", "text")
        raise AssertionError("no error")
    except mwkit.TransportError as e:
        assert e.outcome_unknown
    assert messages(caplog, logging.INFO) == [
        "Session.email_user: waiting 1.0 s before sending again, as the wiki asked "
        "(maxlag, Retry-After: 1)"]
    assert messages(caplog, logging.WARNING) == [
        "Session.email_user: the request may have reached the wiki, but no answer says what "
        "it did (HTTP 503): its outcome is unknown, and mwkit does not send it again"]
    assert len(messages(caplog, logging.DEBUG)) == 3
    assert "abc+" not in caplog.text  # the stand-in's token


def test_an_async_write_in_doubt_is_logged_in_the_awaiting_task(stand_in, caplog):
    caplog.set_level(logging.DEBUG, logger="mwkit")
    server = stand_in([(200, [], TOKENS), (502, [], "bad gateway")])

    async def main() -> None:
        s = mwkit.AsyncSession(server.url, user_agent="mwkit-pytest/logging-async")
        try:
            await s.email_user("Bob", "subject", "text")
            raise AssertionError("no error")
        except mwkit.TransportError as e:
            assert e.outcome_unknown

    asyncio.run(main())
    records = [r for r in caplog.records if r.name == "mwkit"]
    warnings = [r for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].getMessage().startswith("AsyncSession.email_user: the request may have")
    # And a record for each of its two requests, the 502 included.
    debug = [r.getMessage() for r in records if r.levelno == logging.DEBUG]
    assert debug[-1].startswith("AsyncSession.email_user: POST action=emailuser -> HTTP 502 in "), debug
    assert len(debug) == 2, debug
    assert {r.threadName for r in records} == {threading.current_thread().name}


ASYNC_REQUEST = re.compile(
    r"^AsyncSession\.(\w+): (GET|POST) action=(\w+)[^>]* -> HTTP (\d{3})(?: \(([\w-]+)\))? in \d+\.\d{3} s$")


def test_async_calls_are_logged_too_in_the_awaiting_task_without_secrets(wiki, relay, caplog):
    caplog.set_level(logging.DEBUG, logger="mwkit")
    u = wiki.user("sessions2_async")
    server = relay([])

    async def main() -> str:
        s = mwkit.AsyncSession(server.url, user_agent=f"mwkit-pytest/logging-async-{nonce()}")
        assert await s.login(u["bot_name"], u["bot_password"]) == u["name"]
        subject = f"mwkit py async logged {nonce()}"
        assert (await s.email_user(wiki.user("recipient")["name"], subject, "logged")).result == "Success"
        assert (await s.set_options({"userjs-py-async-logging": nonce()})).rejected == {}
        token = (await s.request({"action": "query", "meta": "tokens"}))["query"]["tokens"]["csrftoken"]
        wiki.maint("invalidateUserSessions.php", "--user", u["name"])
        assert "userjs-py-async-logging" in await s.get_options()
        return token

    token = asyncio.run(main())
    debug = messages(caplog, logging.DEBUG)
    requests = [ASYNC_REQUEST.match(m) for m in debug]
    assert all(requests), debug
    seen = {(m[1], m[2], m[3]) for m in requests}
    for expected in [("login", "POST", "login"), ("email_user", "POST", "emailuser"),
                     ("set_options", "POST", "options"), ("get_options", "POST", "login")]:
        assert expected in seen, (expected, debug)
    assert len(debug) == len(server.requests)
    assert any(m[1] == "get_options" and m[5] == "assertuserfailed" for m in requests), debug
    assert messages(caplog, logging.INFO) == [
        "AsyncSession.get_options: the wiki no longer knows the session; logging in again"]
    assert {r.threadName for r in caplog.records if r.name == "mwkit"} == {
        threading.current_thread().name}
    secrets = server.secrets | {u["bot_password"], u["password"], token}
    for record in caplog.records:
        text = record.getMessage()
        for secret in secrets:
            assert secret not in text and secret.rstrip("+\\") not in text, (secret, text)


# With logging left as Python starts it: a run that logs
# at every level (a request, a wait, a write in doubt) prints nothing.
UNCONFIGURED = r"""
import sys
sys.path.insert(0, sys.argv[1])
from conftest import StandIn, TOKENS
import mwkit
maxlag = (200, [("MediaWiki-API-Error", "maxlag"), ("Retry-After", "1")],
          '{"error":{"code":"maxlag","info":"lagged"}}')
server = StandIn([(200, [], TOKENS), maxlag, (503, [], "busy")])
try:
    mwkit.Session(server.url, user_agent="mwkit-pytest/unconfigured").email_user("Bob", "s", "t")
except mwkit.TransportError as e:
    assert e.outcome_unknown
"""


def test_nothing_is_printed_when_logging_is_not_configured():
    tests = str(__import__("pathlib").Path(__file__).parent)
    done = subprocess.run([sys.executable, "-c", UNCONFIGURED, tests],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
