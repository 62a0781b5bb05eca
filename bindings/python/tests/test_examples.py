"""The Python examples in examples/python run against the test wiki and do
what they say: the mail arrives (each of the async example's once), the
reset mail arrives, the options read back."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

EXAMPLES = ROOT / "examples" / "python"


def run(name: str) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=EXAMPLES, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_send_email_example_delivers_its_mail(wiki):
    out = run("send_email.py")
    subject = re.search(r"subject '(.*)'$", out.strip()).group(1)
    assert len(wiki.wait_for_mails(lambda s: s == subject, 1)) == 1


def test_async_emails_example_delivers_each_mail_once(wiki):
    out = run("async_emails.py")
    subjects = re.findall(r"subject '(.*)'$", out, re.MULTILINE)
    assert len(subjects) == 3 and len(set(subjects)) == 3, out
    mails = wiki.wait_for_mails(lambda s: s in subjects, 3)
    assert sorted(m["subject"] for m in mails) == sorted(subjects)


def test_reset_password_example_sends_the_reset_mail(wiki):
    before = wiki.max_seq()
    run("reset_password.py")
    mail = wiki.wait_for_mail_to(wiki.user("reset3")["email"], before)
    assert "Temporary password" in mail["text"]


def test_change_options_example_reads_its_values_back(wiki):
    out = run("change_options.py")
    assert "dropped by the wiki: no-such-preference" in out
    assert "userjs-mwkit-example-signature = 'custom-signa|ture'" in out


def test_oauth_example_emails_with_the_token(wiki):
    if not wiki.state.get("oauth"):
        pytest.skip("wiki.json oauth is null (the OAuth example needs a MediaWiki 1.43 test wiki "
                    "with Extension:OAuth)")
    out = run("oauth_email.py")
    assert out.startswith(f"{wiki.state['oauth']['owner']} emailed "), out
    subject = re.search(r"subject '(.*)'$", out.strip()).group(1)
    assert len(wiki.wait_for_mails(lambda s: s == subject, 1)) == 1
