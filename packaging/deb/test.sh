#!/usr/bin/env bash
# CI test of the Debian package: builds it, unpacks it, and runs what it ships.
#
#     packaging/deb/test.sh             # builds dist/duban_….deb first
#     packaging/deb/test.sh dist/X.deb  # tests a package already built (its .debug beside it)
#
# Runs as any user (nothing is installed): the extracted configuration is pointed
# at the extracted tree, and systemd-analyze verifies the unit inside it (--root).
# Fails on the first broken expectation, saying which.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

deb=${1:-$(packaging/deb/build.sh)}
debug=${deb%.deb}.debug
pass "built $deb ($(du -h "$deb" | cut -f1)), debug symbols $debug ($(du -h "$debug" | cut -f1))"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$tmp/DEBIAN"
field() { sed -n "s/^$1: //p" "$tmp/DEBIAN/control"; }
duban=$root/usr/bin/duban

# The binary: runs, says the package's version, is stripped, and points at its symbols.
"$duban" --help > "$tmp/help" || fail "duban --help exited $?"
grep -q '^USAGE: duban <subcommand>' "$tmp/help" || fail "duban --help: no usage line"
version=$(field Version)
[ "$("$duban" --version)" = "${version%-*}" ] || fail "duban --version is not ${version%-*}"
# (Sections read into variables first: grep -q would cut readelf's pipe under pipefail.)
sections=$(readelf -S "$duban")
debug_sections=$(readelf -S "$debug" 2>/dev/null)
grep -q '\.debug_info' <<< "$sections" && fail "/usr/bin/duban still has .debug_info"
grep -q '\.gnu_debuglink' <<< "$sections" || fail "/usr/bin/duban has no .gnu_debuglink"
grep -q '\.debug_info' <<< "$debug_sections" || fail "$debug has no .debug_info"
pass "duban --help, --version ${version%-*}, stripped with a debuglink"

