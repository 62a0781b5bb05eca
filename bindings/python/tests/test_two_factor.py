"""Two-factor logins (OATHAuth's TOTP) against the real test wiki, for
Session and AsyncSession alike: ``client_login(..., otp=...)`` with a code
or a callable asked only when the wiki asks.

Each face has its own account (wiki.json's ``two_factor_python`` and
``two_factor_python_async``), since OATHAuth accepts each 30-second window
once; codes come from ``testwiki totp ROLE``. On a wiki without them
(MediaWiki 1.39 has no OATHAuth; a wiki made before they existed) every
test here skips, saying so."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import subprocess
import sys
from typing import Any, Callable, List, Tuple, Union

import pytest

import mwkit
from conftest import nonce

ROLES = {"sync": "two_factor_python", "async": "two_factor_python_async"}
FACES = [pytest.param("sync", id="sync"), pytest.param("async", id="async")]

Session = Union[mwkit.Session, mwkit.AsyncSession]


def done(answer: Any) -> Any:
    """A Session's answer as it is; an AsyncSession's coroutine run to its
    answer (each in a loop of its own: the session is bound to none)."""
    return asyncio.run(answer) if inspect.iscoroutine(answer) else answer


def new_session(wiki, face: str, tag: str, url: "str | None" = None) -> Tuple[Session, str]:
    ua = f"mwkit-pytest/2fa-{face}-{tag}-{nonce()} (tests@mwkit.test)"
    cls = mwkit.Session if face == "sync" else mwkit.AsyncSession
    return cls(url or wiki.api_url, user_agent=ua, timeout=30.0), ua


def posts(lines: List[str]) -> List[str]:
    return [line for line in lines if '"POST ' in line]


class Asked:
    """An ``otp`` callable that records each call and answers with
    ``answer()``."""

    def __init__(self, answer: Callable[[], Any]) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.answer()


def mail_and_options(wiki, s: Session, user: dict) -> None:
    """One email (exactly one mail, from ``user``), then an option of the
    user's set and read back with the rest of the user's own values."""
    subject = f"mwkit py two-factor {nonce()}"
    sent = done(s.email_user(wiki.user("recipient")["name"], subject, "sent after a two-factor login"))
    assert sent.result == "Success"
    mails = wiki.wait_for_mails(lambda x: x == subject, 1)
    assert len(mails) == 1
    assert user["email"] in mails[0]["reply_to"]
    mark = f"py-2fa-{nonce()}"
    assert done(s.set_options({"userjs-py-2fa": mark})).rejected == {}
    options = done(s.get_options())
    assert options["userjs-py-2fa"] == mark
    assert options["language"] == "en" and "gender" in options


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("form", ["str", "callable"])
def test_the_right_code_logs_in_then_one_mail_and_the_users_own_options(wiki, face, form):
    role = ROLES[face]
    u = wiki.two_factor(role)
    s, ua = new_session(wiki, face, form)
    asked = Asked(lambda: wiki.totp(role))
    otp = wiki.totp(role) if form == "str" else asked
    assert done(s.client_login(u["name"], u["password"], otp=otp)) == u["name"]
    assert s.user == u["name"]
    assert asked.calls == (1 if form == "callable" else 0)
    # The token, clientlogin, the continuation with the code, the session's
    # check: two POSTs.
    assert len(posts(wiki.requests(ua))) == 2
    mail_and_options(wiki, s, u)
    if form == "callable":
        # The wiki ends the session: the next call logs in again, and the
        # callable is asked for a fresh code.
        wiki.maint("invalidateUserSessions.php", "--user", u["name"])
        assert "userjs-py-2fa" in done(s.get_options())
        assert asked.calls == 2
        assert s.user == u["name"]


@pytest.mark.parametrize("face", FACES)
def test_a_session_lost_before_the_code_is_checked_asks_the_callable_again_and_logs_in_once(
        wiki, face):
    role = ROLES[face]
    u = wiki.two_factor(role)
    s, ua = new_session(wiki, face, "lost-once")
    wiki.lose_login_sessions(ua)
    asked = Asked(lambda: wiki.totp(role))
    assert done(s.client_login(u["name"], u["password"], otp=asked)) == u["name"]
    assert asked.calls == 2, "asked again after the wiki lost the session"
    assert s.user == u["name"]
    # Twice clientlogin and its continuation, the first one's session
    # deleted on the server; one confirming read: one login.
    lines = wiki.requests(ua)
    assert len(posts(lines)) == 4, lines
    assert len([line for line in lines if "uiprop=rights" in line]) == 1, lines
    me = done(s.request({"action": "query", "meta": "userinfo"}))["query"]["userinfo"]
    assert me["name"] == u["name"]


@pytest.mark.parametrize("face", FACES)
def test_a_session_lost_with_a_str_code_or_twice_is_login_session_lost(wiki, face):
    role = ROLES[face]
    u = wiki.two_factor(role)
    s, ua = new_session(wiki, face, "lost-str")
    wiki.lose_login_sessions(ua)
    code = wiki.totp(role)
    with pytest.raises(mwkit.LoginError) as caught:
        done(s.client_login(u["name"], u["password"], otp=code))
    err = caught.value
    assert err.kind == "login_session_lost"
    assert err.result == "SessionLost" and err.code == "badtoken"
    assert err.outcome_unknown is False and err.needs_new_password is False
    assert "lost the login session" in str(err)
    assert code not in repr(vars(err)) and u["password"] not in repr(vars(err))
    assert s.user is None
    assert len(posts(wiki.requests(ua))) == 2, "nothing after the lost continuation"

    # A callable, and the session lost at both continuations.
    s, ua = new_session(wiki, face, "lost-twice")
    wiki.lose_login_sessions(ua, 2)
    asked = Asked(lambda: wiki.totp(role))
    with pytest.raises(mwkit.LoginError) as caught:
        done(s.client_login(u["name"], u["password"], otp=asked))
    assert caught.value.kind == "login_session_lost"
    assert asked.calls == 2
    assert len(posts(wiki.requests(ua))) == 4
    assert s.user is None


@pytest.mark.parametrize("face", FACES)
def test_no_code_is_second_factor_required_and_nothing_follows_the_question(wiki, relay, face):
    u = wiki.two_factor(ROLES[face])
    server = relay([])
    none_asked = Asked(lambda: None)
    empty_asked = Asked(lambda: "")
    for otp in (None, none_asked, empty_asked, "", "   "):
        s, ua = new_session(wiki, face, "none", server.url)
        with pytest.raises(mwkit.LoginError) as caught:
            done(s.client_login(u["name"], u["password"], otp=otp))
        err = caught.value
        assert err.kind == "second_factor_required", otp
        assert err.result == "UI" and err.code == "oathauth-auth-ui"
        assert err.needs_new_password is False and err.outcome_unknown is False
        assert s.user is None
        # The wiki's question was the last request: its login token, one
        # clientlogin POST, no continuation.
        lines = wiki.requests(ua)
        assert len(posts(lines)) == 1, lines
        assert len(lines) == 2 and not any("logincontinue" in line for line in lines), lines
    assert none_asked.calls == 1 and empty_asked.calls == 1
    forms = server.posts("clientlogin")
    assert len(forms) == 5
    assert not any("logincontinue" in form or "OATHToken" in form for form in forms), forms


@pytest.mark.parametrize("face", FACES)
def test_a_wrong_code_fails_then_the_right_code_logs_the_same_session_in_and_no_secret_shows(
        wiki, face, caplog):
    caplog.set_level(logging.DEBUG, logger="mwkit")
    role = ROLES[face]
    u = wiki.two_factor(role)
    s, ua = new_session(wiki, face, "wrong")
    wrong = wiki.totp(role, wrong=True)
    with pytest.raises(mwkit.LoginError) as caught:
        done(s.client_login(u["name"], u["password"], otp=wrong))
    err = caught.value
    assert err.kind == "second_factor_failed"
    assert err.result == "UI" and err.code == "oathauth-login-failed"
    assert err.outcome_unknown is False
    assert s.user is None
    assert len(posts(wiki.requests(ua))) == 2  # clientlogin, then the wrong code: no more
    codes: List[str] = []

    def otp() -> str:
        codes.append(wiki.totp(role))
        return codes[-1]

    assert done(s.client_login(u["name"], u["password"], otp=otp)) == u["name"]
    assert s.user == u["name"] and len(codes) == 1
    assert done(s.request({"action": "query", "meta": "userinfo"}))["query"]["userinfo"]["name"] == u["name"]

    secrets = [wrong, codes[0], u["password"]]
    shown = [repr(s), str(s), repr(err), str(err), repr(vars(err)), repr(err.args), caplog.text]
    for record in caplog.records:
        shown += [record.getMessage(), repr(record.args)]
    if face == "sync":  # a record per request (an AsyncSession logs writes in doubt only)
        assert any("action=clientlogin" in line for line in shown), "the login's requests were logged"
    for text in shown:
        for secret in secrets:
            assert secret not in text, (secret, text)


@pytest.mark.parametrize("face", FACES)
def test_a_code_holding_the_canary_shows_in_no_error_repr_or_log_record(wiki, face, caplog):
    # wiki.json's canary, planted in a code given (a str) and in one a
    # callable returns: the wiki refuses it, and nothing shows it. What is
    # printed here is captured, and conftest's canary check searches it too.
    caplog.set_level(logging.DEBUG, logger="mwkit")
    role = ROLES[face]
    u = wiki.two_factor(role)
    canary = wiki.state["canary"]
    planted = f"{canary} {nonce()}"
    for form, otp in (("str", planted), ("callable", Asked(lambda: planted))):
        s, ua = new_session(wiki, face, f"canary-{form}")
        with pytest.raises(mwkit.LoginError) as caught:
            done(s.client_login(u["name"], u["password"], otp=otp))
        err = caught.value
        assert err.kind == "second_factor_failed", (form, err.kind)
        assert len(posts(wiki.requests(ua))) == 2, "the code was sent, once"
        shown = [repr(s), str(s), repr(err), str(err), repr(vars(err)), repr(err.args)]
        print(form, *shown, sep="\n")
        for text in shown:
            assert canary.lower() not in text.lower(), (form, text)
    records = [r.getMessage() + " " + repr(r.args) for r in caplog.records]
    print(*records, sep="\n")
    assert not any(canary.lower() in r.lower() for r in records), records


@pytest.mark.parametrize("face", FACES)
def test_what_the_callable_raises_is_raised_and_nothing_more_is_sent(wiki, face):
    u = wiki.two_factor(ROLES[face])

    class NoCode(Exception):
        pass

    def refuse() -> str:
        raise NoCode("the user gave up")

    for otp, raised in ((refuse, NoCode), (lambda: 123456, TypeError)):
        s, ua = new_session(wiki, face, "raises")
        with pytest.raises(raised) as caught:
            done(s.client_login(u["name"], u["password"], otp=otp))
        if raised is TypeError:
            assert "str" in str(caught.value) and "int" in str(caught.value)
        assert s.user is None
        lines = wiki.requests(ua)
        assert len(posts(lines)) == 1 and not any("logincontinue" in line for line in lines), lines

    # An otp of another type is refused at the call, before anything is sent.
    s, ua = new_session(wiki, face, "bad-otp")
    with pytest.raises(TypeError, match="otp must be a str"):
        done(s.client_login(u["name"], u["password"], otp=123456))
    assert wiki.requests(ua) == []


@pytest.mark.parametrize("face", FACES)
def test_the_callable_is_never_called_without_two_factor_nor_for_a_bot_password(wiki, relay, face):
    u = wiki.two_factor(ROLES[face])
    plain = wiki.user("sender")  # a main account without two-factor
    server = relay([])
    asked = Asked(lambda: "123456")
    s, ua = new_session(wiki, face, "plain", server.url)
    assert done(s.client_login(plain["name"], plain["password"], otp=asked)) == plain["name"]
    assert asked.calls == 0
    assert len(posts(wiki.requests(ua))) == 1
    # A code given as a str is not sent either.
    s2, ua2 = new_session(wiki, face, "plain-str", server.url)
    assert done(s2.client_login(plain["name"], plain["password"], otp="123456")) == plain["name"]
    assert len(posts(wiki.requests(ua2))) == 1
    forms = server.posts("clientlogin")
    assert len(forms) == 2
    assert not any("logincontinue" in form or "OATHToken" in form for form in forms), forms

    # The two-factor account's bot password, on the session whose login
    # had the callable: the wiki asks for no code, and nobody is asked.
    assert done(s.login(u["bot_name"], u["bot_password"])) == u["name"]
    assert s.user == u["name"]
    assert asked.calls == 0


def test_the_session_refuses_to_be_used_from_inside_its_own_callable(wiki):
    """The login holds the session while it waits for the code: inside the
    callable, the session raises instead of waiting for itself; another
    session works."""
    u = wiki.two_factor(ROLES["sync"])
    s, _ = new_session(wiki, "sync", "inside")
    other, _ = new_session(wiki, "sync", "other")
    seen: List[str] = []

    def otp() -> None:
        seen.append(repr(s))
        with pytest.raises(RuntimeError, match="otp callable"):
            s.user
        with pytest.raises(RuntimeError, match="otp callable"):
            s.get_options()
        seen.append(str(other.request({"action": "query", "meta": "userinfo"})["query"]["userinfo"]["id"]))
        return None  # no code: second_factor_required

    with pytest.raises(mwkit.LoginError) as caught:
        s.client_login(u["name"], u["password"], otp=otp)
    assert caught.value.kind == "second_factor_required"
    assert seen == [f'Session(api_url="{wiki.api_url}", user=<logging in>)', "0"]
    assert s.user is None


# A login whose callable takes its time while other threads (Session) or
# tasks (AsyncSession) read the session: the login holds the session, so a
# reader waits for it, without the GIL; holding the GIL it would wait for
# ever for a callable that needs the GIL. Run in a child, so that a
# deadlock fails the test instead of hanging the suite.
READERS = r"""
import asyncio, json, sys, threading, time
import mwkit
a = json.load(sys.stdin)

