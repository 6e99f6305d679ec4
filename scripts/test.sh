#!/usr/bin/env bash
# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# THE test command of the sale_milestone_billing add-on:   bash scripts/test.sh [PYTEST ARGS...]
#
#  1. checks Odoo 18.0, PostgreSQL, Chromium and the test tools (else exit 2)
#  2. installs the module into two throwaway databases in the background, with
#     demo data from the checkout, without from its wheel in a throwaway venv
#     (smb_wheel_venv), while pre-commit lints a copy of the checkout
#  3. fails if either install log has a WARNING/ERROR/CRITICAL record
#  4. runs the tests of two real transactions, which commit (pytest -m
#     concurrency), on the database without demo data
#  5. runs the suite once, in pytest-odoo on the demo database (two workers, each
#     with an HTTP server): the module's tests and Odoo's own sale_project
#     milestone tests; extra arguments go to pytest (e.g. -k milestone, -x, -vv)
# A failed or skipped test, no test, or a WARNING logged by the tests fails the run.
# Environment: PYTHON, ODOO_ADDONS_PATH, PG* (see scripts/lib.sh), and
#   SMB_KEEP_DB=1      keep the databases (and logs) for debugging
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

smb_check_odoo && smb_check_postgres && smb_check_browser && smb_check_test_tools

WORK="$(mktemp -d "${TMPDIR:-/tmp}/smb_test.XXXXXX")"
LOG="$WORK/logs" MODULE="$WORK/addons/$SMB_MODULE"
DB="smb_test_$$_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
mkdir -p "$LOG" && smb_link_addon "$WORK/addons"
ODOO_PATH="$(smb_odoo_addons_path)"
ADDONS_PATH="$WORK/addons${ODOO_PATH:+,$ODOO_PATH}"
# A private Odoo config: keeps ~/.odoorc out of the way, filestores in $WORK.
printf '[options]\naddons_path = %s\ndata_dir = %s/data\n' "$ADDONS_PATH" "$WORK" >"$WORK/odoo.conf"
PIDS=()
cleanup() {
    local rc=$?
    set +e
    ((${#PIDS[@]})) && kill "${PIDS[@]}" 2>/dev/null && wait "${PIDS[@]}" 2>/dev/null
    [[ "${SMB_KEEP_DB:-0}" == 1 ]] && echo "SMB_KEEP_DB=1: kept ${DB}_demo, ${DB}_nodemo and $WORK" && exit "$rc"
    for db in "${DB}_demo" "${DB}_demo-gw0" "${DB}_demo-gw1" "${DB}_nodemo"; do
        "${SMB_ODOO[@]}" db -c "$WORK/odoo.conf" drop "$db" >/dev/null 2>&1
    done
    [[ "$rc" != 0 ]] && mv "$LOG" "$WORK.logs" && echo "logs kept in $WORK.logs"
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT && trap 'exit 130' INT && trap 'exit 143' TERM

# Odoo and pytest run from $WORK, so that what they write to the working
# directory (Hypothesis' .hypothesis/, ...) stays out of the checkout.
cd "$WORK"
# install NAME PYTHON CONF [ODOO ARGS...]: the module into ${DB}_NAME, in the background
install() {
    echo "==> install $SMB_MODULE into ${DB}_$1 with $2 (background)"
    env TZ=UTC "$2" -m odoo -c "$3" -d "${DB}_$1" -i "$SMB_MODULE" --stop-after-init --no-http \
        --log-level=info --logfile="$LOG/install_$1.log" "${@:4}" >"$LOG/install_$1.out" 2>&1 &
    PIDS+=($!)
}
install demo "$PYTHON" odoo.conf
smb_wheel_venv "$WORK/wheel" "$WORK/data" # writes wheel/odoo.conf: Odoo's addons only
install nodemo "$WORK/wheel/venv/bin/python" wheel/odoo.conf --without-demo=all

echo "==> lint: pre-commit (ruff, prettier, pylint-odoo, oca-checks-odoo-module, oca-checks-po)"
# On a copy, so that the hooks that fix files never touch the checkout.
smb_copy_addon "$WORK/lint"
(cd "$WORK/lint/$SMB_MODULE" && git init -q && git add -A &&
    "$PYTHON" -m pre_commit run --all-files --show-diff-on-failure --color=never) ||
    smb_fail "lint (run 'pre-commit run --all-files' in the checkout: it fixes most findings)"

FAILED=0
for name in demo nodemo; do
    rc=0 && wait "${PIDS[0]}" || rc=$?
    PIDS=("${PIDS[@]:1}")
    smb_check_log "$LOG/install_$name" "$rc" "the install into ${DB}_$name" || FAILED=1
done
[[ "$FAILED" == 0 ]] || exit 1

PYTEST=("$PYTHON" -m pytest -c "$MODULE/pytest.ini" --rootdir=/ -p no:cacheprovider -p no:benchmark -rs
    --odoo-config=odoo.conf --odoo-addons-path="$ADDONS_PATH" --odoo-log-level=warn)
echo "==> pytest -m concurrency on ${DB}_nodemo"
smb_pytest "$LOG/concurrency" "${PYTEST[@]}" --odoo-database="${DB}_nodemo" -m concurrency "$MODULE/tests"

# The ledger state machine (minutes) first, so that one worker runs it while
# the other runs the rest; Odoo's own milestone tests, but for the two browser
# tours of TestSaleProject: project_create_sol_tour fails on a plain Odoo 18.0
# without this module too (checked 2026-11-22).
SALE_PROJECT="$(smb_odoo_module_dir sale_project)/tests"
TESTS=("$MODULE/tests/test_ledger_stateful.py")
for file in "$MODULE"/tests/test_*.py; do
    [[ "$file" == "${TESTS[0]}" ]] || TESTS+=("$file")
done
echo "==> pytest on ${DB}_demo"
smb_pytest "$LOG/suite" "${PYTEST[@]}" --odoo-database="${DB}_demo" --odoo-http \
    -n 2 --dist=loadscope --no-loadscope-reorder --durations=20 "${TESTS[@]}" \
    "$SALE_PROJECT/test_so_line_milestones.py::TestSoLineMilestones" \
    "$SALE_PROJECT/test_sale_project.py::TestSaleProject" \
    --deselect="${SALE_PROJECT#/}/test_sale_project.py::TestSaleProject::test_project_create_sol_ui" \
    --deselect="${SALE_PROJECT#/}/test_sale_project.py::TestSaleProject::test_task_create_sol_ui" \
    "$@"
echo "OK: lint, the wheel, installs with and without demo data, and pytest passed"
