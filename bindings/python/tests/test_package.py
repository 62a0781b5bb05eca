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


def test_every_public_name_and_method_has_a_docstring():
    for name in mwkit.__all__:
        obj = getattr(mwkit, name)
        if name == "__version__":
            continue
        assert (obj.__doc__ or "").strip(), f"mwkit.{name} has no docstring"
    for method in ("login", "client_login", "logout", "email_user", "emailable", "reset_password",
                   "get_options", "set_options", "reset_options", "request", "close"):
        assert (getattr(mwkit.Session, method).__doc__ or "").strip(), f"Session.{method}"


def test_invalid_input_error_is_also_a_value_error():
    assert issubclass(mwkit.InvalidInputError, ValueError)
    for name in ("ApiError", "LoginError", "TransportError", "DecodeError", "InvalidInputError"):
        assert issubclass(getattr(mwkit, name), mwkit.MwError)
