#!/usr/bin/env bash
# Prepares everything the workbook needs, and only what is missing:
# Debian packages (Graphviz for diagrams; Chromium for the browser tests),
# the pinned virtual environment in .venv, and JupyterLab settings for an
# offline machine. Safe to run again: each step checks before it acts.
#   scripts/setup.sh          what the workbook needs
#   scripts/setup.sh --test   plus what the test suite needs
# The venv's Python is $PYTHON when set; else python3 when the workbook
# supports it (pyproject.toml's requires-python); else the newest supported
# python3.X found. WORKBOOK_VENV=dir builds the venv there instead of .venv
# (scripts/check_pythons.sh builds one per Python that way).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pythons.sh

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

venv=${WORKBOOK_VENV:-.venv}
# Rebuilding clears the folder: never one that is something else.
[[ ! -e $venv || -f $venv/pyvenv.cfg ]] ||
    pythons_die "$venv exists and is not a virtual environment; refusing to replace it."

if [[ -n ${PYTHON:-} ]]; then
    python=$PYTHON
    found=$(probe_python "$python") || pythons_die "PYTHON=$python does not run a Python 3."
    read -r _ version _ <<<"$found"
    is_supported_minor "${found%% *}" ||
        pythons_die "PYTHON=$python is Python $version; the workbook needs Python $(accepted_pythons)."
else
    python=python3
    found=$(probe_python python3) || found=""
    if [[ -z $found ]] || ! is_supported_minor "${found%% *}"; then
        if [[ -n $found ]]; then read -r _ version _ <<<"$found"; default="python3 is Python $version"
        else default="there is no python3"; fi
        found=""
        for ((i = ${#SUPPORTED_MINORS[@]} - 1; i >= 0; i--)); do
            python=$(find_python "${SUPPORTED_MINORS[i]}") && found=$(probe_python "$python") && break
        done
        [[ -n $found ]] || pythons_die "The workbook needs Python $(accepted_pythons), and $default." \
            "Install one of them (with your distribution, pyenv or conda: conda env create -f environment.yml)," \
            "or point PYTHON at one: PYTHON=/path/to/python3.X scripts/setup.sh"
        say "$default; using $python"
    fi
fi
read -r python_minor python_version python_ensurepip python_exe <<<"$found"

missing=()
if [[ $python_ensurepip == no ]]; then
    # venv needs ensurepip; Debian and Ubuntu ship it in python3.X-venv.
    if command -v dpkg >/dev/null && dpkg -S "$(readlink -f "$python_exe")" >/dev/null 2>&1; then
        missing+=("python3.$python_minor-venv")
    else
        pythons_die "$python_exe (Python $python_version) has no ensurepip module, so it cannot create a" \
            "virtual environment. Install the package that provides it, or set PYTHON to another Python $(accepted_pythons)."
    fi
fi
command -v dot >/dev/null || missing+=(graphviz)
# The committed figures were drawn in DejaVu Sans; another font moves pixels.
# (grep without -q: an early exit would fail the pipe under pipefail.)
fc-list 2>/dev/null | grep -i "DejaVu Sans" >/dev/null || missing+=(fonts-dejavu-core)
if $want_test; then
    [[ -x /usr/bin/chromium ]] || missing+=(chromium)
    # A second ffmpeg build: the notebooks must print the same with it as with the wheel's.
    [[ -x /usr/bin/ffmpeg ]] || missing+=(ffmpeg)
fi
(( ${#missing[@]} == 0 )) || apt_install "${missing[@]}"
if [[ $python_ensurepip == no && $(probe_python "$python_exe") != *" yes "* ]]; then
    pythons_die "$python_exe still has no ensurepip module after installing python3.$python_minor-venv."
fi

# The venv is rebuilt from scratch when its Python changes and updated when
# pyproject.toml changes, so the pins always hold.
stamp=$venv/.setup-stamp
want_python="python $python_version $python_exe"
want_pins="pyproject $(sha256sum pyproject.toml | cut -d' ' -f1)"
install=false
if [[ ! -x $venv/bin/python ]] || [[ "$(sed -n 1p "$stamp" 2>/dev/null)" != "$want_python" ]]; then
    say "Creating $venv with Python $python_version ($python_exe) and the pinned packages (a few minutes the first time)"
    "$python_exe" -m venv --clear "$venv"
    install=true
elif [[ "$(sed -n 2p "$stamp")" != "$want_pins" ]]; then
    say "Updating $venv to the pins in pyproject.toml"
    install=true
fi
if $install; then
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -e '.[test]'
    # Matplotlib builds its font cache on first import and says so on
    # stderr; doing it here keeps that line out of notebook outputs.
    "$venv/bin/python" -c 'import matplotlib.pyplot' 2>/dev/null
    printf '%s\n%s\n' "$want_python" "$want_pins" > "$stamp"
fi

# JupyterLab reads overrides.json from the environment's settings folder.
# The machine is offline: the news and update checks would only fail.
settings=$venv/share/jupyter/lab/settings
mkdir -p "$settings"
cat > "$settings/overrides.json" <<'JSON'
{
  "@jupyterlab/apputils-extension:notification": {
    "fetchNews": "false",
    "checkForUpdates": false
  }
}
JSON
