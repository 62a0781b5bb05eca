"""Ctrl-C: a blocking Session call is interrupted at once, whatever its
timeouts, and the session stays usable; a write that was on its way is
never sent again, and a WARNING record says its outcome is unknown.

Each client runs in a subprocess that the test sends SIGINT to, one second
into the call, through a loopback relay to the test wiki that holds the
request or its answer (see conftest's Relay)."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time

import pytest

from conftest import Rule, action_is, nonce

# The client: logs in (unless the call interrupted is the login), says
# "calling", makes the call, says how it ended and how long it took, then
# sends one mail with the same session (logging in first after an
# interrupted login). Logging goes to stderr from WARNING up.
CHILD = r"""
import json, logging, signal, sys, time
import mwkit

# Python leaves SIGINT ignored when it starts with it ignored (a background
# job of a shell without job control): Ctrl-C's handler, whatever the runner.
signal.signal(signal.SIGINT, signal.default_int_handler)
logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                    format="%(levelname)s %(name)s %(threadName)s %(message)s")
cfg = json.loads(sys.argv[1])
s = mwkit.Session(cfg["url"], user_agent=cfg["ua"], timeout=60.0, read_timeout=60.0)
if cfg["op"] not in ("login", "wait"):
    s.login(cfg["bot"], cfg["password"])

def call():
    if cfg["op"] == "get_options":
        s.get_options()
    elif cfg["op"] == "email_user":
        s.email_user(cfg["target"], cfg["subject"], "interrupted")
    elif cfg["op"] == "wait":
        s.request({"action": "query", "meta": "siteinfo"})
    elif cfg["op"] == "set_options":
        s.set_options(cfg["changes"])
    else:
        s.login(cfg["bot"], cfg["password"])

print("calling", flush=True)
started = time.monotonic()
try:
    call()
    print("returned", flush=True)
except KeyboardInterrupt as e:
    took = time.monotonic() - started
    print("interrupted", took, json.dumps(getattr(e, "__notes__", [])), flush=True)
    if cfg["op"] == "set_options":
        names = {k: getattr(e, k, "missing")
                 for k in ("applied", "unknown", "not_applied", "rejected", "rejected_unnamed")}
        # On stderr: the test reads stdout line by line only to here.
        print("names", json.dumps(names, default=str), file=sys.stderr, flush=True)
if cfg.get("after_subject"):
    if cfg["op"] == "login":
        s.login(cfg["bot"], cfg["password"])
    result = s.email_user(cfg["target"], cfg["after_subject"], "after the interrupt")
    print("sent", result.result, flush=True)
time.sleep(cfg.get("linger", 0))
"""


def read_line(proc: subprocess.Popen, seconds: float) -> str:
    readable, _, _ = select.select([proc.stdout], [], [], seconds)
    assert readable, f"no line from the client within {seconds} s"
    return proc.stdout.readline()


def interrupt(cfg: dict) -> "tuple[float, float, list, str, str]":
    """Runs the client, sends it SIGINT one second into its call; returns
    how long the call took in the client, how long after the signal the
    test saw it end, the exception's notes, and the client's stdout and
    stderr."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(cfg)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert read_line(proc, 30) == "calling\n"
        time.sleep(1.0)
        signalled = time.monotonic()
        proc.send_signal(signal.SIGINT)
        line = read_line(proc, 10)
        seen = time.monotonic() - signalled
        assert line.startswith("interrupted "), line
        _, took, notes = line.split(" ", 2)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, err
    return float(took), seen, json.loads(notes), out, err


def config(wiki, url: str, op: str, **more) -> dict:
    u = wiki.user("sender")
    return dict(url=url, op=op, ua=f"mwkit-pytest/interrupt-{nonce()} (tests@mwkit.test)",
                bot=u["bot_name"], password=u["bot_password"],
                target=wiki.user("recipient")["name"], **more)


# What the relay never answers (nor forwards) for each call: the options
# read, the mail itself, the login's password step.
NEVER_ANSWERED = {
    "get_options": lambda m, f: f.get("uiprop") == ["options"],
    "email_user": action_is("emailuser"),
    "login": action_is("login"),
}


