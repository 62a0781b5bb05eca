"""A real browser on the built site: headless Chromium (Debian's package,
installed with apt-get when missing) driven over the DevTools protocol.

It serves the site on loopback, loads the home page, one guide and the
Python reference, and checks that each renders its title and navigation
with no console error and no uncaught exception; then it searches the site
for "outcome unknown" and expects results. A screenshot of each is saved
under target/docs-screenshots/.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import http.server
import itertools
import json
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import websockets

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1440,1000", "--remote-debugging-port=0", "--remote-allow-origins=*",
]
PAGES = [
    ("home", "index.html", "mwkit"),
    ("guide", "guides/resends.html", "When a write is sent again"),
    ("python-reference", "reference/python.html", "Python reference"),
]
# How long a step may take before the check gives up (a slow, shared machine).
PATIENCE = 60.0


def chromium() -> str:
    found = shutil.which("chromium")
    if not found:
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False)
        found = shutil.which("chromium")
    if not found:
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True)
        found = shutil.which("chromium") or ""
    return found


class Tab:
    """One page target, spoken to over its DevTools websocket."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: List[Dict[str, Any]] = []

    async def call(self, method: str, **params: Any) -> Dict[str, Any]:
        mid = next(self.ids)
        await self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), PATIENCE))
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    async def wait_event(self, method: str) -> None:
        while not any(e.get("method") == method for e in self.events):
            self.events.append(json.loads(await asyncio.wait_for(self.ws.recv(), PATIENCE)))

    async def js(self, expression: str) -> Any:
        r = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return r.get("result", {}).get("value")

    def errors(self) -> List[str]:
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}).get("text")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.error: " + json.dumps([a.get("value") for a in p.get("args", [])]))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        return out

    async def goto(self, url: str) -> None:
        self.events.clear()
        await self.call("Page.navigate", url=url)
        await self.wait_event("Page.loadEventFired")

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


NAV_JS = """(() => {
  const side = document.querySelectorAll('.sidebar-tree a.reference').length;
  const h1 = document.querySelector('article h1');
  return {side, title: h1 ? h1.textContent.replace(/[\\u00b6#]/g, '').trim() : null,
          search: !!document.querySelector('form.sidebar-search-container input[name=q]')};
})()"""

SEARCH_JS = """(() => {
  const items = [...document.querySelectorAll('#search-results li, #search-results .search li, ul.search li')];
  return items.map(li => li.textContent.replace(/\\s+/g, ' ').trim().slice(0, 120));
})()"""


async def drive(base: str, shots: Path, check: Callable[[str, Optional[str]], None], devtools: str) -> None:
    targets = json.load(urllib.request.urlopen(f"{devtools}/json/list"))
    page = next(t for t in targets if t.get("type") == "page")
    async with websockets.connect(page["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024) as ws:
        tab = Tab(ws)
        for domain in ("Page", "Runtime", "Log"):
            await tab.call(f"{domain}.enable")
        for name, path, title in PAGES:
            await tab.goto(f"{base}/{path}")
            seen = await tab.js(NAV_JS)
            await tab.screenshot(shots / f"{name}.png")
            errors = tab.errors()
            problem = None
            if errors:
                problem = "; ".join(errors)
            elif not seen or seen["side"] < 10 or not seen["search"]:
                problem = f"no navigation: {seen}"
            elif title not in (seen["title"] or ""):
                problem = f"title {seen['title']!r}, expected {title!r}"
            check(f"Chromium renders {path} with its navigation, no console error "
                  f"({seen and seen['side']} navigation links; {shown(shots / (name + '.png'))})", problem)
        await tab.goto(f"{base}/search.html?q=outcome+unknown")
        found: List[str] = []
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            found = await tab.js(SEARCH_JS) or []
            if found:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)  # let the list finish growing for the screenshot
        found = await tab.js(SEARCH_JS) or found
        await tab.screenshot(shots / "search.png")
        errors = tab.errors()
        guide = any("When a write is sent again" in f for f in found)
        check(f"the site's search finds \"outcome unknown\" ({len(found)} pages, the resend guide among them; "
              f"{shown(shots / 'search.png')})",
              "; ".join(errors) if errors else (None if guide else f"results: {found[:5]}"))


def shown(path: Path) -> str:
    """A path as the report shows it: from the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run(site: Path, shots: Path, check: Callable[[str, Optional[str]], None]) -> None:
    shots.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    exe = chromium()
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + PATIENCE
            while not (port_file.exists() and port_file.read_text().strip()) and time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"chromium exited {proc.returncode}")
                time.sleep(0.1)
            port = port_file.read_text().split()[0]
            base = f"http://127.0.0.1:{server.server_address[1]}"
            asyncio.run(drive(base, shots, check, f"http://127.0.0.1:{port}"))
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            server.shutdown()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass
