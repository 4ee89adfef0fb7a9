#!/usr/bin/env bash
# Opens the workbook: sets up what is missing, then serves JupyterLab on
# 127.0.0.1 at the chapters. PORT and TOKEN may be set; otherwise the port
# is 8888 (or the next free one) and the token is random.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

port=${PORT:-8888}
token=${TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')}
root_flag=()
[[ $(id -u) -eq 0 ]] && root_flag=(--allow-root)

echo "Opening the workbook on the local cloud (no AWS account is used)."
echo "When JupyterLab is up, open the URL it prints below (http://127.0.0.1:...?token=...)."
exec .venv/bin/jupyter lab \
    --no-browser "${root_flag[@]}" \
    --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" \
    --ServerApp.root_dir="$PWD" \
    --LabApp.default_url=/lab/tree/chapters \
    --IdentityProvider.token="$token"
