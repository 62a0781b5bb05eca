"""Sessions that act with an OAuth token (Extension:OAuth), Session and
AsyncSession alike: ``login_oauth2(access_token)``,
``login_oauth2_client(client_id, client_secret)`` and
``login_oauth1(consumer_key, consumer_secret, access_token, access_secret)``.

The live tests need a MediaWiki 1.43 test wiki with the extension
(wiki.json's ``oauth``: owner-only consumers of the account MwkitOAuth);
where it is null (1.39, or ../shared/oauth-ext missing) they skip, saying
so in one line. A test that disables or revokes a consumer makes a fresh
set first (``testwiki oauth new``), so the shared ones stay usable. The
input checks need no extension and run on every wiki.

Requests are seen through a loopback relay (conftest's ``Relay``, which
keeps the form of every request) and in the access log (by User-Agent)."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import multiprocessing
import os
import subprocess
import time
import urllib.parse
import urllib.request
import warnings
from typing import Any, Dict, List, Tuple, Union

import pytest

import mwkit
from conftest import ROOT, nonce

FACES = [pytest.param("sync", id="sync"), pytest.param("async", id="async")]
KINDS = [pytest.param("oauth2", id="oauth2"), pytest.param("oauth1", id="oauth1"),
         pytest.param("client_credentials", id="client_credentials")]

Session = Union[mwkit.Session, mwkit.AsyncSession]

# What the three logins send to the action API never includes these.
SESSION_ACTIONS = ("login", "logout", "clientlogin")


def done(answer: Any) -> Any:
    """A Session's answer as it is; an AsyncSession's coroutine run to its
    answer (each in a loop of its own: the session is bound to none)."""
    return asyncio.run(answer) if inspect.iscoroutine(answer) else answer


def oauth(wiki) -> Dict[str, Any]:
    """wiki.json's ``oauth``; the test is skipped when it is null."""
    made = wiki.state.get("oauth")
    if not made:
        why = ("MediaWiki 1.39 has none here" if wiki.series == "1.39" else
               "this wiki was made without it: ../shared/oauth-ext missing, or made before")
        pytest.skip(f"wiki.json oauth is null (the OAuth tests need a MediaWiki 1.43 test wiki "
                    f"with Extension:OAuth; {why})")
    return made


