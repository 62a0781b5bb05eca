"""mwkit.AsyncSession against the real test wiki and the loopback stand-in:
concurrent calls on one session each land once, the event loop keeps
running while they are in flight, the exceptions are Session's, and a
cancelled call is dropped and leaves the session working.

Plain test functions that run their coroutines with ``asyncio.run``."""

from __future__ import annotations

import asyncio
import inspect
import socket
import time
import warnings
from typing import Any, Awaitable, Callable, Dict, List, Tuple, TypeVar

import pytest

import mwkit
from conftest import EMAIL_REFUSALS, TOKENS, Delayed, nonce, temporary_password

T = TypeVar("T")


def session(url: str, tag: str = "async", timeout: float = 30.0) -> Tuple[mwkit.AsyncSession, str]:
    ua = f"mwkit-pytest/{tag}-{nonce()} (tests@mwkit.test)"
    return mwkit.AsyncSession(url, user_agent=ua, timeout=timeout), ua


async def logged_in(wiki, role: str, tag: str = "async", timeout: float = 30.0) -> Tuple[mwkit.AsyncSession, str]:
    s, ua = session(wiki.api_url, tag, timeout)
    u = wiki.user(role)
    assert await s.login(u["bot_name"], u["bot_password"]) == u["name"]
    return s, ua


class Ticker:
    """Counts ticks of a task that sleeps 10 ms between them, and the
    longest gap between two: a loop blocked by a call shows as a gap."""

    def __init__(self) -> None:
        self.times: List[float] = []

    async def run(self) -> None:
        while True:
            self.times.append(time.monotonic())
            await asyncio.sleep(0.01)

    async def during(self, work: Awaitable[T]) -> T:
        task = asyncio.ensure_future(self.run())
        await asyncio.sleep(0)  # the first tick
        try:
            return await work
        finally:
            task.cancel()

    def longest_gap(self) -> float:
        return max(b - a for a, b in zip(self.times, self.times[1:]))

    def elapsed(self) -> float:
        return self.times[-1] - self.times[0]


def test_twenty_concurrent_emails_on_one_session_each_arrive_once_while_the_loop_ticks(wiki):
    async def main() -> Tuple[List[Any], Ticker, str]:
        # The default timeout: the test wiki serves 16 connections at once,
        # and the others wait for a kept-alive one to close.
        s, ua = await logged_in(wiki, "sender", "gather", timeout=120.0)
        run = nonce()
        ticker = Ticker()
        results = await ticker.during(asyncio.gather(*(
            s.email_user(wiki.user("recipient")["name"], f"mwkit py async {run} #{i}", f"mail {i}")
            for i in range(20)
        )))
        return results, ticker, run

    results, ticker, run = asyncio.run(main())
    assert all(isinstance(r, mwkit.EmailResult) and r.result == "Success" for r in results)
    mails = wiki.wait_for_mails(lambda x: x.startswith(f"mwkit py async {run} #"), 20)
    assert sorted(m["subject"] for m in mails) == sorted(f"mwkit py async {run} #{i}" for i in range(20))
    assert [m["text"] for m in sorted(mails, key=lambda m: int(m["subject"].rsplit("#", 1)[1]))] == [
        f"mail {i}" for i in range(20)]
    # The loop ran all along: ticks every 10 ms or so, never a long stall.
    # (A call holding the loop would stop the ticker for the whole call.)
    assert ticker.elapsed() > 0.05, "the emails took some time"
    assert len(ticker.times) >= ticker.elapsed() / 0.01 / 3, (len(ticker.times), ticker.elapsed())
    assert ticker.longest_gap() < 0.2, ticker.longest_gap()


def test_the_loop_keeps_ticking_while_a_slow_answer_is_awaited(stand_in):
    server = stand_in([Delayed(1.0, (200, [], '{"batchcomplete":true}'))])
    s, _ = session(server.url)
    ticker = Ticker()
    answer = asyncio.run(ticker.during(s.request({"action": "query"})))
    assert answer == {"batchcomplete": True}
    assert ticker.elapsed() >= 0.9
    assert len(ticker.times) >= 40, len(ticker.times)  # about 100 at 10 ms each
    assert ticker.longest_gap() < 0.2, ticker.longest_gap()


def raised(call: Callable[[], Any]) -> BaseException:
    """What a call raises: a Session's method called, an AsyncSession's
    awaited (or raised by the call itself, as for invalid input)."""
    async def run() -> Any:
        result = call()
        return await result if inspect.isawaitable(result) else result

    with pytest.raises(mwkit.MwError) as caught:
        asyncio.run(run())
    return caught.value


