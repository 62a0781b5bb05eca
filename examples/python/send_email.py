"""Email a wiki user: the API:Emailuser flow through mwkit.

The documentation's four steps are (1) fetch a login token, (2) log in,
(3) fetch a csrf token, (4) POST action=emailuser. mwkit does steps 1 and 2
in ``login`` (plus a read that confirms the session and brings the csrf
token, step 3), then step 4 in ``email_user``; a stale token is refetched
and the email sent once more only when the wiki proves it did not act.
"""

import sys
import uuid

import mwkit
from _settings import USER_AGENT, settings


def main() -> int:
    cfg = settings()
    with mwkit.Session(cfg["api_url"], user_agent=USER_AGENT) as session:
        user = session.login(cfg["bot_name"], cfg["bot_password"])  # steps 1-3
        subject = f"Hello from mwkit | example {uuid.uuid4().hex[:8]}"
        try:
            result = session.email_user(cfg["target"], subject, "Hello!\nThis email was sent by mwkit's example.")
        except mwkit.ApiError as err:  # e.g. err.kind == "no_email" or "rate_limited"
            print(f"not sent: {err.kind} ({err.code}): {err.info}", file=sys.stderr)
            return 1
        except mwkit.TransportError as err:
            state = "may have been sent" if err.outcome_unknown else "was not sent"
            print(f"transport error, the email {state}: {err}", file=sys.stderr)
            return 1
        print(f"{user} emailed {cfg['target']}: {result.result}, subject {subject!r}")
        for warning in result.warnings:
            print(f"  warning {warning.code}: {warning.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