def slow():
    time.sleep(0.5)
    return None  # no code: second_factor_required

s = mwkit.Session(a["url"], user_agent=a["ua"], timeout=30.0)
reads = []
stop = threading.Event()

def reader():
    while not stop.is_set():
        reads.append((s.user, repr(s)))
        time.sleep(0.01)

thread = threading.Thread(target=reader)
thread.start()
try:
    s.client_login(a["sync"]["name"], a["sync"]["password"], otp=slow)
except mwkit.LoginError as e:
    sync_kind = e.kind
stop.set()
thread.join()

async def main():
    s = mwkit.AsyncSession(a["url"], user_agent=a["ua"], timeout=30.0)
    count = 0

    async def reader():
        nonlocal count
        while True:
            s.user, repr(s)
            count += 1
            await asyncio.sleep(0.01)

    task = asyncio.ensure_future(reader())
    try:
        await s.client_login(a["async"]["name"], a["async"]["password"], otp=slow)
    except mwkit.LoginError as e:
        kind = e.kind
    task.cancel()
    return kind, count

async_kind, async_reads = asyncio.run(main())
print(json.dumps({"sync": [sync_kind, len(reads), all(r[0] is None for r in reads)],
                  "async": [async_kind, async_reads]}))
"""


def test_others_read_the_session_while_its_callable_takes_its_time(wiki):
    users = {face: wiki.two_factor(role) for face, role in ROLES.items()}
    args = {"url": wiki.api_url, "ua": f"mwkit-pytest/2fa-readers-{nonce()}",
            **{face: {"name": u["name"], "password": u["password"]} for face, u in users.items()}}
    out = subprocess.run([sys.executable, "-c", READERS], input=json.dumps(args),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["sync"][0] == "second_factor_required" and answer["sync"][1] > 5 and answer["sync"][2]
    assert answer["async"] == ["second_factor_required", answer["async"][1]] and answer["async"][1] > 5