def oauth_command(wiki, *args: str) -> str:
    env = dict(os.environ, MWKIT_WIKI_DIR=wiki.state["wiki_dir"])
    out = subprocess.run([str(ROOT / "tests/wiki/testwiki"), "oauth", *args], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout


def fresh_oauth(wiki) -> Dict[str, Any]:
    """A set of consumers of the test's own (``testwiki oauth new``)."""
    oauth(wiki)
    return json.loads(oauth_command(wiki, "new"))


@pytest.fixture(scope="module")
def consumers(wiki) -> Dict[str, Any]:
    """wiki.json's ``oauth``, but for a client_credentials client of this
    module's own (``testwiki oauth new``). The wiki keeps one session per
    (consumer, owner), whose data a request with another token of the same
    client replaces, csrf token included: a shared client that other runs
    (other suites, at the same time) fetch tokens for would make this
    module's writes meet ``badtoken``. The OAuth 2 token and the OAuth 1.0a
    keys are one token each, and shared harmlessly."""
    made = oauth(wiki)
    return dict(made, client_credentials=fresh_oauth(wiki)["client_credentials"])


def new_session(wiki, face: str, tag: str, url: "str | None" = None) -> Tuple[Session, str]:
    ua = f"mwkit-pytest/oauth-{face}-{tag}-{nonce()} (tests@mwkit.test)"
    cls = mwkit.Session if face == "sync" else mwkit.AsyncSession
    return cls(url or wiki.api_url, user_agent=ua, timeout=30.0), ua


def login(s: Session, kind: str, made: Dict[str, Any]) -> Any:
    """The login of ``kind`` with the consumers ``made`` (a coroutine for an
    AsyncSession)."""
    if kind == "oauth2":
        return s.login_oauth2(made["oauth2_token"])
    if kind == "oauth1":
        return s.login_oauth1(**made["oauth1"])
    client = made["client_credentials"]
    return s.login_oauth2_client(client["client_id"], client["client_secret"])


def secrets_of(made: Dict[str, Any]) -> List[str]:
    """Every token and secret of a set of consumers (the consumer keys and
    client ids are public)."""
    return [made["oauth2_token"], made["oauth1"]["consumer_secret"],
            made["oauth1"]["access_token"], made["oauth1"]["access_secret"],
            made["client_credentials"]["client_secret"]]


def is_token_fetch(form: dict) -> bool:
    return form.get("grant_type") == ["client_credentials"]


def token_fetches(lines: List[str]) -> List[str]:
    return [line for line in lines if '"POST /rest.php/oauth2/access_token ' in line]


def api_lines(lines: List[str], method: str) -> List[str]:
    return [line for line in lines if f'"{method} /api.php' in line]


def relay_for(relay, kind: str):
    """A relay (keeping the form of every request) for a session of
    ``kind``; None for OAuth 1.0a, whose signature covers the URL the client
    sent to: the wiki checks it against its own URL, not the relay's."""
    return None if kind == "oauth1" else relay([])


def named_read(form) -> bool:
    """A read whose answer names the account it was read as (meta=userinfo:
    the options read, emailable): it asserts assert=user alone, and the
    client checks the name in the answer."""
    return form.get("meta") == ["userinfo"] and (
        form.get("uiprop") == ["options"] or form.get("list") == ["users"])


def check_relayed(server, owner: str, logins: int) -> None:
    """Every request the relay saw to the action API asserts the owner (by
    name, but for the reads whose answer names the account) but each
    login's one read (which learns the account, and the csrf token), and
    none is a login or a logout."""
    if server is None:
        return
    requests = [(m, f) for m, f in server.requests if not is_token_fetch(f)]
    for form in (f for _, f in requests if named_read(f)):
        assert form.get("assert") == ["user"] and "assertuser" not in form, form
    reads = [f for _, f in requests if "assertuser" not in f and not named_read(f)]
    assert len(reads) == logins, requests
    for form in reads:
        assert form.get("meta") == ["userinfo|tokens"] and form.get("type") == ["csrf"], form
    for method, form in requests:
        assert form.get("action", [""])[0] not in SESSION_ACTIONS, (method, form)
        assert not any("login" in value for value in form.get("type", [])), (method, form)
        if "assertuser" in form:
            assert form.get("assert") == ["user"] and form["assertuser"] == [owner], (method, form)


def check_logged(lines: List[str], owner: str, logins: int) -> None:
    """The same of the access log's lines, for what they show: every GET's
    URL asserts the owner (by name, but for the options read) but each
    login's one read; no login or logout."""
    gets = api_lines(lines, "GET")
    named = [line for line in gets if "meta=userinfo&uiprop=options" in line]
    for line in named:
        assert "&assert=user " in line, line
    reads = [line for line in gets if "&assertuser=" not in line and line not in named]
    assert len(reads) == logins, lines
    for line in reads:
        assert "meta=userinfo%7Ctokens" in line and "type=csrf" in line, line
    for line in gets:
        if line not in reads and line not in named:
            assert "&assert=user&" in line and f"&assertuser={owner} " in line, line
    for line in lines:
        for action in SESSION_ACTIONS:
            assert f"action={action}&" not in line, line


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("face", FACES)
def test_a_token_acts_as_its_owner_one_mail_and_an_option_read_back(
        wiki, relay, consumers, face, kind):
    made = consumers
    owner = made["owner"]
    server = relay_for(relay, kind)
    s, ua = new_session(wiki, face, kind, server and server.url)
    assert done(login(s, kind, made)) == owner
    assert s.user == owner
    assert f'user="{owner}"' in repr(s)

    subject = f"mwkit py oauth {kind} {face} {nonce()}"
    sent = done(s.email_user(wiki.user("recipient")["name"], subject, f"sent with {kind}"))
    assert sent.result == "Success"
    mails = wiki.wait_for_mails(lambda x: x == subject, 1)
    assert len(mails) == 1
    assert wiki.user(made["owner_role"])["email"] in mails[0]["reply_to"]

    option, mark = f"userjs-mwkit-oauth-py-{face}-{kind}", f"py-{nonce()}"
    assert done(s.set_options({option: mark})).rejected == {}
    options = done(s.get_options())
    assert options[option] == mark and options["language"] == "en"
    raw = done(s.request({"action": "query", "meta": "userinfo"}))
    assert raw["query"]["userinfo"]["name"] == owner

    # Logging out forgets the token: nothing is sent.
    before = len(wiki.requests(ua))
    assert done(s.logout()) == []
    assert s.user is None
    assert done(s.close()) == []
    lines = wiki.requests(ua)
    assert len(lines) == before

    check_relayed(server, owner, logins=1)
    if server is not None:
        assert len(server.posts("emailuser")) == 1 and len(server.posts("options")) == 1
    check_logged(lines, owner, logins=1)
    assert len(token_fetches(lines)) == (1 if kind == "client_credentials" else 0), lines
    # emailuser and options: no other POST to the API.
    assert len(api_lines(lines, "POST")) == 2, lines
    # The login's one read, the options read, the userinfo read.
    assert len(api_lines(lines, "GET")) == 3, lines


@pytest.mark.parametrize("face", FACES)
def test_garbage_tokens_and_a_wrong_secret_are_oauth_invalid_and_sent_once(wiki, face):
    made = oauth(wiki)
    garbage = {
        "oauth2": {"oauth2_token": f"garbage-{nonce()}"},
        "oauth1": {"oauth1": dict(made["oauth1"], access_secret=f"garbage{nonce()}")},
        "client_credentials": {"client_credentials": dict(made["client_credentials"],
                                                          client_secret=f"garbage{nonce()}")},
    }
    for kind, bad in garbage.items():
        s, ua = new_session(wiki, face, f"garbage-{kind}")
        with pytest.raises(mwkit.LoginError) as caught:
            done(login(s, kind, bad))
        err = caught.value
        assert err.kind == "oauth_invalid", (kind, err)
        assert err.outcome_unknown is False and err.needs_new_password is False
        assert s.user is None
        lines = wiki.requests(ua)
        if kind == "client_credentials":
            # The token endpoint refuses the secret: the API is never asked.
            assert err.code == "invalid_client", err.code
            assert len(token_fetches(lines)) == 1 and len(lines) == 1, lines
        else:
            assert err.code.startswith("mwoauth-invalid-authorization"), err.code
            assert len(api_lines(lines, "GET")) == 1 and len(lines) == 1, lines


@pytest.mark.parametrize("face", FACES)
def test_a_disabled_or_revoked_consumer_is_oauth_invalid_and_the_write_is_not_sent_again(
        wiki, relay, face):
    made = fresh_oauth(wiki)
    owner = made["owner"]
    sessions = {}
    for kind in ("oauth2", "oauth1", "client_credentials"):
        server = relay_for(relay, kind)
        s, ua = new_session(wiki, face, f"revoked-{kind}", server and server.url)
        assert done(login(s, kind, made)) == owner
        sessions[kind] = (s, ua, server)
    # An administrator disables two; the owner revokes its grant of one.
    oauth_command(wiki, "disable", made["consumers"]["oauth2"])
    oauth_command(wiki, "revoke", made["consumers"]["oauth1"])
    oauth_command(wiki, "disable", made["consumers"]["client_credentials"])

    subject = f"mwkit py oauth revoked {face} {nonce()}"
    for kind, (s, ua, server) in sessions.items():
        with pytest.raises(mwkit.LoginError) as caught:
            done(s.email_user(wiki.user("recipient")["name"], subject, "must not go out"))
        err = caught.value
        assert err.kind == "oauth_invalid" and err.outcome_unknown is False, (kind, err)
        assert err.code.startswith("mwoauth-invalid-authorization") or (
            kind == "client_credentials" and err.code == "access_denied"), (kind, err.code)
        # The email was refused before anything was done, and never sent again.
        lines = wiki.requests(ua)
        assert len(api_lines(lines, "POST")) == 1, (kind, lines)
        # A client fetches a new token once (refused: its consumer is
        # disabled), then reports the error.
        assert len(token_fetches(lines)) == (2 if kind == "client_credentials" else 0), (kind, lines)
        check_logged(lines, owner, logins=1)
        check_relayed(server, owner, logins=1)
    assert wiki.wait_for_mails(lambda x: x == subject, 0) == []

    # A new session with the revoked consumers' tokens: refused at the login.
    for kind in ("oauth2", "oauth1", "client_credentials"):
        s, ua = new_session(wiki, face, f"revoked-new-{kind}")
        with pytest.raises(mwkit.LoginError) as caught:
            done(login(s, kind, made))
        assert caught.value.kind == "oauth_invalid", kind
        assert s.user is None
        assert len(wiki.requests(ua)) == 1, kind


def fetch_token(client: Dict[str, Any]) -> str:
    """A client_credentials token, fetched by hand (as any OAuth 2 client
    would) for login_oauth2."""
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client["client_id"],
                                   "client_secret": client["client_secret"]}).encode()
    with urllib.request.urlopen(urllib.request.Request(client["token_url"], data=body),
                                timeout=30) as answer:
        return json.load(answer)["access_token"]