def test_the_exceptions_are_sessions(wiki):
    port = unused_port()
    u = wiki.user("sender")
    no_address = wiki.user("no_address")["name"]

    async def sender() -> mwkit.AsyncSession:
        return (await logged_in(wiki, "sender", "errors"))[0]

    async_sender = asyncio.run(sender())
    sync_sender, _ = wiki.logged_in("sender", "errors")
    async_anon, _ = session(wiki.api_url, "errors-anon")
    sync_anon, _ = wiki.session("errors-anon")
    refused = f"http://127.0.0.1:{port}/api.php"
    cases = [
        # (what, the call on either session)
        ("no_email", lambda s: s.email_user(no_address, f"no {nonce()}", "no")),
        ("invalid input", lambda s: s.email_user("", "s", "t")),
        ("invalid reset", lambda s: s.reset_password()),
        ("wrong password", lambda s: s.login(u["bot_name"], "not-the-password")),
    ]
    for what, call in cases:
        is_login = what == "wrong password"
        sync_err = raised(lambda: call(sync_anon if is_login else sync_sender))
        async_err = raised(lambda: call(async_anon if is_login else async_sender))
        assert type(async_err) is type(sync_err), what
        assert async_err.kind == sync_err.kind, what
        assert getattr(async_err, "code", None) == getattr(sync_err, "code", None), what
        assert str(async_err).split(":")[0] == str(sync_err).split(":")[0], what
    assert isinstance(async_err, mwkit.LoginError) and async_err.code == "wrongpassword"

    no_email = raised(lambda: async_sender.email_user(no_address, f"no {nonce()}", "no"))
    assert isinstance(no_email, mwkit.ApiError)
    assert (no_email.kind, no_email.http_status) == ("no_email", 200)
    assert isinstance(no_email.code, str) and no_email.code  # noemail on 1.39, noemailtext on 1.43
    assert no_email.outcome_unknown is False and no_email.warnings == []

    fresh, fresh_ua = session(wiki.api_url, "errors-invalid")
    for call in (lambda: fresh.email_user("", "s", "t"), lambda: fresh.set_options({"a": "x\x1fy"}),
                 lambda: fresh.reset_options(()), lambda: fresh.request({"action": "query"}, token="login")):
        invalid = raised(call)
        assert isinstance(invalid, mwkit.InvalidInputError) and isinstance(invalid, ValueError)
    assert wiki.requests(fresh_ua) == [], "invalid input is refused before sending"

    transport = raised(lambda: mwkit.AsyncSession(refused, user_agent="mwkit-pytest/0").email_user("Bob", "s", "t"))
    assert type(transport) is type(raised(lambda: mwkit.Session(refused, user_agent="mwkit-pytest/0")
                                          .email_user("Bob", "s", "t")))
    assert isinstance(transport, mwkit.TransportError)
    assert transport.stage == "connect" and transport.outcome_unknown is False

    not_json = raised(lambda: mwkit.AsyncSession(wiki.api_url.replace("api.php", "load.php"),
                                                 user_agent="mwkit-pytest/0").get_options())
    assert isinstance(not_json, mwkit.DecodeError) and not_json.http_status == 200

    with pytest.raises(TypeError):
        async_anon.email_user("a", "s", "t", cc_me="yes")
    with pytest.raises(TypeError):
        async_anon.set_options({"gender": 5})


@pytest.mark.parametrize("sender,target,kind", EMAIL_REFUSALS)
def test_each_email_refusal_has_its_kind_on_every_version_and_delivers_nothing(wiki, sender, target, kind):
    subject = f"mwkit py async refused {kind} {nonce()}"

    async def main() -> None:
        s = (await logged_in(wiki, sender, "refused"))[0] if sender else session(wiki.api_url, "refused-anon")[0]
        await s.email_user(wiki.target(target), subject, "must not arrive")

    with pytest.raises(mwkit.ApiError) as caught:
        asyncio.run(main())
    err = caught.value
    assert err.kind == kind
    # The wiki's own code: 1.39 and 1.43 spell most of them differently.
    assert isinstance(err.code, str) and err.code
    assert err.outcome_unknown is False
    assert err.http_status == 200 and err.info and err.module == "emailuser"
    assert wiki.wait_for_mails(lambda x: x == subject, 0) == []


