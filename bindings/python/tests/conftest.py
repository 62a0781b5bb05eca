"""Fixtures for tests against the real test wiki (tests/wiki/testwiki up):
its accounts, its mail sink and its access log."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Callable, List

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

    def user(self, role: str) -> dict:
        return self.state["users"][role]

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


def temporary_password(mail: dict) -> str:
    return mail["text"].split("Temporary password:", 1)[1].split()[0]
