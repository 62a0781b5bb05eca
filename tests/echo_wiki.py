"""An echoing stand-in wiki, shared by the Python tests
(bindings/python/tests/test_echo.py) and the C tests' stand-in
(tests/c/standin.py): it answers as MediaWiki would (login tokens,
`action=login`, a `clientlogin` asking for a two-factor code, user info with
a csrf token, an OAuth 2 client's token, `list=users`, `emailuser`) until
its n-th request, then repeats each request (its line, headers and body) as
a web application firewall's block page (HTML), a gateway's JSON, or an API
error holding it whole. The tokens and cookie it gives, and the callers'
secrets below, hold the marker MARK (the code aside): a secret that shows
anywhere shows it."""

from __future__ import annotations

import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qsl

MARK = "S3CRET"
LOGIN_TOKEN = "LOGINTOKEN-S3CRET+\\"
CSRF_TOKEN = "CSRFTOKEN-S3CRET+\\"
SESSION_COOKIE = "COOKIE-S3CRET-SESSION"
ACCESS_TOKEN = "ACCESS-S3CRET-TOKEN"

# The caller's secrets: each but the code holds the marker, and characters
# that every encoding changes.
BOT_PASSWORD = 'bot S3CRET "pw" &<ä>%+/\\ 0rd!'
MAIN_PASSWORD = "Main S3CRET Passw0rd! ÄÖ€ &amp; %21"
CODE = "676055"
OAUTH2_TOKEN = "OAUTH2-S3CRET-TOKEN/+="
CLIENT_SECRET = "CLIENT S3CRET+secret/="
CONSUMER_SECRET = "CONSUMER-S3CRET"
ACCESS_KEY = "ACCESSKEY-S3CRET"
ACCESS_SECRET = "ACCESS-SECRET-S3CRET"
SECRETS = [CODE, BOT_PASSWORD, MAIN_PASSWORD, OAUTH2_TOKEN, CLIENT_SECRET, CONSUMER_SECRET,
           ACCESS_KEY, ACCESS_SECRET]

FORMS = ["html", "json", "api_error", "cut"]

Reply = Tuple[int, List[Tuple[str, str]], str, str]


def leak(text: str) -> Optional[str]:
    if MARK in text:
        return MARK
    return next((s for s in SECRETS if s in text), None)


def wiki(path: str, params: Dict[str, str]) -> Reply:
    """What MediaWiki would answer."""
    cookie = [("Set-Cookie", f"wiki_session={SESSION_COOKIE}; path=/; HttpOnly")]
    j = "application/json"
    action, meta = params.get("action", ""), params.get("meta", "")
    if "rest.php/oauth2/access_token" in path:
        body = {"token_type": "Bearer", "expires_in": 3600, "access_token": ACCESS_TOKEN}
        return 200, [], j, json.dumps(body)
    if action == "query" and "login" in params.get("type", ""):
        return 200, cookie, j, json.dumps({"query": {"tokens": {"logintoken": LOGIN_TOKEN}}})
    if action == "query" and "userinfo" in meta:
        body = {"query": {"userinfo": {"id": 3, "name": "Sender",
                                       "rights": ["read", "sendemail", "editmyoptions"]},
                          "tokens": {"csrftoken": CSRF_TOKEN}}}
        return 200, [], j, json.dumps(body)
    if action == "query" and "tokens" in meta:
        return 200, [], j, json.dumps({"query": {"tokens": {"csrftoken": CSRF_TOKEN}}})
    if action == "login":
        body = {"login": {"result": "Success", "lguserid": 3, "lgusername": "Sender"}}
        return 200, cookie, j, json.dumps(body)
    if action == "clientlogin" and params.get("logincontinue") == "1":
        return 200, cookie, j, json.dumps({"clientlogin": {"status": "PASS", "username": "Sender"}})
    if action == "clientlogin":
        body = {"clientlogin": {
            "status": "UI", "message": "Enter a code.", "messagecode": "oathauth-auth-ui",
            "requests": [{"id": "MediaWiki\\Extension\\OATHAuth\\Auth\\TOTPAuthenticationRequest",
                          "fields": {"OATHToken": {"type": "string", "label": "Code"}}}]}}
        return 200, [], j, json.dumps(body)
    if action == "query" and params.get("list") == "users":
        users = [{"userid": 10 + i, "name": n, "emailable": True}
                 for i, n in enumerate(params.get("ususers", "").split("|"))]
        return 200, [], j, json.dumps({"query": {"users": users}})
    if action == "emailuser":
        return 200, [], j, json.dumps({"emailuser": {"result": "Success"}})
    return 200, [], j, "{}"


def cut_short(text: str) -> Tuple[str, str]:
    """``text``'s beginning, up to 3 characters after its first MARK, and
    its end, from 2 characters before its last (its halves if it holds
    none), as a block page that repeats only so much of a request does:
    each stops or starts inside a secret."""
    first, last = text.find(MARK), text.rfind(MARK)
    if first < 0:
        return text[:len(text) // 2], text[len(text) // 2:]
    return text[:first + len(MARK) + 3], text[max(last - 2, 0):]


def echo(form: str, text: str, params: Dict[str, str], headers: List[str]) -> Reply:
    """The request repeated, as a firewall, a gateway or an API error does."""
    decoded = "".join(f"{k} = {v}\n" for k, v in params.items())
    if form == "html":
        page = (f"<pre>{html.escape(text)}</pre><script>var request = {json.dumps(text)};</script>"
                f"<pre>{html.escape(decoded)}</pre>")
        return 403, [], "text/html; charset=utf-8", page
    if form == "json":
        return 200, [], "application/json", json.dumps({"echo": text, "params": decoded})
    if form == "cut":
        (head, tail), (p_head, p_tail) = cut_short(text), cut_short(decoded)
        page = (f"<p>Request blocked</p><pre>{html.escape(head)} [...]</pre>"
                f"<pre>[...] {html.escape(tail)}</pre><p>Its parameters:</p>"
                f"<pre>{html.escape(p_head)} [...]</pre><pre>[...] {html.escape(p_tail)}</pre>")
        return 403, [], "text/html; charset=utf-8", page
    body = {"errors": [{"code": "echo", "text": text, "module": "main",
                        "data": {"html": html.escape(text), "params": params,
                                 "headers": headers}}]}
    return 200, [("MediaWiki-API-Error", "echo")], "application/json", json.dumps(body)


def reply(echo_at: int, form: str, n: int, requestline: str, path: str, headers: List[str],
          body: str) -> Reply:
    """The answer to the n-th request (from 1): the wiki's, or from
    ``echo_at`` on an echo in ``form``."""
    text = f"{requestline}\n{body}\n" + "\n".join(headers)
    query = path.split("?", 1)[1] if "?" in path else ""
    params = dict(parse_qsl(query, keep_blank_values=True))
    params.update(parse_qsl(body, keep_blank_values=True))
    if n >= echo_at:
        return echo(form, text, params, headers)
    return wiki(path, params)


class EchoWiki:
    def __init__(self, echo_at: int, form: str) -> None:
        self.echoed = 0
        self.seen: List[str] = []
        count = [0]
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                headers = [f"{k}: {v}" for k, v in self.headers.items()]
                with lock:
                    outer.seen.append(f"{self.requestline}\n{body}\n" + "\n".join(headers))
                    count[0] += 1
                    n = count[0]
                    if n >= echo_at:
                        outer.echoed += 1
                status, extra, ctype, out = reply(echo_at, form, n, self.requestline, self.path,
                                                  headers, body)
                data = out.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = answer
            do_POST = answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/w/api.php"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


