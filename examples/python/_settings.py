"""Where the examples point: a real wiki through environment variables, or
the local test wiki (tests/wiki/testwiki) through MWKIT_WIKI_JSON.

  MWKIT_API_URL       the wiki's api.php
  MWKIT_BOT_NAME      a bot password's login name (User@appid)
  MWKIT_BOT_PASSWORD  the bot password
  MWKIT_TARGET        the user to email (send_email.py)
  MWKIT_RESET_USER    the user whose password to reset (reset_password.py)
"""

from __future__ import annotations

import json
import os
from typing import Dict

USER_AGENT = "mwkit-examples/1.0 (https://example.invalid/mwkit; examples@example.invalid)"


def settings() -> Dict[str, str]:
    found: Dict[str, str] = {}
    state_path = os.environ.get("MWKIT_WIKI_JSON")
    if state_path:
        with open(state_path, encoding="utf-8") as fh:
            state = json.load(fh)
        users = state["users"]
        found = {
            "api_url": state["api_url"],
            "bot_name": users["sender"]["bot_name"],
            "bot_password": users["sender"]["bot_password"],
            "target": users["recipient"]["name"],
            "reset_user": users["reset3"]["name"],
        }
    for key in ("api_url", "bot_name", "bot_password", "target", "reset_user"):
        value = os.environ.get(f"MWKIT_{key.upper()}")
        if value:
            found[key] = value
    missing = [k for k in ("api_url", "bot_name", "bot_password") if k not in found]
    if missing:
        raise SystemExit(f"set MWKIT_WIKI_JSON, or MWKIT_{', MWKIT_'.join(m.upper() for m in missing)}")
    return found
