#!/usr/bin/env bash
# Build a Debian image that boots systemd as PID 1, for the Molecule
# scenarios and the demo. No registry is needed: debootstrap fetches packages
# from the Debian mirror this machine's apt already uses. Cached by tag.
#
#   tools/base-image.sh [SUITE] [TAG]     default: bookworm deployment-django/debian:bookworm
set -euo pipefail

suite=${1:-bookworm}
tag=${2:-deployment-django/debian:${suite}}

if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "base-image: $tag is present"
    exit 0
fi

mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
    # First ".../debian" URI of the host's own apt configuration.
    mirror=$(grep -hsoE '(https?://[^ ]+/debian)/?( |$)' \
        /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list \
        | head -n1 | tr -d ' ' || true)
    mirror=${mirror%/}
fi
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /var/tmp/base-image.XXXXXX)
trap 'rm -rf "$root"' EXIT

echo "base-image: debootstrap $suite from $mirror"
for attempt in 1 2 3; do
    if debootstrap --variant=minbase \
        --include=python3,systemd,systemd-sysv,sudo,ca-certificates,iproute2 \
        "$suite" "$root" "$mirror" >"/var/tmp/base-image-$suite.log" 2>&1; then
        break
    fi
    if [ "$attempt" = 3 ]; then
        tail -n 30 "/var/tmp/base-image-$suite.log" >&2
        exit 1
    fi
    echo "base-image: debootstrap attempt $attempt failed, retrying" >&2
    rm -rf "$root"; root=$(mktemp -d /var/tmp/base-image.XXXXXX)
    sleep $((attempt * 5))
done

# Slim the image and keep systemd from starting what a container cannot run.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
: > "$root"/etc/machine-id

tar -C "$root" -c . | docker import \
    -c 'CMD ["/lib/systemd/systemd"]' \
    -c 'ENV container=docker' \
    - "$tag" >/dev/null
echo "base-image: built $tag"
