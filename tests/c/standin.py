#!/usr/bin/env python3
"""A loopback stand-in for the wiki, for what the real one cannot be made to
answer (a 503 with Retry-After to an email, a 502 halfway through an options
change). Started by tests/c/run; the C test points a client at it.

Usage: standin.py PORT_FILE LOG_FILE

Listens on 127.0.0.1 on a free port and writes the port to PORT_FILE once it
listens. The first path segment of a request names a scenario and a run:
/email-RUN/api.php or /options-RUN/api.php. Each distinct path gets its own
copy of the scenario's canned answers, served in order, one per request, so
every run of a test program (plain, then under the sanitizers) starts fresh.
/echo-FORM-N-RUN/... is tests/echo_wiki.py's echoing wiki: it answers as
MediaWiki would until the path's N-th request, then repeats each request in
FORM (html, json, api_error).

Each request is logged to LOG_FILE as one line, written before it is
answered:  PATH METHOD ACTION N  where N is how many values the `change`
parameter holds (0 without one). Nothing else of a request is kept: never a
token, a cookie or a body.
"""

from __future__ import annotations

import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import echo_wiki  # noqa: E402

# status, extra headers, body
Answer = tuple[int, list[tuple[str, str]], str]

TOKENS = r'{"query":{"tokens":{"csrftoken":"abc+\\"}}}'

SCENARIOS: dict[str, list[Answer]] = {
    "email": [
        (200, [], TOKENS),
        (503, [("Retry-After", "7")], "<html><body>busy</body></html>"),
    ],
    "options": [
        (200, [], TOKENS),
        (200, [], '{"options":"success"}'),
        (502, [], "<html><body>bad gateway</body></html>"),
    ],
}
EXHAUSTED: Answer = (500, [], "stand-in: no canned answer left")


class StandIn(ThreadingHTTPServer):
    """The server, with each path's queue of answers and the request log."""

    daemon_threads = True

    def __init__(self, log: TextIO) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.log = log
        self.lock = threading.Lock()
        self.queues: dict[str, list[Answer]] = {}
        self.echo_counts: dict[str, int] = {}


def change_count(value: str) -> int:
    """How many values a multi-value parameter holds (| or the U+001F form)."""
    if value == "":
        return 0
    if value.startswith("\x1f"):
        return len(value[1:].split("\x1f"))
    return len(value.split("|"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the request line of a GET could hold a parameter: log nothing

    def answer(self, method: str, body: bytes) -> None:
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if body:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        action = params.get("action", ["-"])[0]
        changes = change_count(params.get("change", [""])[0])
        scenario = url.path.strip("/").split("/")[0].split("-")[0]
        server = self.server
        assert isinstance(server, StandIn)
        ctype = ""
        with server.lock:
            if scenario == "echo":
                run = url.path.strip("/").split("/")[0]
                _, form, echo_at = run.split("-")[:3]
                n = server.echo_counts[run] = server.echo_counts.get(run, 0) + 1
                request = [f"{k}: {v}" for k, v in self.headers.items()]
                status, headers, ctype, text = echo_wiki.reply(
                    int(echo_at), form, n, self.requestline, self.path, request,
                    body.decode("utf-8", "replace"))
            else:
                queue = server.queues.setdefault(url.path, list(SCENARIOS.get(scenario, [])))
                status, headers, text = queue.pop(0) if queue else EXHAUSTED
            server.log.write(f"{url.path} {method} {action} {changes}\n")
            server.log.flush()
        data = text.encode()
        self.send_response(status)
        ctype = ctype or ("application/json" if text.startswith("{") else "text/html")
        self.send_header("Content-Type", ctype if "charset" in ctype else f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self.answer("GET", b"")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        self.answer("POST", self.rfile.read(length))


def main() -> None:
    port_file, log_path = sys.argv[1], sys.argv[2]
    with open(log_path, "a", encoding="utf-8") as log:
        server = StandIn(log)
        tmp = f"{port_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{server.server_address[1]}\n")
        os.replace(tmp, port_file)
        server.serve_forever()


if __name__ == "__main__":
    main()
