#!/usr/bin/env bash
# System packages the full test suite needs (Debian/Ubuntu):
#   - postgresql                 : a real server for the PostgreSQL store tests (started by the tests
#                                  themselves on loopback, in a temp dir; nothing is configured system-wide)
#   - chromium, chromium-driver  : the headless browser for the web UI tests
# Idempotent: installs only what is missing; uses sudo when not root; when apt is not available
# (or not permitted) it says so and exits 0 -- the tests that need these packages then skip.
set -uo pipefail

PACKAGES=(postgresql chromium chromium-driver)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-system-deps: all present (${PACKAGES[*]})"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: apt-get not available; skipping ${missing[*]} (PostgreSQL/browser tests will skip)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install-system-deps: not root and no passwordless sudo; skipping ${missing[*]} (those tests will skip)"
        exit 0
    fi
fi

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
    $SUDO apt-get update -qq && $SUDO apt-get install -y --no-install-recommends "${missing[@]}" || {
        echo "install-system-deps: apt-get failed for ${missing[*]}; the tests that need them will skip"
        exit 0
    }
fi
# The Debian package starts a system cluster; the tests do not use it (they start their own).
exit 0
