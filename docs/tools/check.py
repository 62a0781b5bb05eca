"""Checks the built site (scripts/docs --check runs this in the docs venv).

Each check prints `ok NAME` or `FAILED NAME: why`; the last line is
`docs: N passed, N failed`, which the test command counts.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, List, Optional, Set, Tuple
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
sys.path.insert(0, str(Path(__file__).parent))

import browser  # noqa: E402

results: List[Tuple[str, Optional[str]]] = []
CLI_DIR = ROOT / "target" / "debug"


def check(name: str, problem: Optional[str]) -> None:
    if problem is not None:  # one line: no output quoted in it may pass for another step's count
        problem = " | ".join(line for line in problem.splitlines() if line.strip())
    results.append((name, problem))
    print(f"ok {name}" if problem is None else f"FAILED {name}: {problem}", flush=True)


def listing(items: List[str], most: int = 12) -> str:
    more = f" (and {len(items) - most} more)" if len(items) > most else ""
    return ", ".join(items[:most]) + more


class Page(html.parser.HTMLParser):
    """The ids and the link targets of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: Set[str] = set()
        self.links: List[str] = []

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"] or "")
        if tag in ("link", "script", "img") and (a.get("href") or a.get("src")):
            self.links.append(a.get("href") or a.get("src") or "")


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def internal_links(site: Path) -> None:
    pages = {p: parse(p) for p in site.rglob("*.html")}
    broken, anchors, checked = [], [], 0
    for path, page in pages.items():
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//"):
                continue  # another site: not ours to check
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            where = f"{path.relative_to(site)} -> {href}"
            if not target.exists():
                broken.append(where)
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    anchors.append(where)
    check(f"internal links resolve ({checked} links in {len(pages)} pages)",
          f"missing: {listing(broken)}" if broken else None)
    check("internal anchors resolve", f"no such anchor: {listing(anchors)}" if anchors else None)


def python_reference(site: Path) -> None:
    import mwkit

    ids = parse(site / "reference" / "python.html").ids
    wanted: List[str] = []
    for name in sorted(set(mwkit.__all__) | {n for n in dir(mwkit) if not n.startswith("_")}):
        obj = getattr(mwkit, name)
        if type(obj).__name__ == "module":
            continue
        wanted.append(f"mwkit.{name}")
        if isinstance(obj, type):  # and each public method, property and attribute of a class
            wanted += [f"mwkit.{name}.{attr}" for attr in sorted(vars(obj)) if not attr.startswith("_")]
    missing = [w for w in wanted if w not in ids]
    check(f"the Python reference covers every public name of mwkit {mwkit.__version__} ({len(wanted)} names)",
          f"not documented: {listing(missing)}" if missing else None)


def c_reference(site: Path) -> None:
    header = (ROOT / "bindings" / "c" / "include" / "mw.h").read_text(encoding="utf-8")
    # Independent of the generator: any `type name(` that starts a line.
    functions = sorted(set(re.findall(r"^[A-Za-z][\w\s\*]*?\b(mw_\w+)\(", header, re.M)))
    ids = parse(site / "reference" / "c.html").ids
    missing = [f for f in functions if f not in ids and f.replace("_", "-") not in ids]
    check(f"the C reference covers every function of mw.h ({len(functions)})",
          f"not documented: {listing(missing)}" if missing else None)


def cli_reference(site: Path, cli: str) -> None:
    text = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    proc = subprocess.run([cli, "--help"], capture_output=True, text=True, env={"NO_COLOR": "1"})
    subs = re.findall(r"^  (\S+)", proc.stdout.split("Commands:")[-1].split("\n\n")[0], re.M)
    missing = [s for s in subs if s != "help" and f"mwkit {s}" not in text]
    check(f"the command-line reference has every subcommand of `mwkit --help` ({len(subs) - 1})",
          f"missing: {listing(missing)}" if missing or proc.returncode else None)


FENCE = re.compile(r"^(```+|~~~+)(.*)$")


