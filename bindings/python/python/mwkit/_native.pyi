"""Type stubs for mwkit's native module (checked by mypy's stubtest)."""

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union, final

from typing_extensions import Self

__all__ = [
    "ApiWarning",
    "AsyncSession",
    "EmailResult",
    "OptionsResult",
    "Session",
    "DEFAULTS",
    "ERROR_CODES",
    "_example_error",
    "_at_exit",
    "__version__",
]

__version__: str
DEFAULTS: Dict[str, Union[int, float]]
ERROR_CODES: Tuple[Tuple[str, int, str, Optional[str], str, bool], ...]

# client_login's answer to the wiki's question for a second factor: a
# two-factor code, or a callable asked for one only when the wiki asks
# (returning None or "" gives none: "second_factor_required"). A login
# whose session the wiki lost between the steps starts over once, asking a
# callable again; with a str it is LoginError "login_session_lost".
_Otp = Union[str, Callable[[], Optional[str]]]

def _example_error(name: str) -> Optional[BaseException]: ...
def _at_exit() -> None: ...

@final
class ApiWarning:
    """A warning or error message from the wiki."""

    @property
    def code(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def module(self) -> Optional[str]: ...

@final
class EmailResult:
    """The outcome of Session.email_user."""

    @property
    def result(self) -> str: ...
    @property
    def warnings(self) -> List[ApiWarning]: ...

@final
class OptionsResult:
    """The outcome of Session.set_options and Session.reset_options."""

    @property
    def warnings(self) -> List[ApiWarning]: ...
    @property
    def rejected(self) -> Dict[str, ApiWarning]: ...
    @property
    def rejected_unnamed(self) -> List[ApiWarning]: ...

@final
class Session:
    """A session with one wiki.

    Ctrl-C interrupts any call within a fraction of a second: the call is
    abandoned and the session stays usable; a write already on its way is
    never sent again, and a WARNING on the "mwkit" logger says its outcome
    is unknown. An interrupted set_options or reset_options sets attributes
    on the KeyboardInterrupt itself, named and shaped as an incomplete
    change's error: applied, unknown (the request on its way), not_applied
    (never sent), rejected and rejected_unnamed. In a forked child it works on connections of its own,
    unless a call of it was in progress at the fork (RuntimeError then).
    Records on the "mwkit" logger: DEBUG per request, INFO relogins and
    waits, WARNING writes whose outcome is unknown; never a secret.
    The login_oauth* methods act with an OAuth token instead of a password
    (the token is the login; a refused one is LoginError "oauth_invalid").
    """

    def __new__(
        cls,
        api_url: str,
        user_agent: str,
        *,
        timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        maxlag: Optional[int] = 5,
        retries: int = 3,
        max_wait: Optional[float] = None,
        max_response_bytes: int = 16777216,
        allow_insecure_credentials: bool = False,
        ca_file: Optional[Union[str, "os.PathLike[str]"]] = None,
    ) -> Session: ...
    @property
    def user(self) -> Optional[str]: ...
    @property
    def api_url(self) -> str: ...
    def login(self, username: str, password: str) -> str: ...
    def client_login(
        self, username: str, password: str, *, new_password: Optional[str] = None, otp: Optional[_Otp] = None
    ) -> str: ...
    def login_oauth2(self, access_token: str) -> str: ...
    def login_oauth2_client(self, client_id: str, client_secret: str) -> str: ...
    def login_oauth1(
        self, consumer_key: str, consumer_secret: str, access_token: str, access_secret: str
    ) -> str: ...
    def logout(self) -> List[ApiWarning]: ...
    def email_user(self, target: str, subject: str, text: str, *, cc_me: bool = False) -> EmailResult: ...
    def emailable(self, names: Sequence[str]) -> Dict[str, bool]: ...
    def emailable_states(self, names: Sequence[str]) -> Dict[str, str]: ...
    def reset_password(self, *, user: Optional[str] = None, email: Optional[str] = None) -> List[ApiWarning]: ...
    def get_options(self) -> Dict[str, str]: ...
    def set_options(self, changes: Mapping[str, Optional[str]]) -> OptionsResult: ...
    def reset_options(self, kinds: Sequence[str] = ...) -> OptionsResult: ...
    def request(
        self, params: Mapping[str, Union[str, int]], *, post: bool = False, token: Optional[str] = None
    ) -> Dict[str, Any]: ...
    def close(self) -> List[ApiWarning]: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool: ...

@final
class AsyncSession:
    """A session with one wiki for asyncio: Session's methods as coroutines.

    Each method checks its input when called, as Session's do: bad input
    raises InvalidInputError from the call itself, before a coroutine is
    returned and before anything is sent. A cancelled call is abandoned.
    client_login's otp callable is called on one of mwkit's threads, not
    the event loop's: it must not wait for the loop.
    In a process forked from the one that made it, it raises RuntimeError;
    a new AsyncSession works in any process.
    """

    def __new__(
        cls,
        api_url: str,
        user_agent: str,
        *,
        timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        maxlag: Optional[int] = 5,
        retries: int = 3,
        max_wait: Optional[float] = None,
        max_response_bytes: int = 16777216,
        allow_insecure_credentials: bool = False,
        ca_file: Optional[Union[str, "os.PathLike[str]"]] = None,
    ) -> AsyncSession: ...
    @property
    def user(self) -> Optional[str]: ...
    @property
    def api_url(self) -> str: ...
    async def login(self, username: str, password: str) -> str: ...
    async def client_login(
        self, username: str, password: str, *, new_password: Optional[str] = None, otp: Optional[_Otp] = None
    ) -> str: ...
    async def login_oauth2(self, access_token: str) -> str: ...
    async def login_oauth2_client(self, client_id: str, client_secret: str) -> str: ...
    async def login_oauth1(
        self, consumer_key: str, consumer_secret: str, access_token: str, access_secret: str
    ) -> str: ...
    async def logout(self) -> List[ApiWarning]: ...
    async def email_user(self, target: str, subject: str, text: str, *, cc_me: bool = False) -> EmailResult: ...
    async def emailable(self, names: Sequence[str]) -> Dict[str, bool]: ...
    async def emailable_states(self, names: Sequence[str]) -> Dict[str, str]: ...
    async def reset_password(self, *, user: Optional[str] = None, email: Optional[str] = None) -> List[ApiWarning]: ...
    async def get_options(self) -> Dict[str, str]: ...
    async def set_options(self, changes: Mapping[str, Optional[str]]) -> OptionsResult: ...
    async def reset_options(self, kinds: Sequence[str] = ...) -> OptionsResult: ...
    async def request(
        self, params: Mapping[str, Union[str, int]], *, post: bool = False, token: Optional[str] = None
    ) -> Dict[str, Any]: ...
    async def close(self) -> List[ApiWarning]: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool: ...
