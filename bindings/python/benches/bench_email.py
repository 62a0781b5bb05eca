"""Email throughput: mwkit beside the Rust client and mwclient, same wiki,
same run.

Run through scripts/bench, which brings up a test wiki and makes a venv with
mwkit (pip install ./bindings/python) and mwclient from PyPI. Each round
sends MWKIT_BENCH_EMAILS (default 200) sequential emails with each of the
Rust client (`cargo bench -p mwkit-bench --bench live`,
MWKIT_BENCH_ONLY=client-emails), mwkit and mwclient, in an order rotated
every round; MWKIT_BENCH_ROUNDS (default 3) rounds. A fourth phase sends as
many with mwkit from 10 threads sharing one Session (10 in flight), whose
rate over the sequential one is the 10-in-flight ratio. MWKIT_BENCH_CLIENTS
(default all: rust,mwkit,mwclient,mwkit10) picks the phases. The best and
the median rate of each are printed. Every email is checked: an error stops
the bench.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import mwclient

import mwkit

ROOT = Path(__file__).resolve().parents[3]
STATE = json.loads(Path(os.environ["MWKIT_WIKI_JSON"]).read_text())
N = int(os.environ.get("MWKIT_BENCH_EMAILS", "200"))
SENDER = STATE["users"]["sender"]
TARGET = STATE["users"]["recipient"]["name"]
RUN = uuid.uuid4().hex[:8]


def rust() -> float:
    env = dict(os.environ, MWKIT_BENCH_ONLY="client-emails", MWKIT_BENCH_EMAILS=str(N))
    out = subprocess.run(["cargo", "bench", "-q", "-p", "mwkit-bench", "--bench", "live"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"client-emails: ([\d.]+)/s", out).group(1))


def with_mwkit() -> float:
    s = mwkit.Session(STATE["api_url"], user_agent=f"mwkit-bench/{RUN}-py (bench@mwkit.test)")
    s.login(SENDER["bot_name"], SENDER["bot_password"])
    started = time.perf_counter()
    for i in range(N):
        assert s.email_user(TARGET, f"bench {RUN} mwkit {i}", "bench").result == "Success"
    return N / (time.perf_counter() - started)


def with_mwkit_10_in_flight() -> float:
    s = mwkit.Session(STATE["api_url"], user_agent=f"mwkit-bench/{RUN}-py10 (bench@mwkit.test)")
    s.login(SENDER["bot_name"], SENDER["bot_password"])

    def send(i: int) -> None:
        assert s.email_user(TARGET, f"bench {RUN} mwkit10 {i}", "bench").result == "Success"

    started = time.perf_counter()
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(send, range(N)))
    return N / (time.perf_counter() - started)


def with_mwclient() -> float:
    host = STATE["api_url"].split("://", 1)[1].split("/", 1)[0]
    site = mwclient.Site(host, path="/", scheme="http", clients_useragent=f"mwkit-bench/{RUN}-mwclient")
    site.login(SENDER["bot_name"], SENDER["bot_password"])
    token = site.get_token("csrf")
    started = time.perf_counter()
    for i in range(N):
        answer = site.post("emailuser", target=TARGET, subject=f"bench {RUN} mwclient {i}", text="bench", token=token)
        assert answer["emailuser"]["result"] == "Success", answer
    return N / (time.perf_counter() - started)


def main() -> int:
    rounds = int(os.environ.get("MWKIT_BENCH_ROUNDS", "3"))
    chosen = os.environ.get("MWKIT_BENCH_CLIENTS", "rust,mwkit,mwclient,mwkit10").split(",")
    runners = [(name, fn) for name, fn in [("rust", rust), ("mwkit", with_mwkit), ("mwclient", with_mwclient),
                                           ("mwkit10", with_mwkit_10_in_flight)] if name in chosen]
    rates = {name: [] for name, _ in runners}
    for r in range(rounds):
        # Rotate the order each round, so that no client always goes first.
        k = r % len(runners)
        for name, fn in runners[k:] + runners[:k]:
            rates[name].append(fn())
    print(f"emails per phase: {N}, rounds: {rounds}; mwclient {mwclient.__version__}, mwkit {mwkit.__version__}")
    best = {name: max(v) for name, v in rates.items()}
    median = {name: statistics.median(v) for name, v in rates.items()}
    for name, values in rates.items():
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:9s}: best {best[name]:.2f}/s, median {median[name]:.2f}/s  ({shown})")
    for other in ("rust", "mwclient"):
        if "mwkit" in rates and other in rates:
            print(f"mwkit / {other:8s}: best {best['mwkit'] / best[other]:.3f}, "
                  f"median {median['mwkit'] / median[other]:.3f}")
    if "mwkit" in rates and "mwkit10" in rates:
        print(f"10 in flight / 1: best {best['mwkit10'] / best['mwkit']:.3f}, "
              f"median {median['mwkit10'] / median['mwkit']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