@pytest.mark.parametrize("op", sorted(NEVER_ANSWERED))
def test_ctrl_c_interrupts_a_call_at_once_and_the_session_sends_afterwards(wiki, relay, op):
    server = relay([Rule(NEVER_ANSWERED[op], hang=True)])
    subject, after = f"mwkit py interrupted {nonce()}", f"mwkit py after interrupt {nonce()}"
    took, seen, notes, out, err = interrupt(
        config(wiki, server.url, op, subject=subject, after_subject=after))
    assert 1.0 <= took < 1.5, took
    assert seen < 0.5, seen
    assert "sent Success" in out
    # The same session sent one mail afterwards; the one interrupted was
    # never forwarded, and never sent again.
    assert len(wiki.wait_for_mails(lambda s: s == after, 1)) == 1
    assert wiki.mails(lambda s: s == subject) == []
    emails = [form["subject"] for form in server.posts("emailuser")]
    if op == "email_user":
        assert emails == [[subject], [after]]
        # The mail was on its way: its outcome is unknown, and says so.
        assert "WARNING mwkit MainThread Session.email_user: interrupted (KeyboardInterrupt)" in err
        assert "outcome is unknown" in err
        assert any("outcome is unknown" in n for n in notes) or sys.version_info < (3, 11)
    else:
        assert emails == [[after]]
        assert "WARNING" not in err, err  # a read, or a login: nothing in doubt


def test_an_interrupted_mail_whose_answer_is_held_is_never_sent_again(wiki, relay):
    # The relay forwards the mail (the wiki sends it) and holds the answer
    # 3 s: the client is interrupted at 1 s; the answer reaches its sending
    # thread later, and is dropped. The client lingers past it.
    server = relay([Rule(action_is("emailuser"), hold=3.0)])
    subject, after = f"mwkit py held {nonce()}", f"mwkit py after held {nonce()}"
    took, seen, notes, out, err = interrupt(
        config(wiki, server.url, "email_user", subject=subject, after_subject=after, linger=4))
    assert took < 1.5 and seen < 0.5, (took, seen)
    assert "sent Success" in out
    assert len(wiki.wait_for_mails(lambda s: s == subject, 1)) <= 1
    assert len(wiki.wait_for_mails(lambda s: s == after, 1)) == 1
    assert [form["subject"] for form in server.posts("emailuser")] == [[subject], [after]]
    warnings = [line for line in err.splitlines() if line.startswith("WARNING mwkit")]
    assert len(warnings) == 1, err
    assert "Session.email_user" in warnings[0] and "outcome is unknown" in warnings[0]
    assert "does not send it again" in warnings[0]


def test_ctrl_c_interrupts_a_wait_the_wiki_asked_for(stand_in):
    # maxlag with Retry-After: 30 (under max_wait): the session waits, and
    # Ctrl-C ends the wait; nothing is sent again.
    maxlag = (200, [("MediaWiki-API-Error", "maxlag"), ("Retry-After", "30")],
              '{"error":{"code":"maxlag","info":"Waiting for a database server: 30 seconds lagged."}}')
    server = stand_in([maxlag, maxlag])
    took, seen, _, _, err = interrupt(
        dict(url=server.url, op="wait", ua="mwkit-pytest/wait", bot="", password=""))
    assert took < 1.5 and seen < 0.5, (took, seen)
    assert "WARNING" not in err
    assert len(server.requests) == 1


def test_ctrl_c_in_an_options_change_of_several_requests_names_what_was_applied(wiki, relay):
    # 110 options: requests of 50, 50 and 10. The relay lets the first
    # through and holds the second, never forwarded: Ctrl-C comes while it is
    # on its way. The KeyboardInterrupt carries the names, as an incomplete
    # change's error does.
    run = nonce()
    names = [f"userjs-int-{run}-{i}" for i in range(110)]

    def second(method: str, form: dict) -> bool:
        return form.get("action") == ["options"] and any(
            f"{names[50]}=" in v for v in form.get("change", []))

    server = relay([Rule(second, hang=True)])
    _, _, notes, _, err = interrupt(
        config(wiki, server.url, "set_options", changes={n: "v" for n in names}))
    line = next(l for l in err.splitlines() if l.startswith("names "))
    got = json.loads(line[len("names "):])
    assert got["applied"] == names[:50]
    assert got["unknown"] == names[50:100]
    assert got["not_applied"] == names[100:]
    assert got["rejected"] == {} and got["rejected_unnamed"] == []
    assert any("outcome is unknown" in n for n in notes) or sys.version_info < (3, 11)
    # Where it lands: the first 50 are set, none of the others.
    s, _ = wiki.logged_in("sender")
    options = s.get_options()
    assert [n for n in names if options.get(n) == "v"] == names[:50]
    s.set_options({n: None for n in names[:50]})
