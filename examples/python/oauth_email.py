"""Act with an OAuth token instead of a password, then email a user.

A wiki with Extension:OAuth lets an account's owner make an owner-only
consumer for their own tool (Special:OAuthConsumerRegistration, "This
consumer is for use only by" the owner, with the grants the tool needs,
e.g. "Send email to other users"): it is approved at once, and the page
shows its access token. That token is the login: every request carries it,
no password is ever sent, and logging out forgets it.

Environment: MWKIT_API_URL, MWKIT_OAUTH2_TOKEN and MWKIT_TARGET; or
MWKIT_WIKI_JSON (the test wiki with Extension:OAuth).
"""

import json
import os
import sys
import uuid

import mwkit
from _settings import USER_AGENT


def settings() -> "dict[str, str]":
    found: "dict[str, str]" = {}
    state_path = os.environ.get("MWKIT_WIKI_JSON")
    if state_path:
        with open(state_path, encoding="utf-8") as fh:
            state = json.load(fh)
        if state.get("oauth"):
            found = {"api_url": state["api_url"], "oauth2_token": state["oauth"]["oauth2_token"],
                     "target": state["users"]["recipient"]["name"]}
    for key in ("api_url", "oauth2_token", "target"):
        if os.environ.get(f"MWKIT_{key.upper()}"):
            found[key] = os.environ[f"MWKIT_{key.upper()}"]
    missing = [f"MWKIT_{k.upper()}" for k in ("api_url", "oauth2_token", "target") if k not in found]
    if missing:
        raise SystemExit(f"set {', '.join(missing)} (or MWKIT_WIKI_JSON of a wiki with Extension:OAuth)")
    return found


def main() -> int:
    cfg = settings()
    with mwkit.Session(cfg["api_url"], user_agent=USER_AGENT) as session:
        try:
            user = session.login_oauth2(cfg["oauth2_token"])  # one read: whose token is it?
        except mwkit.LoginError as err:
            if err.kind == "oauth_invalid":  # garbage, expired, revoked, a disabled consumer
                print(f"the wiki refused the token: {err.reason}", file=sys.stderr)
                return 1
            raise
        subject = f"Hello from mwkit | OAuth example {uuid.uuid4().hex[:8]}"
        result = session.email_user(cfg["target"], subject, "Hello!\nSent with an OAuth token.")
        print(f"{user} emailed {cfg['target']}: {result.result}, subject {subject!r}")
    return 0  # leaving the block forgot the token; nothing was sent for it


if __name__ == "__main__":
    sys.exit(main())
