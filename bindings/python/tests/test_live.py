"""mwkit against the real test wiki: every operation, with its effect read
back where it lands (the mail in the sink, the option read back, the
temporary password that logs in), and every exception where it belongs."""

from __future__ import annotations

import threading
import warnings

import pytest

import mwkit
from conftest import EMAIL_REFUSALS, nonce, temporary_password

AWKWARD = "ünï©ødé ✓ | pipe = equals & amp + plus % percent\nsecond line"


def test_email_user_delivers_exactly_one_mail_with_cc_off(wiki):
    s, ua = wiki.logged_in("sender", "email")
    subject = f"mwkit py {nonce()} Grüße | a=b & c+d %"
    result = s.email_user(wiki.user("recipient")["name"], subject, AWKWARD)
    assert isinstance(result, mwkit.EmailResult)
    assert result.result == "Success"
    assert result.warnings == []
    mails = wiki.wait_for_mails(lambda x: x == subject, 1)
    assert len(mails) == 1
    assert mails[0]["text"] == AWKWARD
    assert mails[0]["rcpt_to"] == [wiki.user("recipient")["email"]]
    assert len(wiki.requests(ua)) == 4  # login: 3, email: 1


def test_cc_me_delivers_a_copy(wiki):
    s, _ = wiki.logged_in("sender", "cc")
    subject = f"mwkit py cc {nonce()}"
    s.email_user(wiki.user("recipient")["name"], subject, "copy please", cc_me=True)
    mails = wiki.wait_for_mails(lambda x: x.endswith(subject), 2)
    assert {m["rcpt_to"][0] for m in mails} == {wiki.user("recipient")["email"], wiki.user("sender")["email"]}


@pytest.mark.parametrize("sender,target,kind", EMAIL_REFUSALS)
def test_each_email_refusal_has_its_kind_on_every_version_and_delivers_nothing(wiki, sender, target, kind):
    s = wiki.logged_in(sender, "refused")[0] if sender else wiki.session("refused-anon")[0]
    subject = f"mwkit py refused {kind} {nonce()}"
    with pytest.raises(mwkit.ApiError) as caught:
        s.email_user(wiki.target(target), subject, "must not arrive")
    err = caught.value
    assert err.kind == kind
    # The wiki's own code: 1.39 and 1.43 spell most of them differently.
    assert isinstance(err.code, str) and err.code
    assert err.outcome_unknown is False
    assert err.http_status == 200 and err.info and err.module == "emailuser"
    assert isinstance(err, mwkit.MwError)
    assert wiki.wait_for_mails(lambda x: x == subject, 0) == []


def test_a_partial_block_that_spares_email_sends_the_mail(wiki):
    # Blocked from the Talk namespace only: email is not part of the block.
    s, _ = wiki.logged_in("partial_blocked", "partial")
    subject = f"mwkit py partial block {nonce()}"
    result = s.email_user(wiki.user("recipient")["name"], subject, "a partial block spares email")
    assert result.result == "Success"
    mails = wiki.wait_for_mails(lambda x: x == subject, 1)
    assert len(mails) == 1
    assert mails[0]["rcpt_to"] == [wiki.user("recipient")["email"]]


def test_emailable_maps_every_name_to_a_bool(wiki):
    s, _ = wiki.logged_in("sender", "emailable")
    missing = f"NoSuchUser{nonce()}"
    names = [wiki.user("recipient")["name"], wiki.user("no_address")["name"], wiki.user("no_mail")["name"], missing]
    assert s.emailable(names) == {names[0]: True, names[1]: False, names[2]: False, missing: False}


