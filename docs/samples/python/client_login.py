"""A main account (not a bot password) logs in with action=clientlogin.

The two-factor code is asked for only when the wiki asks (OATHAuth's TOTP),
so an account without two-factor never sees the prompt.

  MWKIT_API_URL        the wiki's api.php
  MWKIT_MAIN_USER      a main account's name (no @)
  MWKIT_MAIN_PASSWORD  its password
"""

import getpass
import os

import mwkit

api_url = os.environ["MWKIT_API_URL"]
name = os.environ["MWKIT_MAIN_USER"]
password = os.environ["MWKIT_MAIN_PASSWORD"]


def ask_code() -> str:
    return getpass.getpass("Two-factor code: ")


with mwkit.Session(api_url, user_agent="MyTool/1.0 (me@example.org)") as s:
    try:
        user = s.client_login(name, password, otp=ask_code)
    except mwkit.LoginError as e:
        # "second_factor_required": no code given; "second_factor_failed": refused
        # (log in again with a fresh code); else the wiki's reason.
        raise SystemExit(f"login refused ({e.kind}): {e.reason}")
    print("logged in as", user)
    print("my gender preference:", s.get_options().get("gender"))
