#!/usr/bin/env bash
# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint-odoo and oca-checks-odoo-module on a copy of the checkout named after
# the module: both look for the module by its directory name, and the checkout
# may be cloned under any name.   bash scripts/lint_module.sh pylint|oca-checks
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LINT_DIR="$(mktemp -d "${TMPDIR:-/tmp}/smb_lint.XXXXXX")"
trap 'rm -rf "$LINT_DIR"' EXIT
smb_copy_addon "$LINT_DIR"
cd "$LINT_DIR"
case "${1:-}" in
    pylint) "$PYTHON" -m pylint --rcfile="$REPO_ROOT/.pylintrc" "$SMB_MODULE" ;;
    oca-checks) oca-checks-odoo-module --disable=prefer-readme-rst "$SMB_MODULE/__manifest__.py" ;;
    *) smb_die "usage: $0 pylint|oca-checks" ;;
esac