def test_set_options_reads_back_and_reports_dropped_options(wiki):
    s, _ = wiki.logged_in("sender", "options")
    run = nonce()
    changes = {f"userjs-py-{i}": f"{run}|{i}=ü&\n" for i in range(55)}
    changes["gender"] = "female"
    changes[f"py-unknown-{run}"] = "1"
    result = s.set_options(changes)
    assert isinstance(result, mwkit.OptionsResult)
    assert list(result.rejected) == [f"py-unknown-{run}"]
    assert result.rejected[f"py-unknown-{run}"].code == "validationfailed"
    options = s.get_options()
    for name, value in changes.items():
        if not name.startswith("py-unknown"):
            assert options[name] == value
    s.set_options({"gender": None})  # None resets to the default
    assert s.get_options()["gender"] == "unknown"


def test_reset_options_resets_everything(wiki):
    s, _ = wiki.logged_in("sessions", "reset-options")
    s.set_options({"userjs-py-reset": "x", "gender": "male"})
    s.reset_options()
    options = s.get_options()
    assert "userjs-py-reset" not in options and options["gender"] == "unknown"


def test_a_reset_mail_logs_in_with_a_new_password(wiki):
    user, address = wiki.user("reset2")["name"], wiki.user("reset2")["email"]
    anonymous, _ = wiki.session("reset")
    before = wiki.max_seq()
    anonymous.reset_password(user=user)
    first = wiki.wait_for_mail_to(address, before)
    anonymous.reset_password(email=address)
    mail = wiki.wait_for_mail_to(address, first["seq"])
    temp = temporary_password(mail)

    s, _ = wiki.session("reset-login")
    with pytest.raises(mwkit.LoginError) as caught:
        s.client_login(user, temp)
    assert caught.value.needs_new_password and caught.value.result == "UI"
    new = f"New-{nonce()}-pw"
    s2, _ = wiki.session("reset-login")
    assert s2.client_login(user, temp, new_password=new) == user
    s3, _ = wiki.session("reset-login")
    assert s3.client_login(user, new) == user
    assert s3.user == user


def test_reset_password_needs_user_or_email_before_sending(wiki):
    s, ua = wiki.session("reset-invalid")
    with pytest.raises(mwkit.InvalidInputError) as caught:
        s.reset_password()
    assert isinstance(caught.value, ValueError)
    assert wiki.requests(ua) == []


def test_a_wrong_bot_password_raises_login_error_with_the_reason(wiki):
    s, _ = wiki.session("wrong")
    with pytest.raises(mwkit.LoginError) as caught:
        s.login(wiki.user("sender")["bot_name"], "not-the-password")
    err = caught.value
    assert (err.result, err.code) == ("Failed", "wrongpassword")
    assert "Incorrect username or password" in err.reason
    assert "not-the-password" not in repr(err) + str(err)


def test_transport_errors_say_whether_the_outcome_is_unknown():
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    s = mwkit.Session(f"http://127.0.0.1:{port}/api.php", user_agent="mwkit-pytest/0")
    with pytest.raises(mwkit.TransportError) as caught:
        s.email_user("Bob", "s", "t")
    assert caught.value.stage == "connect" and caught.value.outcome_unknown is False


def test_an_answer_that_is_not_json_raises_decode_error(wiki):
    # load.php answers any query with JavaScript and a 200.
    s = mwkit.Session(wiki.api_url.replace("api.php", "load.php"), user_agent="mwkit-pytest/0")
    with pytest.raises(mwkit.DecodeError) as caught:
        s.get_options()
    assert caught.value.snippet and caught.value.http_status == 200


def test_request_reaches_any_action_and_warnings_are_not_hidden(wiki):
    s, _ = wiki.logged_in("sender", "raw")
    answer = s.request({"action": "query", "meta": "userinfo", "uiprop": "options"})
    assert answer["query"]["userinfo"]["name"] == wiki.user("sender")["name"]
    with pytest.warns(mwkit.MediaWikiWarning, match="unrecognized"):
        s.request({"action": "query", "meta": "userinfo", "nosuchparam": 1})
    with pytest.raises(mwkit.ApiError) as caught:
        s.request({"action": "emailuser", "target": "x"}, post=True, token="csrf")
    assert caught.value.kind == "missing_param"


