"""Quickstart: log in with a bot password, email a user, set a preference.

  MWKIT_API_URL       the wiki's api.php
  MWKIT_BOT_NAME      a bot password's login name (NAME@APPID)
  MWKIT_BOT_PASSWORD  the bot password
  MWKIT_TARGET        the user to email
"""

import os

import mwkit

with mwkit.Session(os.environ["MWKIT_API_URL"], user_agent="MyTool/1.0 (me@example.org)") as s:
    s.login(os.environ["MWKIT_BOT_NAME"], os.environ["MWKIT_BOT_PASSWORD"])
    sent = s.email_user(os.environ["MWKIT_TARGET"], "Hello", "How are you?")
    print(sent.result, sent.warnings)  # "Success", []
    changed = s.set_options({"gender": "female"})
    print(changed.rejected)  # the options the wiki dropped, by name
# leaving the block logs out
