#!/usr/bin/env bash
# Installs Duban on this machine from a checkout (the Debian package is the other way:
# packaging/deb/build.sh). A release build with the Swift runtime linked statically,
# then the same files as the package — packaging/stage.sh is the one list — under
# PREFIX: the binary, the systemd unit, the shipped templates, the man pages, the
# completions, the calendars and an example configuration, never overwriting any
# file already in /etc/duban. Run as root:
#
#     systemd/install.sh            # then edit /etc/duban/duban.toml
#     systemctl enable --now duban
#
# PREFIX (default /usr/local) and DESTDIR (default empty) are honoured.
set -euo pipefail
umask 022
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}

# The same build as packaging/deb/build.sh: static Swift runtime, full RELRO.
swift build -c release --product duban --static-swift-stdlib -Xlinker -z -Xlinker now
binary=$(swift build -c release --static-swift-stdlib -Xlinker -z -Xlinker now --show-bin-path)/duban

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
stage=$scratch/root
# Stripped like the package's; the symbols go where gdb and coredumpctl look for them.
packaging/strip.sh "$binary" "$scratch/build"
packaging/stage.sh "$scratch/build/duban" "$stage" "$PREFIX" /etc/systemd/system
install -D -m 0644 "$scratch/build/duban.debug" "$stage/usr/lib/debug$PREFIX/bin/duban.debug"

# Everything outside /etc/duban (binary, unit, templates, documentation): replaced.
# Overrides of the shipped templates go to /etc/duban/templates/LOCALE/.
while IFS= read -r file; do
    install -D -m "$(stat -c %a "$stage/$file")" "$stage/$file" "$DESTDIR/$file"
done < <(cd "$stage" && find . -path ./etc/duban -prune -o -type f -printf '%P\n')

# /etc/duban: only what is missing; an existing file is the admin's.
while IFS= read -r dir; do
    [ -d "$DESTDIR/$dir" ] || install -d -m "$(stat -c %a "$stage/$dir")" "$DESTDIR/$dir"
done < <(cd "$stage" && find etc/duban -type d)
kept=()
while IFS= read -r file; do
    if [ -e "$DESTDIR/$file" ]; then
        kept+=("/$file")
    else
        install -m "$(stat -c %a "$stage/$file")" "$stage/$file" "$DESTDIR/$file"
    fi
done < <(cd "$stage" && find etc/duban -type f)
# LoadCredential= fails the unit when its file is missing: an empty one is the
# "no SMTP password" case. Put the real password here when [mail.smtp] has a username.
if [ ! -e "$DESTDIR/etc/duban/credentials/smtp-password" ]; then
    install -d -m 0700 "$DESTDIR/etc/duban/credentials"
    install -m 0600 /dev/null "$DESTDIR/etc/duban/credentials/smtp-password"
fi
if [[ " ${kept[*]} " == *" /etc/duban/duban.toml "* ]]; then
    echo "kept the existing /etc/duban/duban.toml"
else
    echo "installed an example /etc/duban/duban.toml: set [ledger] paths, [chain] and [mail] before starting"
fi
[ ${#kept[@]} -eq 0 ] || echo "kept ${#kept[@]} existing file(s) in /etc/duban"

if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi
echo "next: duban check --config /etc/duban/duban.toml && systemctl enable --now duban"
# Several programmes side by side: one configuration each, and the template unit.
cat <<'TWO'
or, for several programmes side by side (duban@.service; see README, Many programmes):
    cp /etc/duban/duban.toml /etc/duban/xuncha-2026.toml   # [state] path = "/var/lib/duban/xuncha-2026/duban.sqlite"
    cp /etc/duban/duban.toml /etc/duban/shenji-2026.toml   # or [state] url = "postgresql://…" and schema = "shenji_2026"
    for p in xuncha-2026 shenji-2026; do install -d -m 0700 /etc/duban/credentials/$p
        install -m 0600 /dev/null /etc/duban/credentials/$p/smtp-password; install -m 0600 /dev/null /etc/duban/credentials/$p/pg-password; done
    systemctl enable --now duban@xuncha-2026 duban@shenji-2026
TWO