def test_a_token_on_a_get_is_refused_before_sending(wiki):
    # MediaWiki reads no token from a query string: a csrf token on a GET
    # would be dropped or leak into a URL, so mw-core refuses it.
    s, ua = wiki.logged_in("sender", "token-get")
    before = len(wiki.requests(ua))
    with pytest.raises(mwkit.InvalidInputError) as caught:
        s.request({"action": "query", "meta": "userinfo"}, post=False, token="csrf")
    assert caught.value.field == "token" and "POST" in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert len(wiki.requests(ua)) == before
    # The same request as a POST carries the token and is answered.
    answer = s.request({"action": "query", "meta": "userinfo"}, post=True, token="csrf")
    assert answer["query"]["userinfo"]["name"] == wiki.user("sender")["name"]


def test_wrong_types_raise_type_error_never_a_crash(wiki):
    s, ua = wiki.session("types")
    bad_calls = [
        lambda: s.email_user(1, "s", "t"),
        lambda: s.email_user("a", "s", "t", cc_me="yes"),
        lambda: s.emailable("just-a-string"),
        lambda: s.emailable([1, 2]),
        lambda: s.set_options(["not", "a", "mapping"]),
        lambda: s.set_options({"gender": 5}),
        lambda: s.set_options({1: "x"}),
        lambda: s.request({"action": "query", "flag": True}),
        lambda: s.request({"action": "query", "x": 1.5}),
        lambda: mwkit.Session(None, user_agent="x"),
    ]
    for call in bad_calls:
        with pytest.raises(TypeError):
            call()
    with pytest.raises(mwkit.InvalidInputError):
        mwkit.Session(wiki.api_url, user_agent="bad\r\nua")
    with pytest.raises(mwkit.InvalidInputError):
        mwkit.Session(wiki.api_url, user_agent="ua", timeout=-1)
    with pytest.raises(mwkit.InvalidInputError):
        s.email_user("", "s", "t")
    with pytest.raises(mwkit.InvalidInputError):
        s.set_options({"a": "x\x1fy"})
    assert wiki.requests(ua) == []


def test_one_session_shared_by_threads(wiki):
    s, ua = wiki.logged_in("sender", "threads")
    run = nonce()
    errors = []

    def send(t: int) -> None:
        try:
            for i in range(5):
                s.email_user(wiki.user("recipient")["name"], f"mwkit py threads {run} {t}-{i}", "threads")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=send, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    mails = wiki.wait_for_mails(lambda x: x.startswith(f"mwkit py threads {run} "), 30)
    assert len(mails) == 30
    assert len({m["subject"] for m in mails}) == 30


def test_the_gil_is_released_during_network_calls(wiki):
    s, _ = wiki.logged_in("sender", "gil")
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        for _ in range(10):
            s.get_options()
    finally:
        done.set()
        counter.join()
    assert ticks > 1000, "a Python thread ran while the session waited on the network"


def test_a_session_is_a_context_manager_that_logs_out(wiki):
    u = wiki.user("sender")
    with mwkit.Session(wiki.api_url, user_agent="mwkit-pytest/ctx") as s:
        s.login(u["bot_name"], u["bot_password"])
        assert s.user == u["name"]
    assert s.user is None
    assert "Session(api_url=" in repr(s)


def test_login_warnings_are_issued_as_python_warnings(wiki):
    s, _ = wiki.session("main-login")
    u = wiki.user("reset4")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s.login(u["name"], u["password"])  # main-account action=login: deprecated
    assert any(issubclass(w.category, mwkit.MediaWikiWarning) and "deprecation" in str(w.message) for w in caught)


