"""HTTPS with a private CA: trust the CA's certificate (PEM) for this session.

Without ca_file, mwkit trusts the system's store (SSL_CERT_FILE and
SSL_CERT_DIR honoured). There is no way to turn verification off.

  MWKIT_HTTPS_API_URL  the wiki's api.php over https
  MWKIT_CA_FILE        the private CA's certificate, PEM
  MWKIT_BOT_NAME, MWKIT_BOT_PASSWORD, MWKIT_TARGET
"""

import os

import mwkit

api_url = os.environ["MWKIT_HTTPS_API_URL"]
ua = "MyTool/1.0 (me@example.org)"

# Not trusted by the system: nothing is sent, and the error says why.
try:
    mwkit.Session(api_url, user_agent=ua).emailable(["Alice"])
except mwkit.TlsError as e:
    print("refused:", e.reason)  # "unknown issuer", "name mismatch", "expired" or "protocol"

with mwkit.Session(api_url, user_agent=ua, ca_file=os.environ["MWKIT_CA_FILE"]) as s:
    s.login(os.environ["MWKIT_BOT_NAME"], os.environ["MWKIT_BOT_PASSWORD"])
    print(s.emailable([os.environ["MWKIT_TARGET"]]))
