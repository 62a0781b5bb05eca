"""mwkit against a loopback stand-in server that answers what the real wiki
cannot be made to (a 502 in the middle of an options change, a 503 with
Retry-After to a mail), counting the requests it gets. No test wiki needed."""

from __future__ import annotations

import time
from typing import List

import pytest

import mwkit
from conftest import TOKENS

OPTIONS_SUCCESS = '{"options":"success"}'

def session(url: str) -> mwkit.Session:
    return mwkit.Session(url, user_agent="mwkit-pytest/standin", timeout=5.0)


def changed_names(form: dict) -> List[str]:
    """The option names of an action=options request's ``change``."""
    change = form["change"][0]
    items = change[1:].split("\x1f") if change.startswith("\x1f") else change.split("|")
    return [item.split("=", 1)[0] for item in items]


def test_an_options_change_failing_partway_says_what_was_applied(stand_in):
    server = stand_in([
        (200, [], TOKENS),
        (200, [], OPTIONS_SUCCESS),
        (502, [("Retry-After", "9")], "<html>bad gateway</html>"),
        (200, [], OPTIONS_SUCCESS),
    ])
    names = [f"userjs-standin-{i:03d}" for i in range(120)]
    with pytest.raises(mwkit.TransportError) as caught:
        session(server.url).set_options({name: f"v{i}" for i, name in enumerate(names)})
    err = caught.value
    assert err.outcome_unknown is True
    assert err.stage == "outcome_unknown" and err.http_status == 502
    assert err.applied == names[:50]
    assert err.unknown == names[50:100]
    assert err.not_applied == names[100:]
    assert err.rejected == {}
    assert err.warnings == []
    assert err.retry_after == 9.0
    assert isinstance(err.__cause__, mwkit.TransportError) and err.__cause__.http_status == 502
    assert "applied" in str(err)
    # What the stand-in got: the first two batches, the third never sent.
    posts = server.posts()
    assert [changed_names(form) for form in posts] == [names[:50], names[50:100]]


def test_an_error_of_no_options_change_has_no_partial_fields():
    with pytest.raises(mwkit.InvalidInputError) as caught:
        session("http://127.0.0.1:9/api.php").set_options({"a": "x\x1fy"})
    err = caught.value
    assert (err.applied, err.not_applied, err.unknown, err.rejected) == (None, None, None, None)
    assert err.retry_after is None and err.outcome_unknown is False


def test_a_503_to_an_email_is_outcome_unknown_with_its_retry_after_and_sent_once(stand_in):
    server = stand_in([
        (200, [], TOKENS),
        (503, [("Retry-After", "7")], "busy"),
        (200, [], '{"emailuser":{"result":"Success"}}'),
    ])
    with pytest.raises(mwkit.TransportError) as caught:
        session(server.url).email_user("Bob", "subject", "text")
    err = caught.value
    assert err.outcome_unknown is True
    assert err.stage == "outcome_unknown" and err.http_status == 503
    assert err.retry_after == 7.0
    assert err.applied is None and err.not_applied is None and err.unknown is None and err.rejected is None
    assert len(server.posts()) == 1


def test_a_retry_after_date_becomes_seconds_from_now(stand_in):
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 120))
    server = stand_in([(200, [], TOKENS), (503, [("Retry-After", later)], "busy")])
    with pytest.raises(mwkit.TransportError) as caught:
        session(server.url).email_user("Bob", "subject", "text")
    assert 100.0 < caught.value.retry_after <= 121.0
    assert len(server.posts()) == 1