def test_client_credentials_sessions_outlive_their_tokens_and_an_expired_token_is_refused(
        wiki, consumers, caplog):
    """Sync and async side by side over 1.5 lifetimes of the client's tokens
    (20 s on the test wiki): every call works, the token is fetched again
    before it expires (never a request refused and sent again); a token
    fetched by hand and given to login_oauth2 is refused once it expired.
    Each face has a client of its own (see ``consumers``)."""
    caplog.set_level(logging.DEBUG, logger="mwkit")
    client = consumers["client_credentials"]
    async_client = fresh_oauth(wiki)["client_credentials"]
    lifetime = client["lifetime_seconds"]
    assert lifetime <= 30, "the test wiki's tokens are meant to expire within the test"
    owner = consumers["owner"]
    sync, sync_ua = new_session(wiki, "sync", "lifetime")
    asyn, async_ua = new_session(wiki, "async", "lifetime")
    assert sync.login_oauth2_client(client["client_id"], client["client_secret"]) == owner
    assert done(asyn.login_oauth2_client(async_client["client_id"], async_client["client_secret"])) == owner
    by_hand, by_hand_ua = new_session(wiki, "sync", "by-hand")
    # A token of a third client: the by-hand session's is the only one.
    assert by_hand.login_oauth2(fetch_token(oauth(wiki)["client_credentials"])) == owner

    started = time.monotonic()
    reads = 0
    while time.monotonic() - started < lifetime * 1.5:
        for s in (sync, asyn):
            assert "language" in done(s.get_options())
            assert s.user == owner
        reads += 1
        time.sleep(3)
    subject = f"mwkit py oauth lifetime {nonce()}"
    for face, s in (("sync", sync), ("async", asyn)):
        assert done(s.email_user(wiki.user("recipient")["name"], f"{subject} {face}", "late")).result == "Success"
        option, mark = f"userjs-mwkit-oauth-py-lifetime-{face}", nonce()
        assert done(s.set_options({option: mark})).rejected == {}
        assert done(s.get_options())[option] == mark
    for face in ("sync", "async"):
        assert len(wiki.wait_for_mails(lambda x: x == f"{subject} {face}", 1)) == 1

    for ua in (sync_ua, async_ua):
        lines = wiki.requests(ua)
        fetches = len(token_fetches(lines))
        check_logged(lines, owner, logins=fetches)
        # The first token, then at least one more before it expired.
        assert 2 <= fetches <= 4, lines
        # Each token is followed by one read that learns the account; the
        # rest are the reads made (none refused and sent again).
        assert len(api_lines(lines, "GET")) == fetches + reads + 1, lines
        assert len(api_lines(lines, "POST")) == 2, lines
    # A renewal is a record of its own (its path, never its form).
    assert any(r.getMessage().startswith("Session.get_options: POST /rest.php/oauth2/access_token -> HTTP 200")
               for r in caplog.records), caplog.text

    # The token fetched by hand has expired: refused, nothing sent again.
    before = len(wiki.requests(by_hand_ua))
    with pytest.raises(mwkit.LoginError) as caught:
        by_hand.get_options()
    assert caught.value.kind == "oauth_invalid"
    assert len(wiki.requests(by_hand_ua)) == before + 1


