"""Fixtures for tests against the real test wiki (tests/wiki/testwiki up):
its accounts, its mail sink and its access log; and a loopback stand-in
server for answers the real wiki cannot be made to give."""

from __future__ import annotations

import itertools
import json
import os
import select
import socket
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator, List, NamedTuple, Tuple, Union
from urllib.parse import parse_qs

import pytest

import mwkit

ROOT = Path(__file__).resolve().parents[3]
_counter = itertools.count()


def nonce() -> str:
    return f"{uuid.uuid4().hex[:10]}{next(_counter)}"


class Wiki:
    def __init__(self, state: dict) -> None:
        self.state = state
        self.api_url: str = state["api_url"]
        self.mail_dir = Path(state["mail_dir"])
        # The MediaWiki series the wiki runs ("1.39", "1.43"), for what
        # differs between versions.
        self.series: str = state["mw_series"]

    def user(self, role: str) -> dict:
        return self.state["users"][role]

    def target(self, role: "str | None") -> str:
        """The name of the user of ``role``, or of no user for ``None``."""
        return self.user(role)["name"] if role else f"NoSuchUser{nonce()}"

    def session(self, tag: str = "py") -> "tuple[mwkit.Session, str]":
        ua = f"mwkit-pytest/{tag}-{nonce()} (tests@mwkit.test)"
        return mwkit.Session(self.api_url, user_agent=ua, timeout=30.0), ua

    def logged_in(self, role: str, tag: str = "py") -> "tuple[mwkit.Session, str]":
        s, ua = self.session(tag)
        u = self.user(role)
        assert s.login(u["bot_name"], u["bot_password"]) == u["name"]
        return s, ua

    def mails(self, pred: Callable[[str], bool] = lambda s: True) -> List[dict]:
        found = []
        for path in self.mail_dir.glob("*.json"):
            mail = json.loads(path.read_text(encoding="utf-8"))
            if pred(mail["subject"]):
                found.append(mail)
        return sorted(found, key=lambda m: m["seq"])

    def wait_for_mails(self, pred: Callable[[str], bool], count: int) -> List[dict]:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(self.mails(pred)) < count:
            time.sleep(0.05)
        time.sleep(0.7)  # a surplus mail would show by now
        return self.mails(pred)

    def max_seq(self) -> int:
        return max((m["seq"] for m in self.mails()), default=0)

    def wait_for_mail_to(self, address: str, after: int) -> dict:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for mail in self.mails():
                if mail["seq"] > after and address in mail["rcpt_to"]:
                    return mail
            time.sleep(0.05)
        raise AssertionError(f"no mail to {address} after #{after}")

    def requests(self, ua: str) -> List[str]:
        """Access-log lines of clients with User-Agent ``ua`` (waits for
        apache, which logs after answering, to settle)."""
        log = Path(self.state["access_log"])
        lines: List[str] = []
        deadline = time.monotonic() + 5
        while True:
            time.sleep(0.3)
            again = [l for l in log.read_text().splitlines() if l.endswith(f'"{ua}"')]
            if len(again) == len(lines) or time.monotonic() > deadline:
                return again
            lines = again

    @property
    def tls(self) -> "dict | None":
        """wiki.json's ``tls`` (the wiki over HTTPS with a throwaway CA), or
        None for a wiki made without it."""
        return self.state.get("tls")

    def two_factor(self, role: str) -> dict:
        """The two-factor account of ``role`` (OATHAuth: MediaWiki 1.43 wikis
        made with it); the test is skipped when the wiki has none."""
        user = self.state["users"].get(role) or {}
        if not user.get("totp_secret"):
            why = ("MediaWiki 1.39 has no OATHAuth" if self.series == "1.39" else
                   "this wiki was made before OATHAuth's accounts: tests/wiki/testwiki down, then up")
            pytest.skip(f"wiki.json has no {role} account (two-factor tests need a MediaWiki "
                        f"1.43 wiki with OATHAuth; {why})")
        return user

    def totp(self, role: str, wrong: bool = False) -> str:
        """A code for ``role``'s two-factor account from ``testwiki totp``:
        each one a window OATHAuth has not seen (waiting when it must), or,
        ``wrong``, one no window near now has."""
        env = dict(os.environ, MWKIT_WIKI_DIR=self.state["wiki_dir"])
        out = subprocess.run([str(ROOT / "tests/wiki/testwiki"), "totp", role,
                              *(["--wrong"] if wrong else [])],
                             env=env, capture_output=True, text=True, check=True)
        code = out.stdout.strip()
        assert len(code) == 6 and code.isdigit(), out
        return code

    def lose_login_sessions(self, ua: str, count: int = 1) -> None:
        """The next ``count`` clientlogin continuations sent with the
        User-Agent ``ua`` find their session deleted on the server when they
        arrive (``testwiki lose-session``: a login session that expired while
        its user looked for the code). Skips on a wiki made without the hook."""
        if not self.state.get("lose_session"):
            pytest.skip("this wiki was made without the lose-session hook: "
                        "tests/wiki/testwiki down, then up")
        env = dict(os.environ, MWKIT_WIKI_DIR=self.state["wiki_dir"])
        subprocess.run([str(ROOT / "tests/wiki/testwiki"), "lose-session", ua, str(count)],
                       env=env, check=True)

    def maint(self, *args: str) -> str:
        env = dict(os.environ, MWKIT_WIKI_DIR=self.state["wiki_dir"])
        out = subprocess.run([str(ROOT / "tests/wiki/testwiki"), "maint", *args], env=env,
                             capture_output=True, text=True, check=True)
        return out.stdout