# Depends: every library the binary needs comes from a package it depends on.
depends=$(field Depends)
for library in $(readelf -d "$duban" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    package=$(dpkg -S "*/$library" 2>/dev/null | head -n1 | cut -d: -f1) || true
    [ -n "$package" ] || fail "no installed package ships $library"
    [[ ", $depends," == *", $package "* || ", $depends," == *", $package,"* ]] ||
        fail "$library comes from $package, which is not in Depends: $depends"
done
for package in libsystemd0 libsqlite3-0 zlib1g; do
    [[ ", $depends," == *", $package "* || ", $depends," == *", $package,"* ]] || fail "Depends lacks $package: $depends"
done
pass "Depends: $depends"

# Contents: the documented paths, configuration as conffiles.
for path in usr/bin/duban lib/systemd/system/duban.service usr/share/duban/templates/zh-CN/reminder.subject.mustache \
    usr/share/duban/templates/en/digest.html.mustache usr/share/man/man1/duban.1.gz usr/share/man/man5/duban.toml.5.gz \
    usr/share/bash-completion/completions/duban usr/share/zsh/vendor-completions/_duban \
    usr/share/doc/duban/copyright usr/share/doc/duban/changelog.Debian.gz usr/share/doc/duban/README.md \
    etc/duban/duban.toml etc/duban/people.csv etc/duban/calendars/2026.toml; do
    [ -e "$root/$path" ] || fail "the package lacks /$path"
done
[ "$(cd "$root" && find etc -type f -printf '/%p\n' | LC_ALL=C sort)" = "$(cat "$tmp/DEBIAN/conffiles")" ] ||
    fail "conffiles is not every file under /etc: $(cat "$tmp/DEBIAN/conffiles")"
pass "contents and conffiles"

# duban check on the example configuration, as shipped but pointed at the extracted
# tree: first without the ledger it names (the state the postinst refuses to start
# in), then with the example ledger at that place.
mkdir -p "$tmp/etc" "$tmp/srv" "$tmp/state"
cp -r "$root/etc/duban" "$tmp/etc/duban"
config=$tmp/etc/duban/duban.toml
sed -i -e "s|\"/usr/share/duban/templates\"|\"$root/usr/share/duban/templates\"|" \
    -e "s|\"/etc/duban/|\"$tmp/etc/duban/|" -e "s|\"/var/lib/duban/|\"$tmp/state/|" \
    -e "s|\"/srv/duban/ledger.xlsx\"|\"$tmp/srv/ledger.xlsx\"|" "$config"
grep -q "^paths = \[\"$tmp/srv/ledger.xlsx\"\]" "$config" || fail "the shipped configuration does not name /srv/duban/ledger.xlsx"
# (Comment lines are examples, not settings.)
grep -n '"/' "$config" | grep -v '^[0-9]*:[[:space:]]*#' | grep -v "\"$tmp\|\"$root" && fail "the lines above still point outside the extracted tree"
# The postinst's own test, taken from the package.
eval "$(sed -n '/^ledgers_ready() {$/,/^}$/p' "$tmp/DEBIAN/postinst")"
[ "$(type -t ledgers_ready)" = function ] || fail "the postinst has no ledgers_ready function"
status=0; "$duban" check --config "$config" > "$tmp/check" 2>&1 || status=$?
[ $status -eq 1 ] || fail "check without the ledger exited $status, not 1: $(cat "$tmp/check")"
grep -q "^$tmp/srv/ledger.xlsx: error: file not found" "$tmp/check" || fail "check without the ledger: $(cat "$tmp/check")"
ledgers_ready && fail "the postinst would start the service without its ledger"
cp config/examples/ledger.xlsx "$tmp/srv/ledger.xlsx"
status=0; "$duban" check --config "$config" > "$tmp/check" 2>&1 || status=$?
[ $status -eq 0 ] || fail "duban check on the example configuration exited $status: $(cat "$tmp/check")"
grep -q '^0 error(s)' "$tmp/check" || fail "duban check: $(tail -n1 "$tmp/check")"
ledgers_ready || fail "the postinst would not start the service although its ledger exists"
pass "duban check on the example configuration: $(tail -n1 "$tmp/check"); the postinst starts only with the ledger"

# The unit: ExecStart at the packaged binary, and systemd-analyze verify clean inside a
# root holding the package plus what the unit refers to from the base system.
grep -q '^ExecStart=/usr/bin/duban run --config /etc/duban/duban.toml$' "$root/lib/systemd/system/duban.service" ||
    fail "ExecStart is not /usr/bin/duban run --config /etc/duban/duban.toml"
vroot=$tmp/vroot
cp -al "$root" "$vroot"
install -D /bin/kill "$vroot/bin/kill"
for target in /lib/systemd/system/*.target; do
    [ -e "$vroot$target" ] || cp "$target" "$vroot$target"
done
status=0; output=$(systemd-analyze verify --man=no --root="$vroot" "$vroot/lib/systemd/system/duban.service" 2>&1) || status=$?
[ $status -eq 0 ] && [ -z "$output" ] || fail "systemd-analyze verify exited $status: $output"
pass "systemd-analyze verify"

# Man pages: render without warnings; duban(1) has every subcommand --help lists, and
# duban.toml(5) every key the example configuration shows.
for page in man1/duban.1.gz man5/duban.toml.5.gz; do
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$root/usr/share/man/$page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "$page: $warnings"
done
zcat "$root/usr/share/man/man1/duban.1.gz" > "$tmp/duban.1"
for command in $(sed -n '/^SUBCOMMANDS:/,/^$/s/^  \([a-z-]*\) .*/\1/p' "$tmp/help"); do
    grep -q "^\.SS $command$" "$tmp/duban.1" || fail "duban.1 has no section for $command"
done
zcat "$root/usr/share/man/man5/duban.toml.5.gz" > "$tmp/duban.toml.5"
for key in $(sed -n 's/^#\{0,1\} \{0,1\}\([a-z_0-9]*\) *=.*/\1/p' config/duban.toml | sort -u); do
    grep -qF "\\fB$key\\fR" "$tmp/duban.toml.5" || fail "duban.toml.5 does not describe $key"
done
pass "man pages"

# Completions: generated, and bash can read them.
bash -n "$root/usr/share/bash-completion/completions/duban" || fail "the bash completion does not parse"
head -n1 "$root/usr/share/zsh/vendor-completions/_duban" | grep -q '^#compdef duban' || fail "the zsh completion has no #compdef line"
pass "completions"

# Maintainer scripts parse as sh; lintian finds no errors (warnings are listed in the README).
for script in postinst prerm postrm; do
    sh -n "$tmp/DEBIAN/$script" || fail "$script does not parse"
done
lintian --fail-on error --display-level '>=warning' "$deb" || fail "lintian reports errors"
pass "lintian: no errors"

# The maintainer scripts with the real dpkg: install, upgrade, remove, purge in a
# throwaway overlay of this machine. It needs root and mount namespaces; without them
# this says so rather than pass quietly.
if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
    packaging/deb/test-maintscripts.sh "$deb"
else
    echo "SKIPPED: maintainer scripts (packaging/deb/test-maintscripts.sh needs root and unshare --mount)"
fi
