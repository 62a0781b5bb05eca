"""Change preferences: the API:Options flow through mwkit.

The documentation's steps are (1) fetch a login token, (2) log in, (3) fetch
a csrf token, (4) POST action=options with ``change=name=value|...`` and, for
one value holding ``|``, ``optionname``/``optionvalue``. mwkit sends any
number of values, ``|`` or not, in as few requests as the wiki allows, and
reports the options the wiki dropped: it answers "success" even then.
"""

import sys

import mwkit
from _settings import USER_AGENT, settings


def main() -> int:
    cfg = settings()
    with mwkit.Session(cfg["api_url"], user_agent=USER_AGENT) as session:
        session.login(cfg["bot_name"], cfg["bot_password"])  # steps 1-3
        changes = {
            "gender": "female",
            "userjs-mwkit-example-signature": "custom-signa|ture",  # a value holding |
            "no-such-preference": "1",  # the wiki drops it, and says so
        }
        result = session.set_options(changes)  # step 4
        for name, warning in result.rejected.items():
            print(f"dropped by the wiki: {name}: {warning.text}")
        options = session.get_options()
        for name in ("gender", "userjs-mwkit-example-signature"):
            print(f"{name} = {options[name]!r}")
        ok = options["userjs-mwkit-example-signature"] == "custom-signa|ture"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