def fences(text: str) -> List[Tuple[str, str]]:
    """(info string, body) of each fenced block of a Markdown text."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith(m[1])), len(lines))
            out.append((m[2].strip(), "\n".join(lines[i + 1:end])))
            i = end
        i += 1
    return out


def samples_are_files() -> None:
    typed = []
    for md in sorted(DOCS.rglob("*.md")):
        if "_generated" in md.parts:
            continue
        for info, _ in fences(md.read_text(encoding="utf-8")):
            if not info.startswith("{"):  # a directive ({literalinclude}, {include}, ...) is not a typed sample
                typed.append(f"{md.relative_to(ROOT)} ({info or 'no language'})")
    check("every code block on the site is included from a file", f"typed in a page: {listing(typed)}" if typed else None)


TESTED = ["examples/python", "examples/rust/src", "examples/c", "docs/samples", "tests/dist"]


def front_door() -> None:
    """Each code block of the front door, README.md, is a run of whole lines
    of a tested file, indentation aside."""
    path = ROOT / "README.md"
    sources = [
        [line.strip() for line in f.read_text(encoding="utf-8").splitlines()]
        for d in TESTED for f in (ROOT / d).rglob("*") if f.is_file()
    ]
    text = path.read_text(encoding="utf-8")
    strays, blocks = [], fences(text)
    for info, body in blocks:
        want = [line.strip() for line in body.splitlines()]
        if info == "sh" and all(not w or w.startswith(("scripts/", "pip ", "pipx ", "cargo ", "#")) for w in want):
            continue  # the set-up commands, which the test command runs (pipx: pip on the same wheel)
        if not any(any(src[k:k + len(want)] == want for k in range(len(src))) for src in sources):
            strays.append(f"{info or 'block'} starting {want[0][:40]!r}")
    lines = len(text.splitlines())
    # Its links are written for the repository's root, where it is.
    dead = [link for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
            if not urlsplit(link).scheme and not (ROOT / link).exists()]
    check(f"{path.relative_to(ROOT)}: every link to a file of the repository resolves",
          f"missing: {listing(dead)}" if dead else None)
    check(f"{path.relative_to(ROOT)}: {lines} lines, its {len(blocks)} code blocks cut from tested files",
          f"not in any tested file: {listing(strays)}" if strays else (f"{lines} lines (at most 200)" if lines > 210 else None))


def sample_command(sample: Path, work: str) -> Tuple[List[str], Optional[str]]:
    """How to run a sample: (command, or a reason it cannot be built)."""
    if sample.suffix == ".py":
        return [sys.executable, str(sample)], None
    if sample.suffix == ".sh":
        return ["bash", "-eu", str(sample)], None
    if sample.suffix == ".c":  # built as a user would, against an installed libmw: scripts/dist's, or tests/c's
        prefix = next((p for p in (ROOT / "target" / "dist" / "c", ROOT / "target" / "c")
                       if (p / "lib" / "pkgconfig" / "mw.pc").exists()), ROOT / "target" / "dist" / "c")
        pc = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "mw"], env=pc, capture_output=True, text=True)
        if flags.returncode != 0:
            return [], f"no C library in {prefix} (scripts/dist installs it): {flags.stderr.strip()}"
        exe = str(Path(work) / sample.stem)
        cc = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", str(sample), "-o", exe,
                             *flags.stdout.split(), f"-Wl,-rpath,{prefix / 'lib'}"], capture_output=True, text=True)
        return ([exe], None) if cc.returncode == 0 else ([], f"cc failed: {cc.stderr[-800:]}")
    if sample.suffix == ".rs":  # a binary of the examples crate
        return ["cargo", "run", "--quiet", "-p", "mwkit-examples", "--bin", sample.stem], None
    return [], f"no way to run {sample.suffix} files"


def output_differs(expected: str, got: str) -> bool:
    """Whether a sample printed other than its .out file (shown on the site)
    says, its journal's times aside."""
    times = re.compile(r'"at":\d+')
    return times.sub('"at":T', expected) != times.sub('"at":T', got)


# Samples kept outside docs/samples because they must live in a crate.
RUST_SAMPLES = [
    "examples/rust/src/bin/quickstart.rs",
    "examples/rust/src/bin/https_ca_file.rs",
    "examples/rust/src/bin/oauth_email.rs",
]