@pytest.fixture(scope="session")
def wiki() -> Wiki:
    path = os.environ.get("MWKIT_WIKI_JSON")
    if not path:
        pytest.fail("MWKIT_WIKI_JSON is not set: run scripts/test, or "
                    "`tests/wiki/testwiki up && eval \"$(tests/wiki/testwiki env)\"` first")
    return Wiki(json.loads(Path(path).read_text()))


# Every way an email is refused, with the one kind it has on every MediaWiki
# version (1.39 and 1.43 spell most of these codes differently; the wiki's own
# code stays in ApiError.code): (sender role, None for logged out; target
# role, None for a user that does not exist; kind).
EMAIL_REFUSALS = [
    pytest.param("sender", None, "no_target", id="no_target"),
    pytest.param("sender", "no_address", "no_email", id="no_email"),
    pytest.param("sender", "no_mail", "no_wiki_email", id="no_wiki_email"),
    # A sitewide block, which also forbids email.
    pytest.param("blocked", "recipient", "blocked", id="blocked"),
    # A partial block of no pages that forbids email: 1.39 says
    # blockedemailuser and 1.43 blocked, for this one as for the sitewide
    # one; the kind rests on the block's details, which mwkit asks for.
    pytest.param("email_blocked", "recipient", "blocked_from_email", id="blocked_from_email"),
    pytest.param(None, "recipient", "cant_send", id="cant_send"),
]


def temporary_password(mail: dict) -> str:
    return mail["text"].split("Temporary password:", 1)[1].split()[0]


TOKENS = '{"query":{"tokens":{"csrftoken":"abc+\\\\"}}}'

Answer = Tuple[int, List[Tuple[str, str]], str]


class Delayed(NamedTuple):
    """An answer the stand-in holds back for ``seconds``; should the client
    close the connection meanwhile, it is never sent and the time the
    stand-in saw the close is kept in ``StandIn.gone``."""

    seconds: float
    answer: Answer


