#!/usr/bin/env bash
# Installs, upgrades, removes and purges a built package with the real dpkg and the
# real maintainer scripts, in a throwaway copy of this machine: an overlay whose lower
# layer is / (never written), in a private mount namespace. Needs root.
#
#     packaging/deb/test-maintscripts.sh dist/duban_….deb
#
# systemd does not run in there, so a /usr/sbin/policy-rc.d records what the scripts
# ask deb-systemd-invoke to do (and forbids it, as in image builds); with
# /run/systemd/system present the scripts take their "systemd is running" path.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DEB" >&2; exit 64; }
deb=$(realpath "$1")

if [ "${DUBAN_IN_OVERLAY:-}" != 1 ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/upper" "$tmp/work" "$tmp/merged"
    DUBAN_IN_OVERLAY=1 unshare --mount --pid --fork --propagation private bash -c '
        set -e
        tmp=$1 deb=$2 script=$3
        mount -t overlay overlay -o "lowerdir=/,upperdir=$tmp/upper,workdir=$tmp/work" "$tmp/merged"
        mount -t proc proc "$tmp/merged/proc"
        mount --rbind /dev "$tmp/merged/dev"
        mount -t tmpfs tmpfs "$tmp/merged/run"
        mount -t tmpfs tmpfs "$tmp/merged/tmp"
        cp "$deb" "$script" "$tmp/merged/tmp/"
        exec chroot "$tmp/merged" env DUBAN_IN_OVERLAY=1 bash "/tmp/$(basename "$script")" "/tmp/$(basename "$deb")"
    ' overlay "$tmp" "$deb" "$(realpath "$0")"
    exit
fi

# From here on: inside the throwaway root.
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
export DEBIAN_FRONTEND=noninteractive
dpkg -s duban >/dev/null 2>&1 && fail "duban is already installed on this machine; the test needs it absent"

actions=/tmp/policy-rc.d.log
cat > /usr/sbin/policy-rc.d <<'EOF'
#!/bin/sh
echo "$*" >> /tmp/policy-rc.d.log
exit 101
EOF
chmod 0755 /usr/sbin/policy-rc.d
asked() { # what deb-systemd-invoke was asked since the last call
    local log; log=$(cat "$actions" 2>/dev/null || true); : > "$actions"; echo "$log"
}
mkdir -p /run/systemd/system

# Fresh install: enabled, not started (no ledger), password file made.
out=$(dpkg -i "$1" 2>&1) || fail "dpkg -i: $out"
[ -L /etc/systemd/system/multi-user.target.wants/duban.service ] || fail "not enabled after install"
[ -z "$(asked)" ] || fail "install asked to start duban without a ledger"
grep -q 'names no ledger that exists yet: not starting duban.service' <<< "$out" || fail "install did not say why it did not start: $out"
[ "$(stat -c '%a %U' /etc/duban/credentials/smtp-password)" = "600 root" ] || fail "smtp-password is not 0600 root"
[ "$(stat -c %a /etc/duban/credentials)" = 700 ] || fail "/etc/duban/credentials is not 0700"
pass "install: enabled, not started without the ledger, smtp-password 0600"

# With the ledger in place, a reinstall (the upgrade path) restarts and starts.
mkdir -p /srv/duban
install -m 0644 /dev/null /srv/duban/ledger.xlsx
echo "# edited" >> /etc/duban/duban.toml
echo secret > /etc/duban/credentials/smtp-password
out=$(dpkg -i "$1" 2>&1) || fail "dpkg -i (upgrade): $out"
log=$(asked)
grep -q '^duban.service try-restart$' <<< "$log" || fail "upgrade did not try-restart: $log"
grep -q '^duban.service start$' <<< "$log" || fail "upgrade did not start with the ledger present: $log"
tail -n1 /etc/duban/duban.toml | grep -q '^# edited$' || fail "upgrade replaced the edited duban.toml"
[ "$(cat /etc/duban/credentials/smtp-password)" = secret ] || fail "upgrade replaced the SMTP password"
pass "upgrade: try-restart, start once the ledger exists; edited conffile and password kept"

# Remove: stopped, state and configuration kept.
mkdir -p /var/lib/private/duban && ln -sfn private/duban /var/lib/duban
echo state > /var/lib/private/duban/duban.sqlite
out=$(dpkg -r duban 2>&1) || fail "dpkg -r: $out"
grep -q '^duban.service stop$' <<< "$(asked)" || fail "remove did not stop duban"
[ ! -e /usr/bin/duban ] || fail "/usr/bin/duban still there after remove"
[ -e /var/lib/duban/duban.sqlite ] || fail "remove deleted the state"
[ -e /etc/duban/duban.toml ] && [ -e /etc/duban/credentials/smtp-password ] || fail "remove deleted the configuration"
pass "remove: stopped; state and configuration kept"

# Purge: state, configuration and password gone; the unit forgotten.
out=$(dpkg -P duban 2>&1) || fail "dpkg -P: $out"
for path in /var/lib/duban /var/lib/private/duban /etc/duban /etc/systemd/system/multi-user.target.wants/duban.service; do
    [ ! -e "$path" ] && [ ! -L "$path" ] || fail "$path still there after purge"
done
pass "purge: state, configuration and unit links gone"

# Without systemd running (chroot, image build): installs, enables, asks for nothing.
rmdir /run/systemd/system
out=$(dpkg -i "$1" 2>&1) || fail "dpkg -i without systemd: $out"
[ -L /etc/systemd/system/multi-user.target.wants/duban.service ] || fail "not enabled without systemd"
[ -z "$(asked)" ] || fail "asked systemd for something although it does not run"
pass "install without systemd: enabled, nothing started"
