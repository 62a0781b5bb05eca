"""mwkit: a MediaWiki client for account actions (email a user, reset a
password, read and change preferences), backed by a Rust core.

The session API arrives with the ``[python]`` work item; this first version
exposes only the version of the native extension.
"""

from ._native import __version__

__all__ = ["__version__"]
