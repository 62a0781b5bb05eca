"""Start a password reset: the API:Resetpassword flow through mwkit.

The documentation's steps are (1) fetch a csrf token and (2) POST
action=resetpassword. Logged out, the csrf token is the anonymous ``+\\``,
which mwkit uses without asking; a bot password may not reset passwords, so
this example stays logged out. The wiki answers "success" even when it sends
no mail (an unknown user, a throttled reset).
"""

import sys

import mwkit
from _settings import USER_AGENT, settings


def main() -> int:
    cfg = settings()
    user = cfg.get("reset_user") or cfg["target"]
    session = mwkit.Session(cfg["api_url"], user_agent=USER_AGENT)
    try:
        session.reset_password(user=user)
    except mwkit.InvalidInputError as err:
        print(f"refused before sending: {err}", file=sys.stderr)
        return 1
    except mwkit.ApiError as err:
        print(f"the wiki refused: {err.kind}: {err.info}", file=sys.stderr)
        return 1
    print(f"password reset requested for {user}; a mail goes to the user's address")
    return 0


if __name__ == "__main__":
    sys.exit(main())
