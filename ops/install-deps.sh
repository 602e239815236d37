#!/usr/bin/env bash
# install-deps.sh - install, with apt, only the Debian packages that are
# missing; then the browser tests' npm modules (tests/browser, from its
# package-lock.json) when they are not there.
#
#   ops/install-deps.sh           what building, running and testing need
#   ops/install-deps.sh bench     also what `make bench` compares against
#
# Idempotent: when everything is present it only checks, quickly. Runs apt as
# root directly, or through sudo when not root.
set -euo pipefail

# libsrt: the GnuTLS build, the one Debian's libavformat links: the OpenSSL
# build (libsrt-openssl-dev) beside it in one process crashes at exit (two
# copies of libsrt's C++ statics); srt-tools, iproute2 (tc) and util-linux
# (unshare) for tests/integration/relay_srt.sh.
PKGS=(
    gcc make pkg-config ca-certificates curl jq bc file openssl
    libmicrohttpd-dev libmariadb-dev libhiredis-dev libjansson-dev libsodium-dev liburing-dev
    libcmocka-dev libcurl4-openssl-dev libyaml-dev libqrencode-dev libpng-dev zlib1g-dev python3 python3-jsonschema python3-yaml
    libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg zbar-tools
    libsrt-gnutls-dev srt-tools iproute2 util-linux
    gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
    gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
    clang libclang-rt-14-dev clang-format
    mariadb-server mariadb-client mariadb-plugin-mroonga redis-server redis-tools
    chromium fonts-wqy-microhei nodejs
)
# npm comes with some Node.js packages (nodesource) and apart with Debian's.
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
if [ "${1-}" = bench ]; then
    PKGS+=(wrk nginx-light libnginx-mod-rtmp libnginx-mod-nchan procps)
    # the relay's glass-to-glass delay: a GStreamer publisher (Python) that
    # burns its clock into the picture, read back with tesseract
    PKGS+=(python3-gst-1.0 gir1.2-gst-plugins-base-1.0 gstreamer1.0-x fonts-dejavu-core
        tesseract-ocr tesseract-ocr-eng)
fi

missing=()
for p in "${PKGS[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing+=("$p") ;;
    esac
done

if [ ${#missing[@]} -gt 0 ]; then
    SUDO=
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
        SUDO=sudo
    fi
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Packages must never start their own services here: the project runs its own.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
        $SUDO chmod +x /usr/sbin/policy-rc.d
        trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    echo "install-deps: done"
fi

# the browser tests' playwright-core (package-lock.json) runs on Node.js 20
# or later; Debian 12's own nodejs is 18
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
    echo "install-deps: the browser tests need Node.js 20 or later; found $(node --version 2>/dev/null || echo none)" >&2
    exit 1
fi

# the browser tests' modules, exactly as locked (again whenever the lock
# file changed since the last install)
BROWSER=$(cd "$(dirname "$0")/../tests/browser" && pwd)
if ! cmp -s "$BROWSER/package-lock.json" "$BROWSER/node_modules/.farmlive-lock" 2>/dev/null; then
    echo "install-deps: npm ci in tests/browser"
    (cd "$BROWSER" && npm ci --no-audit --no-fund --loglevel=error >/dev/null &&
        cp package-lock.json node_modules/.farmlive-lock)
fi
