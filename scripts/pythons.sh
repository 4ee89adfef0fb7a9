# Which Pythons the workbook supports and where to find them; sourced by
# setup.sh and check_pythons.sh from the repository root. The range is read
# from pyproject.toml's requires-python, so it is written down only once.

pythons_die() { echo "$*" >&2; exit 1; }

# SUPPORTED_MINORS: the 3.x minors requires-python allows, oldest first.
pythons_spec=$(sed -n 's/^requires-python *= *"\(.*\)"$/\1/p' pyproject.toml)
pythons_form='^>=3\.([0-9]+),<3\.([0-9]+)$'
[[ $pythons_spec =~ $pythons_form ]] ||
    pythons_die "pyproject.toml: requires-python is '$pythons_spec'; the scripts understand only '>=3.A,<3.B'"
mapfile -t SUPPORTED_MINORS < <(seq "${BASH_REMATCH[1]}" $((BASH_REMATCH[2] - 1)))

# "3.11, 3.12 or 3.13", for messages.
accepted_pythons() {
    local text="" i n=${#SUPPORTED_MINORS[@]}
    for ((i = 0; i < n; i++)); do
        text+="3.${SUPPORTED_MINORS[i]}"
        if ((i < n - 2)); then text+=", "; elif ((i == n - 2)); then text+=" or "; fi
    done
    echo "$text"
}

# probe_python CMD: prints "MINOR VERSION ENSUREPIP EXECUTABLE" (ENSUREPIP
# is yes or no: Debian ships it apart, in python3.X-venv, and venv needs it)
# when CMD runs a Python 3; fails otherwise. pyenv puts shims on PATH for
# versions that are installed but not selected, and they fail when run, so a
# command is only believed once it has answered.
probe_python() {
    local answer major rest
    answer=$("$1" -c '
import importlib.util, platform, sys
print(sys.version_info[0], sys.version_info[1], platform.python_version(),
      "yes" if importlib.util.find_spec("ensurepip") else "no", sys.executable)' 2>/dev/null) || return 1
    read -r major rest <<<"$answer"
    [[ $major == 3 ]] || return 1
    echo "$rest"
}

is_supported_minor() {
    local minor
    for minor in "${SUPPORTED_MINORS[@]}"; do
        [[ $1 == "$minor" ]] && return 0
    done
    return 1
}

# find_python MINOR: prints the command of a working Python 3.MINOR: a
# python3.MINOR on PATH (each of them: a failing pyenv shim may hide a
# working /usr/bin/python3.MINOR), else the newest pyenv-installed 3.MINOR.N.
find_python() {
    local minor=$1 dir found candidates
    mapfile -t candidates < <(type -ap "python3.$minor")
    while read -r dir; do
        [[ $dir =~ /3\.$minor\.[0-9]+$ ]] && candidates+=("$dir/bin/python3.$minor")
    done < <(printf '%s\n' "${PYENV_ROOT:-$HOME/.pyenv}/versions/3.$minor".* | sort -rV)
    for dir in "${candidates[@]}"; do
        found=$(probe_python "$dir") || continue
        [[ ${found%% *} == "$minor" ]] && { echo "$dir"; return 0; }
    done
    return 1
}
