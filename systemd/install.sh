#!/usr/bin/env bash
# Installs Duban on this machine: a release build with the Swift runtime linked
# statically, the systemd unit, the shipped templates and calendars, and an
# example configuration — never overwriting an existing one. Run as root from
# a checkout:
#
#     systemd/install.sh            # then edit /etc/duban/duban.toml
#     systemctl enable --now duban
#
# PREFIX (default /usr/local) and DESTDIR (default empty) are honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}

swift build -c release --product duban --static-swift-stdlib
install -D -m 0755 .build/release/duban "$DESTDIR$PREFIX/bin/duban"

# Shipped templates: replaced on upgrade. Overrides go to /etc/duban/templates/LOCALE/.
install -d "$DESTDIR/usr/share/duban/templates"
cp -r config/templates/. "$DESTDIR/usr/share/duban/templates/"
install -D -m 0644 README.md "$DESTDIR/usr/share/doc/duban/README.md"

# Configuration and calendars: only what is missing.
install -d -m 0755 "$DESTDIR/etc/duban/calendars" "$DESTDIR/etc/duban/templates"
install -d -m 0700 "$DESTDIR/etc/duban/credentials"
# LoadCredential= fails the unit when its file is missing: an empty one is the
# "no SMTP password" case. Put the real password here when [mail.smtp] has a username.
[ -e "$DESTDIR/etc/duban/credentials/smtp-password" ] || install -m 0600 /dev/null "$DESTDIR/etc/duban/credentials/smtp-password"
for file in config/calendars/*.toml; do
    target="$DESTDIR/etc/duban/calendars/$(basename "$file")"
    [ -e "$target" ] || install -m 0644 "$file" "$target"
done
if [ ! -e "$DESTDIR/etc/duban/duban.toml" ]; then
    # The example, pointed at installed paths: state in /var/lib/duban, ledger to be filled in.
    sed -e 's|^paths = \["examples/ledger.xlsx"\]|paths = ["/srv/duban/ledger.xlsx"]|' \
        -e 's|^file = "examples/people.csv"|file = "/etc/duban/people.csv"|' \
        -e 's|^path = "../.duban-state/duban.sqlite"|path = "/var/lib/duban/duban.sqlite"|' \
        -e 's|^folder = "../.duban-state/mail"|folder = "/var/lib/duban/mail"|' \
        -e 's|^templates = \["templates"\]|templates = ["templates", "/usr/share/duban/templates"]|' \
        config/duban.toml > "$DESTDIR/etc/duban/duban.toml"
    chmod 0644 "$DESTDIR/etc/duban/duban.toml"
    [ -e "$DESTDIR/etc/duban/people.csv" ] || install -m 0644 config/examples/people.csv "$DESTDIR/etc/duban/people.csv"
    echo "installed an example /etc/duban/duban.toml: set [ledger] paths, [chain] and [mail] before starting"
else
    echo "kept the existing /etc/duban/duban.toml"
fi

install -D -m 0644 systemd/duban.service "$DESTDIR/etc/systemd/system/duban.service"
if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi
echo "next: duban check --config /etc/duban/duban.toml && systemctl enable --now duban"
