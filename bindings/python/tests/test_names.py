"""Names as people write them, from Python (sync and async): each spelling
gets the wiki's answer for it, keyed by the spelling given."""

from __future__ import annotations

import asyncio
import unicodedata

import mwkit

from conftest import nonce


def spellings(wiki) -> "dict[str, str]":
    """Spellings with the state the wiki gives each (asked alone, see the
    Rust suite's names oracle)."""
    rcpt = wiki.user("recipient")["name"]
    unicode = wiki.user("unicode")["name"]
    nfd = unicodedata.normalize("NFD", unicode)
    assert nfd != unicode
    return {
        rcpt: "emailable",
        f"User:{rcpt}": "emailable",
        f"user : {rcpt[0].lower()}{rcpt[1:]}": "emailable",
        f"\u200e{rcpt}\u200f": "emailable",
        f"\u202b{rcpt}\u202c": "emailable",
        unicode: "emailable",
        nfd: "emailable",
        f"User:{nfd.replace(' ', '_')}": "emailable",
        f"USER:\u3000{wiki.user('no_address')['name']}": "not_emailable",
        f"Talk:{rcpt}": "invalid",
        f"User:User:{rcpt}": "invalid",
        f"Nobody {nonce()}": "missing",
    }


def test_every_spelling_gets_the_wikis_answer_keyed_as_given(wiki):
    s, _ = wiki.logged_in("sender", "names")
    want = spellings(wiki)
    assert s.emailable_states(list(want)) == want
    assert s.emailable(list(want)) == {k: v == "emailable" for k, v in want.items()}


def test_every_spelling_gets_the_wikis_answer_keyed_as_given_async(wiki):
    u = wiki.user("sender")
    want = spellings(wiki)

    async def main() -> "dict[str, str]":
        async with mwkit.AsyncSession(wiki.api_url, user_agent="mwkit-pytest/names-async") as s:
            await s.login(u["bot_name"], u["bot_password"])
            return await s.emailable_states(list(want))

    assert asyncio.run(main()) == want
