#!/usr/bin/env bash
# Opens the workbook: sets up what is missing, signs the committed notebooks,
# then serves JupyterLab on 127.0.0.1 at the start page. PORT and TOKEN may be
# set; otherwise the port is the first free one from 8888 and the token is random.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

port=$(.venv/bin/python - "${PORT:-8888}" <<'PY'
import socket, sys
start = int(sys.argv[1])
for port in range(start, start + 50):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
else:
    sys.exit(f"no free port in {start}..{start + 49}; set PORT to another number")
PY
)
# Untrusted notebooks lose their HTML outputs (lab 2's player shows no video):
# sign the ones that are exactly as committed, never one that was edited.
.venv/bin/python -m serverless_workbook.course.trust "$PWD"

start=chapters/00-start-here.ipynb
token=${TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')}
root_flag=()
[[ $(id -u) -eq 0 ]] && root_flag=(--allow-root)

if [[ "${WORKBOOK_TARGET:-local}" == aws ]]; then
    where="a REAL AWS account (${WORKBOOK_AWS_ACCOUNT_ID:-account id not set}): labs create billable resources"
else
    where="the local cloud: no AWS account is used"
fi
cat <<MSG

  The labs run on ${where}.
  Open this URL in your browser (Ctrl-C here stops JupyterLab):

      http://127.0.0.1:${port}/lab/tree/${start}?token=${token}

MSG
# The workbook's kernel spec, found before the environment's: the same Python kernel, with a NameError
# after a kernel restart saying what to run first (serverless_workbook/course/restart_hints.py).
export JUPYTER_PATH="$PWD/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
# Logs at WARN keep the URL above on screen; problems still show.
exec .venv/bin/jupyter lab \
    --no-browser "${root_flag[@]}" \
    --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" --ServerApp.port_retries=0 \
    --ServerApp.root_dir="$PWD" \
    --ServerApp.log_level=WARN \
    --LabApp.default_url="/lab/tree/${start}" \
    --IdentityProvider.token="$token"
