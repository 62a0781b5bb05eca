"""Email several messages at once from asyncio: mwkit.AsyncSession.

One session, logged in once, sends the mails concurrently with
``asyncio.gather``: they share its login and its csrf token, and while they
are on their way the event loop stays free for other tasks. Every method of
``mwkit.Session`` is here a coroutine, with the same arguments, results and
exceptions.
"""

import asyncio
import sys
import uuid

import mwkit
from _settings import USER_AGENT, settings

MAILS = 3


async def main() -> int:
    cfg = settings()
    async with mwkit.AsyncSession(cfg["api_url"], user_agent=USER_AGENT) as session:
        user = await session.login(cfg["bot_name"], cfg["bot_password"])
        if not (await session.emailable([cfg["target"]]))[cfg["target"]]:
            print(f"{cfg['target']} cannot be emailed", file=sys.stderr)
            return 1
        run = uuid.uuid4().hex[:8]
        subjects = [f"Hello from mwkit | async example {run} {i + 1}/{MAILS}" for i in range(MAILS)]
        results = await asyncio.gather(
            *(session.email_user(cfg["target"], subject, "Hello!\nThis email was sent by mwkit's async example.")
              for subject in subjects),
            return_exceptions=True,  # one failed mail does not hide the others' results
        )
        failed = 0
        for subject, result in zip(subjects, results):
            if isinstance(result, mwkit.TransportError):
                state = "may have been sent" if result.outcome_unknown else "was not sent"
                print(f"{subject!r}: transport error, the email {state}: {result}", file=sys.stderr)
                failed += 1
            elif isinstance(result, mwkit.MwError):  # e.g. ApiError kind "rate_limited"
                print(f"{subject!r}: not sent: {result}", file=sys.stderr)
                failed += 1
            elif isinstance(result, BaseException):
                raise result
            else:
                print(f"{user} emailed {cfg['target']}: {result.result}, subject {subject!r}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