def test_a_partial_block_that_spares_email_sends_the_mail(wiki):
    # Blocked from the Talk namespace only: email is not part of the block.
    subject = f"mwkit py async partial block {nonce()}"

    async def main() -> mwkit.EmailResult:
        s, _ = await logged_in(wiki, "partial_blocked", "partial")
        return await s.email_user(wiki.user("recipient")["name"], subject, "a partial block spares email")

    assert asyncio.run(main()).result == "Success"
    mails = wiki.wait_for_mails(lambda x: x == subject, 1)
    assert len(mails) == 1
    assert mails[0]["rcpt_to"] == [wiki.user("recipient")["email"]]


def unused_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_a_cancelled_read_is_dropped_and_the_session_goes_on(stand_in):
    server = stand_in([
        Delayed(10.0, (200, [], '{"slow":true}')),
        (200, [], '{"fast":true}'),
    ])
    s, _ = session(server.url)

    async def main() -> Tuple[float, Any]:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(s.request({"action": "query", "n": 1}), 0.5)
        cancelled = time.monotonic()
        return cancelled, await s.request({"action": "query", "n": 2})

    cancelled, answer = asyncio.run(main())
    assert answer == {"fast": True}
    # The stand-in saw the first connection closed as the call was
    # cancelled, long before its 10 s were up: the Rust future was dropped,
    # and the request with it.
    time.sleep(0.2)
    assert len(server.gone) == 1, server.gone
    assert abs(server.gone[0] - cancelled) < 1.0
    assert [form["n"] for _, form in server.requests] == [["1"], ["2"]]


def test_a_write_cancelled_mid_flight_leaves_the_session_sending(stand_in):
    server = stand_in([
        (200, [], TOKENS),
        Delayed(10.0, (200, [], '{"emailuser":{"result":"Success"}}')),
        (200, [], '{"emailuser":{"result":"Success"}}'),
    ])
    s, _ = session(server.url)

    async def main() -> mwkit.EmailResult:
        task = asyncio.ensure_future(s.email_user("Bob", "first", "cancelled"))
        while len(server.requests) < 2:  # the mail is on its way
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await s.email_user("Bob", "second", "sent")

    result = asyncio.run(main())
    assert result.result == "Success"
    posts = server.posts()
    assert [p["subject"] for p in posts] == [["first"], ["second"]]
    assert posts[1]["token"] == ["abc+\\"], "the cached token was used again"
    assert len(server.gone) == 1


def test_a_call_cancelled_on_the_wiki_leaves_the_session_working(wiki):
    async def main() -> Tuple[mwkit.EmailResult, str, int]:
        s, ua = await logged_in(wiki, "sender", "cancel")
        for timeout in (0.001, 0.01, 0.05):
            try:
                await asyncio.wait_for(s.get_options(), timeout)
            except asyncio.TimeoutError:
                pass
        subject = f"mwkit py async after cancel {nonce()}"
        result = await s.email_user(wiki.user("recipient")["name"], subject, "still working")
        return result, subject, len(await s.emailable([wiki.user("recipient")["name"]]))

    result, subject, checked = asyncio.run(main())
    assert result.result == "Success" and checked == 1
    assert len(wiki.wait_for_mails(lambda x: x == subject, 1)) == 1


def test_async_with_logs_out_and_every_operation_works(wiki):
    u = wiki.user("sessions")

    async def main() -> mwkit.AsyncSession:
        async with mwkit.AsyncSession(wiki.api_url, user_agent="mwkit-pytest/async-ctx") as s:
            assert isinstance(s, mwkit.AsyncSession)
            assert await s.login(u["bot_name"], u["bot_password"]) == u["name"]
            assert s.user == u["name"]
            changed = await s.set_options({"userjs-py-async": "yes", "gender": "male"})
            assert isinstance(changed, mwkit.OptionsResult) and changed.rejected == {}
            options = await s.get_options()
            assert options["userjs-py-async"] == "yes" and options["gender"] == "male"
            await s.reset_options(("registered",))
            assert (await s.get_options())["gender"] == "unknown"
            states = await s.emailable_states([wiki.user("recipient")["name"], f"NoSuch{nonce()}"])
            assert sorted(states.values()) == ["emailable", "missing"]
            answer = await s.request({"action": "query", "meta": "userinfo"})
            assert answer["query"]["userinfo"]["name"] == u["name"]
        assert s.user is None
        answer = await s.request({"action": "query", "meta": "userinfo"})
        assert "anon" in answer["query"]["userinfo"], "logged out"
        assert await s.close() == []  # not logged in: nothing to do
        return s

    s = asyncio.run(main())
    assert "AsyncSession(api_url=" in repr(s)


