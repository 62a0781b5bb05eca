# Bulk mail: one mail per user of a list, with a journal that makes a rerun
# safe. (The names are users of the test wiki, which the test command runs
# this file against: MwkitNoAddress has no email address.)

cat > staff.txt <<'LIST'
# staff notice: one user name a line; blank lines and comments are ignored
MwkitBulk01
MwkitBulk02
MwkitNoAddress
LIST

send() {
  mwkit email --to-list staff.txt --journal notice.journal \
    --subject "Maintenance" --text "Saturday 10:00 UTC"
}

# The first run sends to MwkitBulk01 and MwkitBulk02 and reports that
# MwkitNoAddress cannot be emailed.
status=0
send || status=$?
echo "exit status: $status"

# The same command again: the journal says who was sent the mail already,
# so nobody gets it twice.
send | grep "already sent"

# The journal: JSON lines, `sending` written (and fsynced) before each
# request leaves, then `sent`, `failed` or `unknown`.
tail -n 2 notice.journal

# --json: one line per recipient, then a summary with the counts.
mwkit --json email --to-list staff.txt --journal notice.journal \
  --subject "Maintenance" --text "Saturday 10:00 UTC" | tail -n 1 || true
