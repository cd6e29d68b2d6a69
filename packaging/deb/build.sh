#!/usr/bin/env bash
# Builds the Debian package from a checkout:
#
#     packaging/deb/build.sh      # → dist/duban_VERSION_ARCH.deb and dist/duban_VERSION_ARCH.debug
#
# Needs the Swift toolchain, the build dependencies of the README's set-up line, and
# dpkg-dev (dpkg-shlibdeps, dpkg-gencontrol, dpkg-parsechangelog) and binutils.
# The version is the one `duban --version` prints (Sources/duban/Duban.swift); the
# top entry of packaging/deb/changelog must be that version, with a Debian revision.
# Progress goes to stderr; the only line on stdout is the path of the .deb.
set -euo pipefail
umask 022
cd "$(dirname "$0")/../.."

fail() { echo "build.sh: $*" >&2; exit 1; }

# Linked with -z now too (full RELRO, as Debian's hardening flags ask for a daemon).
swift build -c release --static-swift-stdlib -Xlinker -z -Xlinker now --product duban >&2
binary=$(swift build -c release --static-swift-stdlib -Xlinker -z -Xlinker now --show-bin-path)/duban

upstream=$("$binary" --version)
version=$(dpkg-parsechangelog -l packaging/deb/changelog -SVersion)
[ "${version%-*}" = "$upstream" ] ||
    fail "packaging/deb/changelog's top entry is $version but duban --version says $upstream: add an entry for $upstream-1"
arch=$(dpkg --print-architecture)
# Dates the man page and every file in the package: the same build gives the same .deb.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l packaging/deb/changelog -STimestamp)
export SOURCE_DATE_EPOCH

# A scratch debian/ layout: dpkg-shlibdeps and dpkg-gencontrol work on one.
work=.build/deb
root=$work/debian/duban
rm -rf "$work"
mkdir -p "$root" dist
cp packaging/deb/control packaging/deb/changelog "$work/debian/"

# Stripped, with a .gnu_debuglink to its symbols, which stay beside the .deb (what
# dh_strip does, without making a dbgsym package).
packaging/strip.sh "$binary" "$work"

packaging/stage.sh "$work/duban" "$root" /usr /lib/systemd/system
install -m 0644 packaging/deb/copyright "$root/usr/share/doc/duban/copyright"
gzip -9n < packaging/deb/changelog > "$root/usr/share/doc/duban/changelog.Debian.gz"
chmod 0644 "$root/usr/share/doc/duban/changelog.Debian.gz"

install -d -m 0755 "$root/DEBIAN"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
# Everything under /etc is configuration the admin edits: dpkg keeps their version.
(cd "$root" && find etc -type f -printf '/%p\n' | LC_ALL=C sort) > "$root/DEBIAN/conffiles"
(cd "$root" && find usr lib -type f -printf '%p\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

# Depends: from the libraries the binary links (libc6, libsystemd0, libsqlite3-0, zlib1g …).
(cd "$work" && dpkg-shlibdeps -Tdebian/duban.substvars debian/duban/usr/bin/duban >&2 &&
    dpkg-gencontrol -pduban -Pdebian/duban -Tdebian/duban.substvars >&2)

deb=dist/duban_${version}_${arch}.deb
dpkg-deb --build --root-owner-group -Zxz "$root" "$deb" >&2
cp "$work/duban.debug" "dist/duban_${version}_${arch}.debug"
echo "$deb"