def test_a_reset_mail_arrives_and_its_password_logs_in(wiki):
    user, address = wiki.user("reset2")["name"], wiki.user("reset2")["email"]
    before = wiki.max_seq()
    anonymous, _ = session(wiki.api_url, "reset")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a write's warnings are returned, never issued
        assert asyncio.run(anonymous.reset_password(user=user)) == []
    temp = temporary_password(wiki.wait_for_mail_to(address, before))
    new = f"New-{nonce()}-pw"

    async def main() -> None:
        s, _ = session(wiki.api_url, "reset-login")
        with pytest.raises(mwkit.LoginError) as caught:
            await s.client_login(user, temp)
        assert caught.value.needs_new_password
        assert await s.client_login(user, temp, new_password=new) == user
        assert await s.logout() == []
        assert s.user is None

    asyncio.run(main())


def test_reads_warn_and_writes_return_their_warnings(wiki):
    async def main() -> None:
        s, _ = await logged_in(wiki, "sender", "warn")
        with pytest.warns(mwkit.MediaWikiWarning, match="unrecognized"):
            await s.request({"action": "query", "meta": "userinfo", "nosuchparam": 1})
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(mwkit.MediaWikiWarning, match="unrecognized"):
                await s.request({"action": "query", "meta": "userinfo", "nosuchparam": 1})
            value = f"warned-{nonce()}"
            answer = await s.request({"action": "options", "change": f"userjs-py-async-warned={value}",
                                      "unknownparam": "x"}, post=True, token="csrf")
            assert answer["options"] == "success"
            assert "unknownparam" in str(answer["warnings"])
        assert (await s.get_options())["userjs-py-async-warned"] == value

    asyncio.run(main())


def test_calls_are_coroutines_that_start_when_awaited(wiki):
    u = wiki.user("sender")
    s, ua = session(wiki.api_url, "lazy")
    login = s.login(u["bot_name"], u["bot_password"])  # no loop runs yet
    assert inspect.iscoroutine(login)
    assert wiki.requests(ua) == [], "nothing is sent before the coroutine is awaited"
    assert asyncio.run(login) == u["name"]

    async def main() -> Dict[str, str]:
        task = asyncio.create_task(s.get_options())
        return await task

    assert "gender" in asyncio.run(main())


# Every method of AsyncSession that takes input, with input that
# mw-core refuses (the engine's own checks, or the binding's): (method,
# args, kwargs, the field the error names).
BAD_INPUT = [
    pytest.param("login", ("", "pw"), {}, "user name", id="login-no-name"),
    pytest.param("login", ("User@app", ""), {}, "password", id="login-no-password"),
    pytest.param("client_login", ("", "pw"), {}, "user name", id="client_login-no-name"),
    pytest.param("client_login", ("User", ""), {}, "password", id="client_login-no-password"),
    pytest.param("client_login", ("User", "pw"), {"new_password": ""}, "new password",
                 id="client_login-empty-new-password"),
    pytest.param("email_user", ("", "s", "t"), {}, "target", id="email_user-no-target"),
    pytest.param("email_user", ("A\nB", "s", "t"), {}, "target", id="email_user-line-break"),
    pytest.param("email_user", ("Bob", "s", " "), {}, "text", id="email_user-no-text"),
    pytest.param("emailable", ([],), {}, "names", id="emailable-no-names"),
    pytest.param("emailable", (["Bob", " "],), {}, "user name", id="emailable-empty-name"),
    pytest.param("emailable_states", (["a\x1fb"],), {}, "user name", id="emailable_states-u1f"),
    pytest.param("reset_password", (), {}, "user or email", id="reset_password-nothing"),
    pytest.param("set_options", ({},), {}, "options", id="set_options-nothing"),
    pytest.param("set_options", ({"a": "x\x1fy"},), {}, "option value", id="set_options-u1f"),
    pytest.param("set_options", ({"": "x"},), {}, "option name", id="set_options-empty-name"),
    pytest.param("set_options", ({"userjs-a b": "x"},), {}, "option name", id="set_options-userjs-name"),
    pytest.param("set_options", ({"x" * 256: "x"},), {}, "option name", id="set_options-long-name"),
    pytest.param("reset_options", ((),), {}, "reset kinds", id="reset_options-no-kinds"),
    pytest.param("reset_options", (("a|b",),), {}, "reset kind", id="reset_options-bad-kind"),
    pytest.param("request", ({"meta": "siteinfo"},), {}, "action", id="request-no-action"),
    pytest.param("request", ({"action": "logout"},), {"post": True}, "action", id="request-session-action"),
    pytest.param("request", ({"action": "query", "format": "xml"},), {}, "format", id="request-reserved"),
    pytest.param("request", ({"action": "query"},), {"token": "csrf"}, "token", id="request-token-on-get"),
    pytest.param("request", ({"action": "query"},), {"post": True, "token": "login"}, "token",
                 id="request-unknown-token"),
]


