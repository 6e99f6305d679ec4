#!/usr/bin/env bash
# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# THE set-up command of the sale_milestone_billing add-on, on a Debian machine
# that already has Odoo 18.0 and PostgreSQL:   bash scripts/setup.sh
#
# Installs what the tests, the PDF reports and the screenshots need and Odoo
# does not bring: Chromium (browser tests, screenshots), wkhtmltopdf (PDF),
# Node.js and npm (prettier, run by pre-commit), and the Python test and lint
# tools of test-requirements.txt. Quiet and quick when all is there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"

missing=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
    command -v google-chrome >/dev/null 2>&1 || missing+=(chromium)
command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
    sudo=()
    [[ "$(id -u)" == 0 ]] || sudo=(sudo)
    echo "==> apt-get install ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install --quiet --disable-pip-version-check \
    -r test-requirements.txt
