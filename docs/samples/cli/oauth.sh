# Acting with an OAuth token: an owner-only consumer's access token, from
# the consumer's page, in MWKIT_OAUTH2_TOKEN (never an argument). It replaces
# the user and the password: set neither with it.
#   export MWKIT_API=https://wiki.example/w/api.php MWKIT_OAUTH2_TOKEN=...

mwkit email --to "$MWKIT_TARGET" --subject Hello --text "Sent with OAuth"
mwkit --json options get gender

# A token the wiki refuses: exit status 1, kind oauth_invalid, nothing acted.
status=0
MWKIT_OAUTH2_TOKEN=no-such-token mwkit --json options get 2>/dev/null || status=$?
echo "exit status: $status"
