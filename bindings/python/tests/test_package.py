"""The installed wheel imports and reports the workspace's version."""

import re
from pathlib import Path

import mwkit

ROOT = Path(__file__).resolve().parents[3]


def workspace_version() -> str:
    text = (ROOT / "Cargo.toml").read_text()
    section = text.split("[workspace.package]", 1)[1]
    match = re.search(r'^version\s*=\s*"([^"]+)"', section, re.MULTILINE)
    assert match, "no version in [workspace.package]"
    return match.group(1)


def test_version_matches_the_workspace_version():
    assert mwkit.__version__ == workspace_version()


def test_native_module_is_private_and_reexported():
    assert "__version__" in mwkit.__all__
    assert mwkit._native.__version__ == mwkit.__version__