def bad_call(s: Any, method: str, args: tuple, kwargs: dict) -> mwkit.InvalidInputError:
    """The InvalidInputError a method call raises at once: called with no
    event loop running, and never awaited."""
    with warnings.catch_warnings():
        # A coroutine made and dropped unawaited would warn; none may be made.
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(mwkit.InvalidInputError) as caught:
            getattr(s, method)(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize("method, args, kwargs, field", BAD_INPUT)
def test_bad_input_raises_at_the_call_as_session_s_does_and_sends_nothing(wiki, method, args, kwargs, field):
    s, ua = session(wiki.api_url, "bad-input")
    err = bad_call(s, method, args, kwargs)
    assert isinstance(err, ValueError)
    assert err.field == field and err.kind == "invalid_input"
    assert err.outcome_unknown is False
    # The very error Session raises for the same call.
    sync, sync_ua = wiki.session("bad-input-sync")
    with pytest.raises(mwkit.InvalidInputError) as sync_caught:
        getattr(sync, method)(*args, **kwargs)
    assert (str(err), err.field) == (str(sync_caught.value), sync_caught.value.field)
    assert wiki.requests(ua) == [] and wiki.requests(sync_ua) == [], "nothing reached the wiki"


def test_bad_input_of_a_logged_in_session_raises_at_the_call_and_sends_nothing(wiki):
    async def login() -> Tuple[mwkit.AsyncSession, str]:
        return await logged_in(wiki, "sender", "bad-input-logged-in")

    s, ua = asyncio.run(login())
    before = len(wiki.requests(ua))
    for param in BAD_INPUT:
        method, args, kwargs, field = param.values
        assert bad_call(s, method, args, kwargs).field == field, param.id
    assert len(wiki.requests(ua)) == before, "nothing reached the wiki"

    async def still_works() -> Dict[str, str]:
        return await s.get_options()

    assert "gender" in asyncio.run(still_works()), "the session is untouched"
    assert s.user == wiki.user("sender")["name"]


def test_a_token_on_a_get_is_refused_at_the_call_and_nothing_is_sent(wiki):
    async def login() -> Tuple[mwkit.AsyncSession, str]:
        return await logged_in(wiki, "sender", "token-get")

    s, ua = asyncio.run(login())
    before = len(wiki.requests(ua))
    err = bad_call(s, "request", ({"action": "query", "meta": "userinfo"},), {"post": False, "token": "csrf"})
    assert err.field == "token" and "POST" in str(err)
    assert len(wiki.requests(ua)) == before


@pytest.mark.parametrize("method, args, kwargs", [
    pytest.param("login", ("User@app", "pw"), {}, id="login"),
    pytest.param("client_login", ("User", "pw"), {}, id="client_login"),
    pytest.param("request", ({"action": "query", "lgpassword": "pw"},), {"post": True}, id="request"),
])
def test_a_password_over_plain_http_to_another_host_is_refused_at_the_call(method, args, kwargs):
    # Sending would fail to connect (no such host): the InvalidInputError
    # shows that nothing was sent.
    url = "http://wiki.invalid/w/api.php"
    s, _ = session(url)
    err = bad_call(s, method, args, kwargs)
    assert err.field == "api url" and "plain http://" in str(err)
    with pytest.raises(mwkit.InvalidInputError) as sync_caught:
        getattr(mwkit.Session(url, user_agent="mwkit-pytest/0"), method)(*args, **kwargs)
    assert str(sync_caught.value) == str(err)
    # Allowed, the call is made (and fails to connect when awaited).
    allowed = mwkit.AsyncSession(url, user_agent="mwkit-pytest/0", allow_insecure_credentials=True,
                                 connect_timeout=2.0)
    assert inspect.iscoroutine(coroutine := getattr(allowed, method)(*args, **kwargs))
    coroutine.close()


def test_bad_input_to_the_stand_in_sends_nothing(stand_in):
    # A loopback server that counts what it gets: not one request.
    server = stand_in([])
    s, _ = session(server.url)
    for param in BAD_INPUT:
        method, args, kwargs, field = param.values
        assert bad_call(s, method, args, kwargs).field == field, param.id
    time.sleep(0.2)
    assert server.requests == []