@pytest.mark.parametrize("face", FACES)
def test_no_token_or_secret_shows_in_reprs_errors_or_records(wiki, relay, consumers, face, caplog):
    caplog.set_level(logging.DEBUG, logger="mwkit")
    made = consumers
    servers = []
    shown: List[str] = []
    for kind in ("oauth2", "oauth1", "client_credentials"):
        server = relay_for(relay, kind)
        servers.append(server)
        s, _ = new_session(wiki, face, f"secrets-{kind}", server and server.url)
        if face == "async":
            coroutine = s.login_oauth2(made["oauth2_token"])
            shown.append(repr(coroutine))
            coroutine.close()
        assert done(login(s, kind, made)) == made["owner"]
        assert done(s.set_options({"userjs-mwkit-oauth-py-secrets": nonce()})).rejected == {}
        shown += [repr(s), str(s)]
    errors = []
    bad = {"oauth2_token": made["oauth2_token"] + "x",
           "oauth1": dict(made["oauth1"], access_secret=made["oauth1"]["access_secret"][::-1]),
           "client_credentials": dict(made["client_credentials"],
                                      client_secret=made["client_credentials"]["client_secret"][::-1])}
    for kind in ("oauth2", "oauth1", "client_credentials"):
        s, _ = new_session(wiki, face, f"secrets-bad-{kind}")
        with pytest.raises(mwkit.LoginError) as caught:
            done(login(s, kind, bad))
        errors.append(caught.value)
    for err in errors:
        assert err.kind == "oauth_invalid"
        shown += [repr(err), str(err), repr(vars(err)), repr(err.args)]
    shown.append(caplog.text)
    for record in caplog.records:
        shown += [record.getMessage(), repr(record.args)]
    if face == "sync":  # a record per request (an AsyncSession logs writes in doubt only)
        assert any("/rest.php/oauth2/access_token" in line for line in shown), "the token fetch was logged"
    secrets = secrets_of(made) + [v for v in bad["oauth1"].values()] + [
        bad["oauth2_token"], bad["client_credentials"]["client_secret"]]
    for server in servers:
        if server is not None:  # the csrf tokens and cookies that went by
            secrets += sorted(server.secrets)
    secrets = [x for x in secrets if x not in (made["oauth1"]["consumer_key"],)]
    for text in shown:
        for secret in secrets:
            assert secret not in text, (secret, text)


