# HTTPS with a private CA. (The test command runs this file against its
# test wiki's HTTPS port, whose certificate is signed by a CA of its own:
# MWKIT_HTTPS_API_URL is that api.php, MWKIT_CA_FILE the CA's certificate.)

# Not trusted by the system: nothing is sent, exit status 1.
status=0
mwkit --api "$MWKIT_HTTPS_API_URL" emailable "$MWKIT_TARGET" 2>error.txt || status=$?
echo "exit status: $status"
cat error.txt   # what failed, and what to do

# Trust the CA's certificate (PEM) for this command, as curl --cacert ...
mwkit --ca-file "$MWKIT_CA_FILE" --api "$MWKIT_HTTPS_API_URL" emailable "$MWKIT_TARGET"

# ... or change the store, as for any OpenSSL-based tool.
SSL_CERT_FILE="$MWKIT_CA_FILE" mwkit --api "$MWKIT_HTTPS_API_URL" emailable "$MWKIT_TARGET"
