# The command line's first steps: who can be emailed, an email, a
# preference set, read back and reset, and a password reset.
#
# The wiki and the account come from the environment, never from arguments:
#   export MWKIT_API=https://wiki.example/w/api.php
#   export MWKIT_USER=MyBot@mytool      # NAME@APPID: a bot password
#   export MWKIT_PASSWORD=...           # or leave it unset and be asked
# (The test command runs this file against its test wiki, with
# MWKIT_TARGET and MWKIT_RESET_USER naming two of its users.)

mwkit emailable "$MWKIT_TARGET"
mwkit email --to "$MWKIT_TARGET" --subject "Wiki maintenance" --text "Saturday 10:00 UTC"

mwkit options set gender=female
mwkit --json options get gender
mwkit options set gender=           # NAME= with nothing after it resets NAME

# Logged out: no account is needed, and none is used.
mwkit reset-password --user "$MWKIT_RESET_USER"
