"""HTTPS against the real test wiki (wiki.json's ``tls``: apache's mod_ssl
with a throwaway CA), for Session and AsyncSession alike: the CA given as
``ca_file``, the CA in ``SSL_CERT_FILE`` or in an ``SSL_CERT_DIR``, and
every way verification fails, each a :class:`mwkit.TlsError` with its
reason and nothing sent.

The trust store's environment is process-wide, and this machine may export
SSL_CERT_FILE and friends naming the system's bundle: the cases that set
them run in a child process with an environment of their own. On a wiki
made without ``tls`` every test here skips, saying so."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Tuple, Union

import pytest

import mwkit
from conftest import nonce

FACES = [pytest.param("sync", id="sync"), pytest.param("async", id="async")]

Session = Union[mwkit.Session, mwkit.AsyncSession]


@pytest.fixture
def tls(wiki) -> Dict[str, Any]:
    if not wiki.tls:
        pytest.skip("wiki.json has no tls (the HTTPS tests need a test wiki served over HTTPS "
                    "with its throwaway CA; this one was made before: tests/wiki/testwiki down, "
                    "then up)")
    return wiki.tls


def done(answer: Any) -> Any:
    """A Session's answer as it is; an AsyncSession's coroutine run to its
    answer."""
    return asyncio.run(answer) if inspect.iscoroutine(answer) else answer


def new_session(face: str, url: str, tag: str, **settings: Any) -> Tuple[Session, str]:
    ua = f"mwkit-pytest/tls-{face}-{tag}-{nonce()} (tests@mwkit.test)"
    cls = mwkit.Session if face == "sync" else mwkit.AsyncSession
    return cls(url, user_agent=ua, timeout=30.0, **settings), ua


def assert_tls_error(err: BaseException, reason: str, *secrets: str) -> None:
    assert isinstance(err, mwkit.TlsError), repr(err)
    assert isinstance(err, mwkit.TransportError) and isinstance(err, ConnectionError)
    assert err.kind == "tls" and err.stage == "tls"
    assert err.reason == reason
    assert reason in str(err)
    # A handshake that failed sent nothing: never a write in doubt.
    assert err.outcome_unknown is False and err.http_status is None
    for secret in secrets:
        assert secret not in str(err) and secret not in repr(vars(err))


@pytest.mark.parametrize("face", FACES)
def test_with_the_ca_file_a_login_one_mail_and_an_options_round_trip(wiki, tls, face):
    u = wiki.user("sender")
    # As an os.PathLike here, as a str below.
    s, ua = new_session(face, tls["api_url"], "ca-file", ca_file=Path(tls["ca_file"]))
    assert s.api_url.startswith("https://")
    assert done(s.login(u["bot_name"], u["bot_password"])) == u["name"]
    subject = f"mwkit py https {nonce()}"
    assert done(s.email_user(wiki.user("recipient")["name"], subject, "sent over HTTPS")).result == "Success"
    mails = wiki.wait_for_mails(lambda x: x == subject, 1)
    assert len(mails) == 1 and mails[0]["rcpt_to"] == [wiki.user("recipient")["email"]]
    mark = f"py-tls-{nonce()}"
    assert done(s.set_options({"userjs-py-tls": mark})).rejected == {}
    assert done(s.get_options())["userjs-py-tls"] == mark
    # The HTTPS host writes the same access log: what was sent shows there.
    assert len(wiki.requests(ua)) >= 6
    # The server's certificate names localhost too.
    s2, _ = new_session(face, tls["localhost_api_url"], "localhost", ca_file=tls["ca_file"])
    answer = done(s2.request({"action": "query", "meta": "userinfo"}))
    assert "anon" in answer["query"]["userinfo"]


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("which", ["api_url", "localhost_api_url"])
def test_without_the_ca_file_the_wiki_is_an_unknown_issuer_and_nothing_is_sent(wiki, tls, face, which):
    u = wiki.user("sender")
    s, ua = new_session(face, tls[which], "no-ca")
    with pytest.raises(mwkit.TlsError) as caught:
        done(s.login(u["bot_name"], u["bot_password"]))
    assert_tls_error(caught.value, "unknown issuer", u["bot_password"])
    with pytest.raises(mwkit.TlsError) as caught:
        done(s.request({"action": "query", "meta": "userinfo"}))
    assert_tls_error(caught.value, "unknown issuer")
    assert s.user is None
    assert wiki.requests(ua) == []


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("which,reason", [("mismatch_api_url", "name mismatch"),
                                          ("expired_api_url", "expired")])
def test_a_certificate_for_another_name_or_expired_is_a_tls_error_and_nothing_is_sent(
        wiki, tls, face, which, reason):
    u = wiki.user("sender")
    s, ua = new_session(face, tls[which], reason.replace(" ", "-"), ca_file=tls["ca_file"])
    with pytest.raises(mwkit.TlsError) as caught:
        done(s.login(u["bot_name"], u["bot_password"]))
    assert_tls_error(caught.value, reason, u["bot_password"])
    subject = f"mwkit py {reason} {nonce()}"
    with pytest.raises(mwkit.TlsError) as caught:
        done(s.email_user(wiki.user("recipient")["name"], subject, "must not arrive"))
    assert_tls_error(caught.value, reason)
    assert wiki.requests(ua) == []
    assert wiki.mails(lambda x: x == subject) == []


def bad_ca_files(tmp_path: Path) -> Dict[str, Path]:
    files = {
        "missing": tmp_path / "no-such-ca.pem",
        "empty": tmp_path / "empty.pem",
        "text": tmp_path / "text.pem",
        "broken": tmp_path / "broken.pem",
        "key only": tmp_path / "key.pem",
        "folder": tmp_path,
    }
    files["empty"].write_text("")
    files["text"].write_text("this is not a certificate\n")
    files["broken"].write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n")
    files["key only"].write_text("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n")
    return files


@pytest.mark.parametrize("face", FACES)
def test_a_missing_or_non_pem_ca_file_is_invalid_input_at_construction(wiki, tls, face, tmp_path):
    for what, path in bad_ca_files(tmp_path).items():
        for given in (path, str(path)):
            ua = f"mwkit-pytest/tls-bad-ca-{nonce()}"
            cls = mwkit.Session if face == "sync" else mwkit.AsyncSession
            with pytest.raises(mwkit.InvalidInputError) as caught:
                cls(tls["api_url"], user_agent=ua, ca_file=given)
            err = caught.value
            assert err.kind == "invalid_input" and err.field == "ca file", what
            assert str(path) in str(err), what
            assert wiki.requests(ua) == [], what
    with pytest.raises(TypeError):
        mwkit.Session(tls["api_url"], user_agent="mwkit-pytest/tls-bad-ca", ca_file=42)


# The child that logs in with no ca_file, under an environment of its own.
CHILD = r"""
import asyncio, json, sys
import mwkit
a = json.load(sys.stdin)
cls = mwkit.Session if a["face"] == "sync" else mwkit.AsyncSession
s = cls(a["url"], user_agent=a["ua"], timeout=30.0)
async def run(x):
    return await x
