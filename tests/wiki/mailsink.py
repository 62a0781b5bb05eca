"""SMTP sink for the test wiki: accepts every message on loopback and stores it.

The SMTP protocol is aiosmtpd's; this file only decides where a message goes.
Each delivered message becomes two files in the mail folder:

* ``NNNNNN.eml``  - the raw bytes as received (DATA), unchanged;
* ``NNNNNN.json`` - the envelope and the decoded headers and body, for tests in
  any language: ``seq``, ``mail_from``, ``rcpt_to``, ``subject`` (RFC 2047
  decoded), ``from``, ``to``, ``reply_to``, ``body`` (decoded text, line
  endings as ``\n``), ``text`` (the body before the last signature
  separator ``-- ``, trailing newlines dropped: for MediaWiki's mails, what
  the sender wrote) and ``received`` (UTC, ISO 8601).

Both are written to a temporary name and renamed, the ``.eml`` first, so a
reader that lists ``*.json`` never sees a half-written message.

Usage: python mailsink.py --host 127.0.0.1 --port PORT --dir MAILDIR
"""

from __future__ import annotations

import argparse
import datetime as _dt
import email
import email.policy
import json
import os
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


def _decoded_body(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


class StoreHandler:
    """aiosmtpd handler that writes each message to the mail folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.seq = len(list(self.folder.glob("*.eml")))

    def _write(self, path: Path, data: bytes) -> None:
        tmp = path.with_name("." + path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw: bytes = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.seq += 1
            seq = self.seq
        stem = f"{seq:06d}"
        body = _decoded_body(msg).replace("\r\n", "\n")
        record = {
            "seq": seq,
            "mail_from": envelope.mail_from,
            "rcpt_to": list(envelope.rcpt_tos),
            "subject": str(msg.get("subject", "")),
            "from": str(msg.get("from", "")),
            "to": str(msg.get("to", "")),
            "reply_to": str(msg.get("reply-to", "")),
            "body": body,
            "text": body.rsplit("\n-- \n", 1)[0].rstrip("\n"),
            "received": _dt.datetime.now(_dt.timezone.utc).isoformat(),
        }
        self._write(self.folder / f"{stem}.eml", raw)
        self._write(
            self.folder / f"{stem}.json",
            json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"),
        )
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()

    controller = Controller(
        StoreHandler(args.dir),
        hostname=args.host,
        port=args.port,
        # MediaWiki sends 8-bit UTF-8 bodies; keep the bytes as they are.
        decode_data=False,
        data_size_limit=64 * 1024 * 1024,
    )
    controller.start()
    print(f"mailsink listening on {args.host}:{args.port}, storing in {args.dir}", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