class StandIn:
    """Answers each request with the next canned answer (a 500 once they run
    out), and keeps the method and form of every request it got."""

    def __init__(self, answers: List[Union[Answer, Delayed]]) -> None:
        self.answers = list(answers)
        self.requests: List[Tuple[str, dict]] = []
        self.gone: List[float] = []
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self, method: str, form: str) -> None:
                with stand_in.lock:
                    stand_in.requests.append((method, parse_qs(form, keep_blank_values=True)))
                    answer = (stand_in.answers.pop(0) if stand_in.answers
                              else (500, [], "no more answers"))
                if isinstance(answer, Delayed):
                    if self.client_left(answer.seconds):
                        with stand_in.lock:
                            stand_in.gone.append(time.monotonic())
                        self.close_connection = True
                        return
                    answer = answer.answer
                status, headers, body = answer
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def client_left(self, seconds: float) -> bool:
                """Waits up to ``seconds`` for the client to close the
                connection; whether it did."""
                readable, _, _ = select.select([self.connection], [], [], seconds)
                return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.answer("GET", self.path.partition("?")[2])

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", "0"))
                self.answer("POST", self.rfile.read(length).decode())

            def log_message(self, *args: object) -> None:
                pass  # quiet; the tests read stand_in.requests

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api.php"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def posts(self) -> List[dict]:
        time.sleep(0.2)  # a request sent again would have arrived by now
        with self.lock:
            return [form for method, form in self.requests if method == "POST"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in() -> Iterator[Callable[[List[Union[Answer, Delayed]]], StandIn]]:
    """Starts stand-ins (see :class:`StandIn`); stops them after the test."""
    servers: List[StandIn] = []

    def start(answers: List[Union[Answer, Delayed]]) -> StandIn:
        server = StandIn(answers)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


class Rule(NamedTuple):
    """Which requests a :class:`Relay` holds, and how: the first ``times``
    for which ``match(method, form)`` is true. ``hang``: never forwarded and
    never answered (the connection stays open until the client closes it);
    otherwise forwarded, and the answer held back ``hold`` seconds."""

    match: Callable[[str, dict], bool]
    hang: bool = False
    hold: float = 0.0
    times: int = 1


def action_is(name: str) -> Callable[[str, dict], bool]:
    """A :class:`Rule` match for the requests of ``action=name``."""
    return lambda method, form: form.get("action") == [name]


class Relay:
    """A loopback proxy in front of the test wiki (``api_url``): forwards
    each request and its answer, keeping the method and form of every
    request and every cookie and token value that went through (for tests
    that look for them where they must not be), except the requests a
    :class:`Rule` holds."""

    def __init__(self, api_url: str, rules: List[Rule]) -> None:
        target = api_url.split("//", 1)[1]
        host_port, _, self.path = target.partition("/")
        self.host, _, port = host_port.partition(":")
        self.port = int(port or 80)
        self.rules = [[rule, rule.times] for rule in rules]
        self.requests: List[Tuple[str, dict]] = []
        self.secrets: set = set()
        self.lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def relay(self, method: str, query: str, body: bytes) -> None:
                form = parse_qs(body.decode() if method == "POST" else query,
                                keep_blank_values=True)
                with relay.lock:
                    relay.requests.append((method, form))
                    rule = relay.pick(method, form)
                    relay.keep_secrets(form, self.headers.get_all("Cookie") or [])
                if rule is not None and rule.hang:
                    self.wait_for_close(600.0)
                    self.close_connection = True
                    return
                import http.client
                upstream = http.client.HTTPConnection(relay.host, relay.port, timeout=60)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "content-length")}
                upstream.request(method, self.path, body=body if method == "POST" else None,
                                 headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                with relay.lock:
                    relay.keep_answer(answer.getheaders(), data)
                if rule is not None and rule.hold and self.wait_for_close(rule.hold):
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length",
                                            "date", "server"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def wait_for_close(self, seconds: float) -> bool:
                """Waits up to ``seconds`` for the client to close the
                connection; whether it did."""
                readable, _, _ = select.select([self.connection], [], [], seconds)
                return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.relay("GET", self.path.partition("?")[2], b"")

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", "0"))
                self.relay("POST", "", self.rfile.read(length))

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{self.path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def pick(self, method: str, form: dict) -> "Rule | None":
        for slot in self.rules:
            rule, left = slot
            if left > 0 and rule.match(method, form):
                slot[1] = left - 1
                return rule
        return None

    def keep_secrets(self, form: dict, cookie_headers: List[str]) -> None:
        for key in ("token", "lgtoken", "logintoken", "lgpassword", "password"):
            self.secrets.update(v for v in form.get(key, []) if len(v) > 4)
        for header in cookie_headers:
            for pair in header.split(";"):
                value = pair.partition("=")[2].strip()
                if len(value) > 4:
                    self.secrets.add(value)

    def keep_answer(self, headers: List[Tuple[str, str]], data: bytes) -> None:
        for name, value in headers:
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0].partition("=")[2].strip()
                if len(cookie) > 4 and cookie != "deleted":
                    self.secrets.add(cookie)
        try:
            tokens = json.loads(data).get("query", {}).get("tokens", {})
        except (ValueError, AttributeError):
            return
        self.secrets.update(t for t in tokens.values() if isinstance(t, str) and len(t) > 4)

    def posts(self, action: str) -> List[dict]:
        with self.lock:
            return [form for method, form in self.requests
                    if method == "POST" and form.get("action") == [action]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def relay(wiki) -> Iterator[Callable[[List[Rule]], Relay]]:
    """Starts relays to the test wiki (see :class:`Relay`); stops them
    after the test."""
    relays: List[Relay] = []

    def start(rules: List[Rule]) -> Relay:
        r = Relay(wiki.api_url, rules)
        relays.append(r)
        return r

    yield start
    for r in relays:
        r.close()


# ---- the canary ---------------------------------------------------------------------
# Every password and bot password of the test wiki's accounts holds wiki.json's
# "canary" (tests/wiki/testwiki). Every record of the `mwkit` logger is
# captured at DEBUG, and each test's captured output (stdout, stderr, log
# records) and failure report is searched for it; the run fails at its end
# if any showed it, printing how many texts were checked and how many showed
# it.


def _canary() -> "str | None":
    path = os.environ.get("MWKIT_WIKI_JSON")
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text()).get("canary")
    except (OSError, ValueError):
        return None


_CANARY = _canary()
_canary_checked = 0
_canary_shown: List[str] = []


def pytest_configure(config: pytest.Config) -> None:
    if _CANARY:
        import logging

        logging.getLogger("mwkit").setLevel(logging.DEBUG)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _canary_checked
    if not _CANARY:
        return
    texts = [content for _, content in report.sections]
    if report.failed:
        texts.append(report.longreprtext)
    for text in texts:
        _canary_checked += 1
        if _CANARY.lower() in text.lower():
            _canary_shown.append(f"{report.nodeid} ({report.when})")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if not _CANARY:
        return
    terminalreporter.write_line(
        f"canary: {_canary_checked} captured texts checked, {len(_canary_shown)} showed it"
        + "".join(f"\n  {where}" for where in _canary_shown))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _canary_shown:
        session.exitstatus = 1
