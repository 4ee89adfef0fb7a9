#!/usr/bin/env bash
# Prepares everything the workbook needs, and only what is missing:
# Debian packages (Graphviz for diagrams; Chromium for the browser tests),
# the pinned virtual environment in .venv, and JupyterLab settings for an
# offline machine. Safe to run again: each step checks before it acts.
#   scripts/setup.sh          what the workbook needs
#   scripts/setup.sh --test   plus what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
    # $@: Debian packages. Root installs them; anyone else gets told how.
    local runner=()
    if [[ $(id -u) -ne 0 ]]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            runner=(sudo)
        else
            echo "Missing system packages: $*" >&2
            echo "Install them with:  sudo apt-get install -y $*" >&2
            echo "(or with conda:     conda env create -f environment.yml)" >&2
            exit 1
        fi
    fi
    if ! command -v apt-get >/dev/null; then
        echo "Missing system packages: $* (no apt-get here; install them with your package manager)" >&2
        exit 1
    fi
    say "Installing Debian packages: $*"
    # apt-cache knows nothing on a fresh machine until its lists are fetched.
    "${runner[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq "$@" >/dev/null
}

missing=()
command -v dot >/dev/null || missing+=(graphviz)
# The committed figures were drawn in DejaVu Sans; another font moves pixels.
# (grep without -q: an early exit would fail the pipe under pipefail.)
fc-list 2>/dev/null | grep -i "DejaVu Sans" >/dev/null || missing+=(fonts-dejavu-core)
if $want_test; then
    [[ -x /usr/bin/chromium ]] || missing+=(chromium)
fi
(( ${#missing[@]} == 0 )) || apt_install "${missing[@]}"

# The venv is rebuilt when pyproject.toml changes, so pins always hold.
stamp=.venv/.pyproject.sha256
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -x .venv/bin/python ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    say "Creating .venv with the pinned packages (a few minutes the first time)"
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    # Matplotlib builds its font cache on first import and says so on
    # stderr; doing it here keeps that line out of notebook outputs.
    .venv/bin/python -c 'import matplotlib.pyplot' 2>/dev/null
    echo "$want" > "$stamp"
fi

# JupyterLab reads overrides.json from the environment's settings folder.
# The machine is offline: the news and update checks would only fail.
settings=.venv/share/jupyter/lab/settings
mkdir -p "$settings"
cat > "$settings/overrides.json" <<'JSON'
{
  "@jupyterlab/apputils-extension:notification": {
    "fetchNews": "false",
    "checkForUpdates": false
  }
}
JSON