def test_no_password_or_token_shows_in_reprs_or_errors(wiki):
    u = wiki.user("sender")
    s, _ = wiki.logged_in("sender", "secrets")
    token = s.request({"action": "query", "meta": "tokens"})["query"]["tokens"]["csrftoken"]
    for shown in (repr(s), str(s)):
        assert u["bot_password"] not in shown and token not in shown
    bad, _ = wiki.session("secrets")
    for call in (lambda: bad.login(u["bot_name"], "PW-S3CRET-py"),
                 lambda: bad.client_login(u["name"], "PW-S3CRET-py", new_password="NEW-S3CRET-py")):
        with pytest.raises(mwkit.LoginError) as caught:
            call()
        err = caught.value
        for shown in (repr(err), str(err), repr(vars(err)), repr(err.args)):
            assert "S3CRET" not in shown, shown


def test_reset_options_by_kind_and_refusing_no_kinds(wiki):
    s, ua = wiki.logged_in("sessions", "reset-kinds")
    s.set_options({"gender": "male", "userjs-py-kind": "kept"})
    s.reset_options(("registered",))
    options = s.get_options()
    assert options["gender"] == "unknown" and options["userjs-py-kind"] == "kept"
    before = len(wiki.requests(ua))
    with pytest.raises(mwkit.InvalidInputError):
        s.reset_options(())
    assert len(wiki.requests(ua)) == before


def warning_texts(answer: dict) -> str:
    return " ".join(str(w.get("text", "")) for w in answer.get("warnings", []))


def test_a_posted_options_change_with_a_warning_returns_under_an_error_filter(wiki):
    s, _ = wiki.logged_in("sender", "warn-options")
    value = f"warned-{nonce()}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # python -W error: a warning issued would raise
        answer = s.request({"action": "options", "change": f"userjs-py-warned={value}",
                            "unknownparam": "x"}, post=True, token="csrf")
    assert answer["options"] == "success"
    assert "unknownparam" in warning_texts(answer)
    assert s.get_options()["userjs-py-warned"] == value  # the change landed


def test_a_posted_email_with_a_warning_returns_under_an_error_filter(wiki):
    s, _ = wiki.logged_in("sender", "warn-email")
    subject = f"mwkit py warned {nonce()}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        answer = s.request({"action": "emailuser", "target": wiki.user("recipient")["name"],
                            "subject": subject, "text": "warned", "nosuchparam": "1"},
                           post=True, token="csrf")
    assert answer["emailuser"]["result"] == "Success"
    assert "nosuchparam" in warning_texts(answer)
    assert len(wiki.wait_for_mails(lambda x: x == subject, 1)) == 1  # the mail went out


def test_writes_return_their_warnings_instead_of_issuing_them(wiki):
    s, _ = wiki.logged_in("sessions", "warn-results")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.set_options({"userjs-py-results": "x", "gender": "male"})
        result = s.reset_options(("registered",))
        assert isinstance(result, mwkit.OptionsResult) and result.warnings == []
        assert s.logout() == []
        assert s.user is None
        assert s.close() == []  # no longer logged in: nothing to do
    assert wiki.logged_in("sessions", "warn-results")[0].get_options()["gender"] == "unknown"
    anonymous, _ = wiki.session("warn-reset")
    before = wiki.max_seq()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert anonymous.reset_password(user=wiki.user("reset2")["name"]) == []
    assert "Temporary password" in wiki.wait_for_mail_to(wiki.user("reset2")["email"], before)["text"]


def test_a_read_with_a_warning_still_raises_under_an_error_filter(wiki):
    s, _ = wiki.logged_in("sender", "warn-read")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(mwkit.MediaWikiWarning, match="unrecognized"):
            s.request({"action": "query", "meta": "userinfo", "nosuchparam": 1})


def test_api_errors_carry_the_common_fields(wiki):
    s, _ = wiki.logged_in("sender", "fields")
    with pytest.raises(mwkit.ApiError) as caught:
        s.email_user(wiki.user("no_address")["name"], f"fields {nonce()}", "no")
    err = caught.value
    assert err.outcome_unknown is False and err.retry_after is None
    assert (err.applied, err.not_applied, err.unknown, err.rejected) == (None, None, None, None)
    assert err.warnings == []
