"""fork (multiprocessing's "fork" start method, the prefork servers): a
child makes and uses new Sessions and AsyncSessions whatever the parent did,
an async call in flight at the fork included. A parent's Session works in
the child on connections of its own; a parent's AsyncSession, or a Session
with a call in progress at the fork, raises RuntimeError."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time
import warnings

import pytest

import mwkit
from conftest import Delayed, nonce

SITEINFO = '{"batchcomplete":true,"query":{"general":{"sitename":"stand-in"}}}'


def child(api_url: str, user: dict, target: str, tag: str, index: int,
          parents: "tuple[mwkit.Session, mwkit.AsyncSession]", results) -> None:
    started = time.monotonic()
    report = {"index": index}
    try:
        s = mwkit.Session(api_url, user_agent=f"mwkit-pytest/fork-{index}")
        s.login(user["bot_name"], user["bot_password"])
        report["sync"] = s.email_user(target, f"{tag} sync {index}", "from a forked child").result

        async def main() -> str:
            a = mwkit.AsyncSession(api_url, user_agent=f"mwkit-pytest/fork-async-{index}")
            await a.login(user["bot_name"], user["bot_password"])
            return (await a.email_user(target, f"{tag} async {index}", "from a forked child")).result

        report["async"] = asyncio.run(main())
        # The parent's objects: its Session on connections of its own,
        # its AsyncSession refused.
        parent_sync, parent_async = parents
        report["parent_sync"] = parent_sync.emailable([target])
        try:
            parent_async.get_options()
            report["parent_async"] = "no error"
        except RuntimeError as e:
            report["parent_async"] = str(e)
    except BaseException as e:  # noqa: BLE001 - everything goes back to the test
        report["error"] = repr(e)
    report["seconds"] = time.monotonic() - started
    results.put(report)


def test_forked_children_send_with_new_sessions_while_an_async_call_is_in_flight(wiki, stand_in):
    user, target = wiki.user("sender"), wiki.user("recipient")["name"]
    tag = f"mwkit py fork {nonce()}"
    slow = stand_in([Delayed(3.0, (200, [], SITEINFO))])
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()

    async def parent() -> "tuple[dict, list]":
        s, _ = wiki.logged_in("sender", "fork-parent")
        assert s.emailable([target]) == {target: True}
        a = mwkit.AsyncSession(wiki.api_url, user_agent="mwkit-pytest/fork-parent-async")
        await a.login(user["bot_name"], user["bot_password"])
        assert (await a.emailable([target])) == {target: True}
        waiting = mwkit.AsyncSession(slow.url, user_agent="mwkit-pytest/fork-slow")
        in_flight = asyncio.ensure_future(waiting.request({"action": "query", "meta": "siteinfo"}))
        await asyncio.sleep(0.5)
        assert not in_flight.done() and len(slow.requests) == 1  # in flight now
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a process with threads may
            # deadlock the child: what this test shows mwkit's do not.
            warnings.simplefilter("ignore", DeprecationWarning)
            children = [ctx.Process(target=child,
                                    args=(wiki.api_url, user, target, tag, i, (s, a), results))
                        for i in range(4)]
            for c in children:
                c.start()
        reports = [await asyncio.to_thread(results.get, True, 30) for _ in children]
        for c in children:
            await asyncio.to_thread(c.join, 10)
        # The parent goes on: the call in flight at the fork ends, and both
        # sessions still work.
        answer = await in_flight
        assert await a.emailable([target]) == {target: True}
        assert s.emailable([target]) == {target: True}
        return answer, reports

    answer, reports = asyncio.run(parent())
    assert answer["query"]["general"]["sitename"] == "stand-in"
    for report in sorted(reports, key=lambda r: r["index"]):
        assert "error" not in report, report
        assert report["sync"] == "Success" and report["async"] == "Success"
        assert report["parent_sync"] == {target: True}
        assert "cannot be used in process" in report["parent_async"], report
        assert report["seconds"] < 10, report
    mails = wiki.wait_for_mails(lambda subject: subject.startswith(tag), 8)
    assert sorted(m["subject"] for m in mails) == sorted(
        f"{tag} {kind} {i}" for kind in ("sync", "async") for i in range(4))


def _use_in_child(s: mwkit.Session, results) -> None:
    try:
        s.request({"action": "query", "meta": "siteinfo"})
        results.put("no error")
    except RuntimeError as e:
        results.put(str(e))


def test_a_session_with_a_call_in_progress_at_the_fork_is_refused_in_the_child(stand_in):
    server = stand_in([Delayed(2.0, (200, [], SITEINFO))])
    s = mwkit.Session(server.url, user_agent="mwkit-pytest/fork-busy")
    busy = threading.Thread(target=s.request, args=({"action": "query", "meta": "siteinfo"},))
    busy.start()
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        p = ctx.Process(target=_use_in_child, args=(s, results))
        p.start()
    message = results.get(True, 10)
    p.join(10)
    busy.join(10)
    assert "in use by another thread" in message and "make a new Session" in message
    assert len(server.requests) == 1  # the child sent nothing


@pytest.mark.parametrize("cls", [mwkit.Session, mwkit.AsyncSession])
def test_a_new_session_in_a_child_of_a_parent_that_never_used_one_works(cls, stand_in):
    server = stand_in([(200, [], SITEINFO)])
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()

    def use() -> None:
        session = cls(server.url, user_agent="mwkit-pytest/fork-new")
        call = session.request({"action": "query", "meta": "siteinfo"})
        answer = asyncio.run(call) if cls is mwkit.AsyncSession else call
        results.put(answer["query"]["general"]["sitename"])

    p = ctx.Process(target=use)
    p.start()
    assert results.get(True, 10) == "stand-in"
    p.join(10)