def child_signs(session: mwkit.Session, results) -> None:
    try:
        results.put(("child", session.get_options()["language"]))
    except Exception as e:  # noqa: BLE001 - reported to the parent
        results.put(("child", repr(e)))


def test_an_oauth1_session_signs_with_nonces_of_its_own_in_a_forked_child(wiki):
    """Parent and child go on from the same session: were the child's
    nonces the parent's (the same seed and counter), the wiki would refuse
    the second use of each."""
    made = oauth(wiki)
    s, _ = new_session(wiki, "sync", "fork")
    assert s.login_oauth1(**made["oauth1"]) == made["owner"]
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    with warnings.catch_warnings():
        # Python 3.12 warns of fork in a process with threads.
        warnings.simplefilter("ignore", DeprecationWarning)
        child = context.Process(target=child_signs, args=(s, results))
        child.start()
    parent = s.get_options()["language"]
    child.join(60)
    assert child.exitcode == 0
    assert (parent, results.get(timeout=5)) == ("en", ("child", "en"))


# ---- input checks: on every wiki, no extension needed ---------------------------------

BAD_INPUT = [
    pytest.param("login_oauth2", ("",), "access token", id="oauth2-empty"),
    pytest.param("login_oauth2", ("  ",), "access token", id="oauth2-blank"),
    pytest.param("login_oauth2", ("tok\nen",), "access token", id="oauth2-newline"),
    pytest.param("login_oauth2_client", ("", "secret"), "client id", id="client-no-id"),
    pytest.param("login_oauth2_client", ("id", ""), "client secret", id="client-no-secret"),
    pytest.param("login_oauth1", ("", "cs", "tk", "ts"), "consumer key", id="oauth1-no-key"),
    pytest.param("login_oauth1", ("ck", "", "tk", "ts"), "consumer secret", id="oauth1-no-secret"),
    pytest.param("login_oauth1", ("ck", "cs", "", "ts"), "access token", id="oauth1-no-token"),
    pytest.param("login_oauth1", ("ck", "cs", "tk", "\t"), "access secret", id="oauth1-no-token-secret"),
]


