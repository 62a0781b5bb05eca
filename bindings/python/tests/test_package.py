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
    for cls in (mwkit.Session, mwkit.AsyncSession):
        for method in ("login", "client_login", "logout", "email_user", "emailable", "emailable_states",
                       "reset_password", "get_options", "set_options", "reset_options", "request", "close"):
            assert (getattr(cls, method).__doc__ or "").strip(), f"{cls.__name__}.{method}"


def test_async_session_has_sessions_constructor_and_methods():
    import inspect
    assert mwkit.AsyncSession.__text_signature__ == mwkit.Session.__text_signature__
    for name in dir(mwkit.Session):
        if not name.startswith("_") or name in ("__enter__", "__exit__"):
            twin = {"__enter__": "__aenter__", "__exit__": "__aexit__"}.get(name, name)
            assert hasattr(mwkit.AsyncSession, twin), twin
    for name in ("email_user", "reset_password", "request", "client_login"):
        assert (inspect.signature(getattr(mwkit.AsyncSession, name))
                == inspect.signature(getattr(mwkit.Session, name))), name


def test_invalid_input_error_is_also_a_value_error():
    assert issubclass(mwkit.InvalidInputError, ValueError)
    for name in ("ApiError", "LoginError", "TransportError", "DecodeError", "InvalidInputError"):
        assert issubclass(getattr(mwkit, name), mwkit.MwError)
