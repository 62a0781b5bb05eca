"""mw-core's one table of error codes, walked through Python: every row the
Python side can raise comes out as the row's class with the row's name; the
timeout and connection rows are also the standard library's OSError kinds;
the defaults are the Rust client's."""

from __future__ import annotations

import socket
import threading
import time

import pytest

import mwkit
from mwkit import _native


def test_every_row_raises_its_class_with_its_name():
    seen = 0
    for name, c_value, c_name, python_class, stage, outcome_unknown in mwkit.ERROR_CODES:
        assert c_name.startswith("MW_ERR_") and c_value > 0
        exc = _native._example_error(name)
        if python_class is None or name == "unclassified":
            # C-only rows (NULL, a buffer too small, ...) and the fallback
            # have no error of their own in Rust.
            assert exc is None, name
            continue
        assert exc is not None, name
        assert type(exc).__name__ == python_class, (name, type(exc))
        assert isinstance(exc, getattr(mwkit, python_class))
        assert isinstance(exc, mwkit.MwError)
        assert exc.kind == name
        assert exc.outcome_unknown is outcome_unknown, name
        if isinstance(exc, mwkit.TransportError):
            assert exc.stage == name
        seen += 1
    assert seen == 42, "every API kind (26) and every stage or login kind Python can raise (16)"


def test_the_table_has_unique_names_and_values():
    names = [row[0] for row in mwkit.ERROR_CODES]
    values = [row[1] for row in mwkit.ERROR_CODES if row[0] != "login_session_lost"]
    assert len(set(names)) == len(names) and len(set(values)) == len(values)
    # A kind of refused login, which C callers catch as one.
    lost = next(row for row in mwkit.ERROR_CODES if row[0] == "login_session_lost")
    assert lost[1:] == (14, "MW_ERR_LOGIN_FAILED", "LoginError", "login", False)


def test_transport_errors_are_oserrors():
    connect = _native._example_error("connect")
    timeout = _native._example_error("timeout")
    assert isinstance(connect, ConnectionError) and isinstance(connect, OSError)
    assert not isinstance(connect, TimeoutError)
    assert isinstance(timeout, TimeoutError) and isinstance(timeout, mwkit.TransportTimeoutError)
    with pytest.raises(OSError):
        raise connect


def test_a_silent_server_times_out_as_a_timeout_error():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    held = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/api.php"
        s = mwkit.Session(url, "mwkit-pytest/0", read_timeout=1.0)
        started = time.monotonic()
        with pytest.raises(TimeoutError) as caught:
            s.get_options()
        assert time.monotonic() - started < 1.5
        assert caught.value.kind == "timeout" and caught.value.outcome_unknown is False
        # The email's token fetch (a read) times out first: nothing was sent.
        with pytest.raises(mwkit.TransportTimeoutError) as caught:
            s.email_user("Bob", "s", "t")
        assert caught.value.outcome_unknown is False
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def test_defaults_are_the_rust_clients():
    assert mwkit.DEFAULTS == {
        "timeout": 120.0,
        "read_timeout": 60.0,
        "connect_timeout": 10.0,
        "maxlag": 5,
        "retries": 3,
        "max_wait": 60.0,
        "max_response_bytes": 16 * 1024 * 1024,
    }
    with pytest.raises(mwkit.InvalidInputError):
        mwkit.Session("http://127.0.0.1:9/api.php", "mwkit-pytest/0", read_timeout=0)


def test_emailable_states_tell_the_four_states(wiki):
    s, _ = wiki.logged_in("sender", "emailable-states")
    missing = f"NoSuchUser{int(time.time() * 1000)}"
    names = [wiki.user("recipient")["name"], wiki.user("no_address")["name"], missing, "Bad<name>"]
    assert s.emailable_states(names) == {
        names[0]: "emailable",
        names[1]: "not_emailable",
        missing: "missing",
        "Bad<name>": "invalid",
    }
    assert s.emailable(names) == {names[0]: True, names[1]: False, missing: False, "Bad<name>": False}
