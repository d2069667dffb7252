#!/usr/bin/env bash
# Set up everything this project needs on a fresh Debian/Ubuntu machine, idempotently:
# the Debian packages listed in scripts/apt-packages*.txt and a virtualenv in .venv.
#   scripts/setup.sh          run-time needs
#   scripts/setup.sh --test   run-time and test needs (Chromium for browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

lists=(scripts/apt-packages.txt)
[[ "${1:-}" == "--test" ]] && lists+=(scripts/apt-packages-test.txt)

missing=()
for pkg in $(grep -hv '^\s*#' "${lists[@]}" | awk 'NF {print $1}'); do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [[ $(id -u) == 0 ]]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "setup: need root to install ${missing[*]}; install them and run again" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null || true
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
# Reinstall only when the dependency list changed.
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -f $stamp ]]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -c "import scoring, flask, weasyprint" # fail loudly if the install did not work
  rm -f .venv/.installed-* && touch "$stamp"
fi
