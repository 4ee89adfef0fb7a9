#!/usr/bin/env bash
# Setup and a quick subset of the suite under every supported Python this
# machine has, except the one .venv uses: the full suite covers that one.
# Each Python gets its own venv in .venvs/py3.X, built by setup.sh and kept
# while its Python and pyproject.toml stay the same. Setups run one at a
# time; the subsets then run side by side, one process each.
#   scripts/check_pythons.sh     after scripts/setup.sh --test
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pythons.sh

# Fast unit tests of what depends on the interpreter most (the local cloud
# runs handlers in-process, the lab tools parse notebooks), then one chapter.
QUICK=(
    tests/project/test_environment.py tests/models/test_costs.py tests/labs/test_labs.py
    tests/localcloud/test_localcloud_lambda.py tests/localcloud/test_localcloud_mediaconvert.py
    tests/localcloud/test_localcloud_cloudformation.py tests/cloud/test_target.py
    chapters/01-serverless-architectures.ipynb
)
# These run whole labs; the full suite has them.
SKIP="not TestWarm"

[[ -x .venv/bin/python ]] || pythons_die "No .venv yet: run scripts/setup.sh --test first."
main_minor=$(.venv/bin/python -c 'import sys; print(sys.version_info[1])')

report=()
failed=()
# Setups one at a time (pip is the bottleneck), then the subsets side by side:
# each is one process, so on two cores two of them take the time of one.
declare -A pids=() setup_time=()
for minor in "${SUPPORTED_MINORS[@]}"; do
    if [[ $minor == "$main_minor" ]]; then
        report+=("Python 3.$minor: .venv uses it; the full suite covers it")
        continue
    fi
    if ! python=$(find_python "$minor"); then
        report+=("Python 3.$minor: not installed here (no python3.$minor on PATH or in pyenv); skipped")
        continue
    fi
    venv=.venvs/py3.$minor
    printf '\033[1m==> Python 3.%s (%s) in %s\033[0m\n' "$minor" "$python" "$venv"
    start=$SECONDS
    # PIP_COMPILE=0: only what the subset imports gets compiled, on first
    # import; compiling every module up front took over half the install.
    if PIP_COMPILE=0 PYTHON=$python WORKBOOK_VENV=$venv scripts/setup.sh; then
        setup_time[$minor]=$((SECONDS - start))
        # The local cloud's delays off: the subset checks the interpreter; the full suite checks AWS's timing.
        WORKBOOK_AWS_DELAYS=0 "$venv/bin/python" -m pytest -q -p no:cacheprovider \
            --nbval -k "$SKIP" "${QUICK[@]}" \
            >"$venv/quick-subset.log" 2>&1 &
        pids[$minor]=$!
    else
        failed+=("3.$minor")
        report+=("Python 3.$minor: FAILED in setup after $((SECONDS - start)) s")
    fi
done
tests_start=$SECONDS
for minor in "${SUPPORTED_MINORS[@]}"; do
    [[ -n ${pids[$minor]:-} ]] || continue
    venv=.venvs/py3.$minor
    if wait "${pids[$minor]}"; then
        status=passed
    else
        status=FAILED
        failed+=("3.$minor")
    fi
    printf '\033[1m==> Python 3.%s: the quick subset\033[0m\n' "$minor"
    tail -n 40 "$venv/quick-subset.log"
    report+=("Python 3.$minor: $status (setup ${setup_time[$minor]} s)")
done
(( ${#pids[@]} == 0 )) || report+=("The quick subsets ran side by side in $((SECONDS - tests_start)) s")

printf '\033[1m==> The workbook supports Python %s\033[0m\n' "$(accepted_pythons)"
printf '  %s\n' "${report[@]}"
(( ${#failed[@]} == 0 )) || pythons_die "Failed under Python ${failed[*]}."