def samples() -> None:
    """The samples under docs/samples (and the Rust quickstart) run against the test wiki."""
    state_path = os.environ.get("MWKIT_WIKI_JSON")
    found = sorted(p for p in (DOCS / "samples").rglob("*") if p.is_file() and p.suffix != ".out")
    found += [ROOT / p for p in RUST_SAMPLES]
    if not state_path:
        check(f"the site's samples run ({len(found)})",
              "MWKIT_WIKI_JSON is not set: bring the test wiki up (tests/wiki/testwiki up) and eval its env")
        return
    state = json.loads(Path(state_path).read_text(encoding="utf-8"))
    users = state["users"]
    env = dict(os.environ)
    env.update({
        "PATH": f"{CLI_DIR}:{Path(sys.executable).parent}:{env['PATH']}",
        "MWKIT_API": state["api_url"], "MWKIT_USER": users["sender"]["bot_name"],
        "MWKIT_PASSWORD": users["sender"]["bot_password"],
        "MWKIT_API_URL": state["api_url"], "MWKIT_BOT_NAME": users["sender"]["bot_name"],
        "MWKIT_BOT_PASSWORD": users["sender"]["bot_password"], "MWKIT_TARGET": users["recipient"]["name"],
        "MWKIT_RESET_USER": users["reset3"]["name"], "NO_COLOR": "1",
        "MWKIT_MAIN_USER": users["recipient"]["name"], "MWKIT_MAIN_PASSWORD": users["recipient"]["password"],
    })
    env.pop("MWKIT_WIKI_JSON", None)  # the samples read only what a user would set
    for name in [n for n in env if n.startswith("MWKIT_OAUTH2_")]:
        del env[name]
    if state.get("tls"):
        env.update({"MWKIT_HTTPS_API_URL": state["tls"]["api_url"], "MWKIT_CA_FILE": state["tls"]["ca_file"]})
    for sample in found:
        run_env = env
        if "oauth" in sample.stem:  # acts with the token instead of the account (the command line refuses both)
            if not state.get("oauth"):
                check(f"{sample.relative_to(ROOT)} runs", "the test wiki has no Extension:OAuth (wiki.json oauth is null)")
                continue
            run_env = {k: v for k, v in env.items() if k not in ("MWKIT_USER", "MWKIT_PASSWORD")}
            run_env["MWKIT_OAUTH2_TOKEN"] = state["oauth"]["oauth2_token"]
        with tempfile.TemporaryDirectory() as work:
            cmd, problem = sample_command(sample, work)
            if cmd:
                proc = subprocess.run(cmd, cwd=work if sample.suffix != ".rs" else ROOT, env=run_env,
                                      capture_output=True, text=True, timeout=600)
                expected = sample.with_suffix(".out")
                if proc.returncode != 0:
                    problem = f"exit {proc.returncode}: {(proc.stdout + proc.stderr)[-800:]}"
                elif expected.exists() and output_differs(expected.read_text(encoding="utf-8"), proc.stdout):
                    problem = f"its output differs from {expected.relative_to(ROOT)}, which the site shows: {proc.stdout[-800:]}"
                elif os.environ.get("MWKIT_DOCS_VERBOSE"):
                    print(proc.stdout + proc.stderr)
        check(f"{sample.relative_to(ROOT)} runs against the test wiki (MediaWiki {state.get('mw_version', '?')})",
              problem)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--built", required=True)
    ap.add_argument("--site", required=True)
    ap.add_argument("--cli", required=True)
    args = ap.parse_args()
    global CLI_DIR
    CLI_DIR = Path(args.cli).resolve().parent
    site = ROOT / args.site
    check("the site builds with warnings as errors (target/docs/build.log)",
          None if args.built == "1" else "sphinx-build failed: see target/docs/build.log")
    steps: List[Callable[[], None]] = []
    if args.built == "1":
        steps = [lambda: internal_links(site), lambda: python_reference(site), lambda: c_reference(site),
                 lambda: cli_reference(site, args.cli)]
    steps += [samples_are_files, front_door, samples]
    if args.built == "1":
        steps.append(lambda: browser.run(site, ROOT / "target" / "docs-screenshots", check))
    for step in steps:
        try:
            step()
        except Exception as exc:  # a check that crashed is a failed check, and the others still run
            check(getattr(step, "__name__", "a check"), f"crashed: {exc!r}")
    passed = sum(1 for _, p in results if p is None)
    print(f"docs: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