def raised_at_the_call(s: Session, method: str, args: tuple) -> mwkit.InvalidInputError:
    """The InvalidInputError a call raises at once, with no coroutine made."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(mwkit.InvalidInputError) as caught:
            getattr(s, method)(*args)
    return caught.value


@pytest.mark.parametrize("method, args, field", BAD_INPUT)
def test_bad_input_raises_at_the_call_for_both_faces_and_sends_nothing(wiki, method, args, field):
    errors = []
    for face in ("sync", "async"):
        s, ua = new_session(wiki, face, "bad-input")
        err = raised_at_the_call(s, method, args)
        assert err.field == field and err.kind == "invalid_input" and isinstance(err, ValueError)
        errors.append(str(err))
        assert wiki.requests(ua) == [], "nothing reached the wiki"
        assert s.user is None
    assert errors[0] == errors[1]


@pytest.mark.parametrize("face", FACES)
def test_wrong_types_raise_type_error_and_send_nothing(wiki, face):
    s, ua = new_session(wiki, face, "types")
    for method, args in (("login_oauth2", (None,)), ("login_oauth2_client", ("id", 12345)),
                         ("login_oauth1", ("ck", "cs", b"tk", "ts")), ("login_oauth1", ("ck", "cs", "tk"))):
        with pytest.raises(TypeError):
            getattr(s, method)(*args)
    assert wiki.requests(ua) == []


@pytest.mark.parametrize("face", FACES)
def test_a_token_over_plain_http_to_another_host_is_refused_at_the_call(face):
    # Sending would fail to connect (no such host): the InvalidInputError
    # shows that nothing was sent.
    url = "http://wiki.invalid/w/api.php"
    cls = mwkit.Session if face == "sync" else mwkit.AsyncSession
    s = cls(url, user_agent="mwkit-pytest/0")
    secret = f"s3cret{nonce()}"
    for method, args in (("login_oauth2", (secret,)), ("login_oauth2_client", ("id", secret)),
                         ("login_oauth1", ("ck", secret, "tk", secret))):
        err = raised_at_the_call(s, method, args)
        assert err.field == "api url" and "plain http://" in str(err)
        assert secret not in repr(err) and secret not in repr(vars(err))
    if face == "async":
        # Allowed, the call is made (and would fail to connect when awaited).
        allowed = cls(url, user_agent="mwkit-pytest/0", allow_insecure_credentials=True)
        coroutine = allowed.login_oauth2(secret)
        assert inspect.iscoroutine(coroutine)
        coroutine.close()


@pytest.mark.parametrize("face", FACES)
def test_sessions_of_one_confidential_client_share_its_token(wiki, face):
    """Four sessions of this process on one confidential client, five mails
    each, all at once (threads for Session, tasks for AsyncSession), 5 s
    apart so that the run crosses a renewal of the client's 20 s tokens.
    The wiki keeps one session per client, so a token of each session's
    own would end the others' csrf tokens: the sessions share one token
    and its renewal (in the Rust core). Every mail goes out, once, and the
    process fetches one token per lifetime, not one per session."""
    client = fresh_oauth(wiki)["client_credentials"]
    owner = oauth(wiki)["owner"]
    lifetime = client["lifetime_seconds"]
    pause = 5.0
    assert lifetime * 3 / 4 < pause * 4, "the run would not cross a renewal"
    made = [new_session(wiki, face, f"shared-{i}") for i in range(4)]
    sessions = [s for s, _ in made]
    run = nonce()
    recipient = wiki.user("recipient")["name"]
    subjects = [[f"mwkit py shared {face} {run} s{i} m{m}" for m in range(5)] for i in range(4)]
    started = time.monotonic()

    if face == "sync":
        import concurrent.futures

        def mails(i: int) -> List[str]:
            s = sessions[i]
            assert s.login_oauth2_client(client["client_id"], client["client_secret"]) == owner
            results = []
            for m, subject in enumerate(subjects[i]):
                if m:
                    time.sleep(pause)
                results.append(s.email_user(recipient, subject, "one of twenty").result)
            return results

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(mails, range(4)))
    else:
        async def amails(i: int) -> List[str]:
            s = sessions[i]
            assert await s.login_oauth2_client(client["client_id"], client["client_secret"]) == owner
            results = []
            for m, subject in enumerate(subjects[i]):
                if m:
                    await asyncio.sleep(pause)
                results.append((await s.email_user(recipient, subject, "one of twenty")).result)
            return results

        async def everyone() -> List[List[str]]:
            return list(await asyncio.gather(*(amails(i) for i in range(4))))

        results = asyncio.run(everyone())
    elapsed = time.monotonic() - started
    assert results == [["Success"] * 5] * 4
    for row in subjects:
        for subject in row:
            assert len(wiki.wait_for_mails(lambda x, subject=subject: x == subject, 1)) == 1, subject
    prefix = f"mwkit py shared {face} {run} "
    assert len(wiki.mails(lambda x: x.startswith(prefix))) == 20, "each mail exactly once"
    fetches = sum(len(token_fetches(wiki.requests(ua))) for _, ua in made)
    assert 2 <= fetches <= 1 + int(elapsed // (lifetime * 3 / 4)), (fetches, elapsed)