def done(x):
    return asyncio.run(run(x)) if a["face"] == "async" else x
try:
    name = done(s.login(a["bot"], a["password"]))
    info = done(s.request({"action": "query", "meta": "userinfo"}))
    print(json.dumps({"user": name, "userinfo": info["query"]["userinfo"]["name"]}))
except mwkit.TlsError as e:
    print(json.dumps({"tls": e.reason}))
"""


def child(wiki, tls, face: str, tag: str, **env: str) -> Tuple[Dict[str, Any], str]:
    """Runs CHILD with only PATH, HOME, LANG and ``env`` set (none of the
    SSL_CERT_*, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE this machine may export);
    its answer and its User-Agent."""
    u = wiki.user("sender")
    ua = f"mwkit-pytest/tls-{face}-{tag}-{nonce()} (tests@mwkit.test)"
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
             "LANG": "C.UTF-8", **env}
    args = {"face": face, "url": tls["api_url"], "ua": ua, "bot": u["bot_name"],
            "password": u["bot_password"]}
    out = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(args), env=clean,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), ua


@pytest.mark.parametrize("face", FACES)
def test_the_ca_in_ssl_cert_file_is_trusted_without_a_setting(wiki, tls, face):
    answer, ua = child(wiki, tls, face, "ssl-cert-file", SSL_CERT_FILE=tls["ca_file"])
    u = wiki.user("sender")
    assert answer == {"user": u["name"], "userinfo": u["name"]}
    assert len(wiki.requests(ua)) >= 4


@pytest.mark.parametrize("face", FACES)
def test_the_ca_in_an_ssl_cert_dir_is_trusted_where_the_compiled_in_roots_are_not(wiki, tls, face, tmp_path):
    # The system's store as OpenSSL reads a hashed folder: the default path
    # takes the harness's CA from there.
    answer, ua = child(wiki, tls, face, "ssl-cert-dir", SSL_CERT_DIR=tls["ca_dir"])
    u = wiki.user("sender")
    assert answer == {"user": u["name"], "userinfo": u["name"]}
    assert len(wiki.requests(ua)) >= 4
    # A store with no certificate at all leaves the Mozilla roots compiled
    # in, which do not have the harness's CA: nothing is sent.
    empty = tmp_path / "empty-store"
    empty.mkdir()
    answer, ua = child(wiki, tls, face, "compiled-in", SSL_CERT_DIR=str(empty))
    assert answer == {"tls": "unknown issuer"}
    assert wiki.requests(ua) == []
