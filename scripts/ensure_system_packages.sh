#!/usr/bin/env bash
# Debian packages the test suite drives: Chromium (Playwright cannot download its own
# browser here) and docker-compose 1.29 (validates docker-compose.yml without an engine).
# Installed only when missing; needs root (or sudo) the first time.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ensure_system_packages: installing ${missing[*]} with apt-get"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure_system_packages: need root to install ${missing[*]}; install them and rerun" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
