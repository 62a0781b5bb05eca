"""mwkit's log records: the "mwkit" logger, silent until the application
configures logging. DEBUG: one record per request; INFO: a relogin or a
wait; WARNING: a write whose outcome is unknown. No record holds a secret.

  MWKIT_API_URL, MWKIT_BOT_NAME, MWKIT_BOT_PASSWORD, MWKIT_TARGET
"""

import logging
import os

import mwkit

logging.basicConfig(format="%(levelname)s:%(name)s:%(message)s")
logging.getLogger("mwkit").setLevel(logging.DEBUG)

with mwkit.Session(os.environ["MWKIT_API_URL"], user_agent="MyTool/1.0 (me@example.org)") as s:
    s.login(os.environ["MWKIT_BOT_NAME"], os.environ["MWKIT_BOT_PASSWORD"])
    s.emailable([os.environ["MWKIT_TARGET"]])
# DEBUG:mwkit:Session.emailable: POST action=query list=users -> HTTP 200 in 0.023 s
