#!/usr/bin/env bash
# THE test command of the sale_milestone_billing add-on:   bash scripts/test.sh [PYTEST ARGS...]
#
#  1. checks Odoo 18.0 is importable and PostgreSQL reachable (else exit 2)
#  2. lints: pre-commit (.pre-commit-config.yaml) on a copy of the checkout
#  3. installs the module into a throwaway database WITHOUT demo data (background)
#  4. installs it into another throwaway database WITH demo data and runs the
#     module's tests with Odoo's own runner (--test-enable)
#  5. fails if either install log has a WARNING/ERROR/CRITICAL record
#  6. runs the tests again with pytest-odoo on the demo database; extra
#     arguments are passed to pytest (e.g. -k milestone, -x, -vv)
#
# Environment: PYTHON, ODOO_ADDONS_PATH, PG* (see scripts/lib.sh), and
#   SMB_KEEP_DB=1      keep the databases (and logs) for debugging
#   SMB_SKIP_NODEMO=1  skip the install without demo data (step 3)
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

smb_check_odoo
smb_check_postgres
smb_check_browser
if ! "$PYTHON" -c 'import ruff, pylint, pylint_odoo, pytest, pytest_odoo, hypothesis, pre_commit' >/dev/null 2>&1 ||
    ! command -v checklog-odoo oca-checks-odoo-module >/dev/null 2>&1; then
    smb_die "test tools missing for $PYTHON — run: $PYTHON -m pip install -r test-requirements.txt"
fi

# --------------------------------------------------------------------------
# Scratch area, databases and cleanup
# --------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/smb_test.XXXXXX")"
ADDONS_DIR="$WORK/addons"
LOG_DIR="$WORK/logs"
mkdir -p "$LOG_DIR"
RAND="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
DB="smb_test_$$_${RAND}"
DB_NODEMO="${DB}_nodemo"
NODEMO_PID=""

smb_link_addon "$ADDONS_DIR"
ODOO_PATH="$(smb_odoo_addons_path)"
ADDONS_PATH="$ADDONS_DIR${ODOO_PATH:+,$ODOO_PATH}"

# A private Odoo config: keeps ~/.odoorc out of the way and puts the
# databases' filestores in the scratch area.
ODOO_CONF="$WORK/odoo.conf"
cat >"$ODOO_CONF" <<EOF
[options]
addons_path = $ADDONS_PATH
data_dir = $WORK/data
EOF

drop_db() {
    if command -v dropdb >/dev/null 2>&1; then
        dropdb --if-exists "$1" >/dev/null 2>&1 || echo "warning: could not drop database $1" >&2
    else
        "$PYTHON" - "$1" <<'PY' || echo "warning: could not drop database $1" >&2
import sys
import psycopg2
from psycopg2 import sql
conn = psycopg2.connect(dbname="postgres")
conn.autocommit = True
conn.cursor().execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(sys.argv[1])))
PY
    fi
}

cleanup() {
    local rc=$?
    set +e
    cd / || true
    if [[ -n "$NODEMO_PID" ]] && kill -0 "$NODEMO_PID" 2>/dev/null; then
        kill "$NODEMO_PID" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$NODEMO_PID" 2>/dev/null || break
            sleep 1
        done
        kill -9 "$NODEMO_PID" 2>/dev/null
        wait "$NODEMO_PID" 2>/dev/null
    fi
    if [[ "${SMB_KEEP_DB:-0}" == 1 ]]; then
        echo "SMB_KEEP_DB=1: kept databases $DB and $DB_NODEMO, logs and filestore in $WORK"
        echo "  start it with: TZ=UTC $PYTHON -m odoo -c $ODOO_CONF -d $DB --http-port=8069"
        echo "  clean up with: dropdb --if-exists $DB; dropdb --if-exists $DB_NODEMO; rm -rf $WORK"
        exit "$rc"
    fi
    drop_db "$DB"
    drop_db "$DB_NODEMO"
    # Filestores live in $WORK/data; also clear Odoo's default location in
    # case anything fell back to it.
    local default_data
    default_data="$("$PYTHON" -c 'from odoo.tools import config; print(config["data_dir"])' 2>/dev/null)"
    if [[ -n "$default_data" ]]; then
        rm -rf "$default_data/filestore/$DB" "$default_data/filestore/$DB_NODEMO"
    fi
    if [[ "$rc" != 0 && -n "$(ls -A "$LOG_DIR" 2>/dev/null)" ]]; then
        # keep the (small) logs of a failed run, drop everything else
        local kept="${TMPDIR:-/tmp}/smb_test_logs.$DB"
        mv "$LOG_DIR" "$kept" 2>/dev/null && echo "full Odoo logs kept in $kept"
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --------------------------------------------------------------------------
# Log helpers
# --------------------------------------------------------------------------
# bad_records LOG prints the WARNING/ERROR/CRITICAL records of an Odoo log
# and fails if there is any. The install logs go through checklog-odoo, which fails on any WARNING, ERROR
# or CRITICAL record. A clean Odoo 18.0 install of base, and of sale_project
# with and without demo data, logs no WARNING at all on this setup (checked
# 2026-11), so it ignores nothing. ("Running as user 'root' is a security
# risk." goes to stderr, not to the log.)
bad_records() {
    checklog-odoo --no-echo "$1"
}

# Test summary lines of Odoo's runner, e.g.
#   ... INFO db odoo.tests.stats: sale_milestone_billing: 12 tests 1.23s 456 queries
#   ... INFO db odoo.tests.result: 0 failed, 0 error(s) of 12 tests when loading database 'db'
summary_lines() {
    grep -E ' odoo\.tests\.(stats|result): ' "$1" | sed -E 's/^.* (odoo\.tests\.)/\1/' || true
}

# check_install NAME RC WHAT: fail the run (FAILED=1) if the install log
# $LOG_DIR/install_NAME.log has bad records or odoo exited non-zero.
check_install() {
    local name="$1" rc="$2" what="$3"
    if ! bad_records "$LOG_DIR/install_$name.log" >"$LOG_DIR/bad_$name.txt"; then
        echo "FAILED: WARNING/ERROR/CRITICAL records in the log of $what:"
        cat "$LOG_DIR/bad_$name.txt"
        FAILED=1
    fi
    if [[ "$rc" != 0 ]]; then
        echo "FAILED: odoo exited with status $rc ($what)"
        grep -v "^Running as user 'root'" "$LOG_DIR/install_$name.out" | tail -n 20 || true
        FAILED=1
    fi
}

FAILED=0

# --------------------------------------------------------------------------
# Lint
# --------------------------------------------------------------------------
echo "==> lint: pre-commit (ruff, prettier, pylint-odoo, oca-checks-odoo-module, oca-checks-po)"
# On a copy, so that the hooks that fix files never touch the checkout: a
# finding, fixed or not, fails the run.
smb_copy_addon "$WORK/precommit"
PRECOMMIT_DIR="$WORK/precommit/$SMB_MODULE"
(
    cd "$PRECOMMIT_DIR" &&
        git init -q && git add -A &&
        "$PYTHON" -m pre_commit run --all-files --show-diff-on-failure --color=never
) || FAILED=1
if [[ "$FAILED" != 0 ]]; then
    echo "FAILED: lint (run 'pre-commit run --all-files' in the checkout: it fixes most findings)"
    exit 1
fi

# Odoo and pytest run from the scratch area, so that files written to the
# working directory (Hypothesis' .hypothesis/, ...) stay out of the checkout.
cd "$WORK"

# --------------------------------------------------------------------------
# Install without demo data (background)
# --------------------------------------------------------------------------
if [[ "${SMB_SKIP_NODEMO:-0}" != 1 ]]; then
    echo "==> install $SMB_MODULE without demo data into $DB_NODEMO (background)"
    "${SMB_ODOO[@]}" -c "$ODOO_CONF" -d "$DB_NODEMO" -i "$SMB_MODULE" --without-demo=all \
        --stop-after-init --no-http --log-level=info \
        --logfile="$LOG_DIR/install_nodemo.log" >"$LOG_DIR/install_nodemo.out" 2>&1 &
    NODEMO_PID=$!
fi

# --------------------------------------------------------------------------
# Install with demo data + Odoo's test runner (foreground)
# --------------------------------------------------------------------------
# The module's own tests, and Odoo's own sale_project milestone tests, which
# must keep passing with the module installed. Left out: the two browser tours
# of TestSaleProject; they need Chromium, and project_create_sol_tour fails on
# a plain Odoo 18.0 without this module too (checked 2026-11-22: "Tour finished
# with an open form view in edition mode").
TEST_TAGS="/$SMB_MODULE,/sale_project:TestSoLineMilestones,/sale_project:TestSaleProject"
TEST_TAGS+=",-/sale_project:TestSaleProject.test_project_create_sol_ui"
TEST_TAGS+=",-/sale_project:TestSaleProject.test_task_create_sol_ui"

# --test-enable makes Odoo start its HTTP server even with --no-http (for
# HttpCase), so give it a free port instead of fighting over 8069.
HTTP_PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "==> install $SMB_MODULE with demo data into $DB and run its tests (Odoo runner)"
ODOO_RC_DEMO=0
"${SMB_ODOO[@]}" -c "$ODOO_CONF" -d "$DB" -i "$SMB_MODULE" \
    --test-enable --test-tags="$TEST_TAGS" \
    --stop-after-init --http-port="$HTTP_PORT" --log-level=info \
    --logfile="$LOG_DIR/install_demo.log" >"$LOG_DIR/install_demo.out" 2>&1 || ODOO_RC_DEMO=$?
if [[ "$ODOO_RC_DEMO" == 130 ]]; then
    exit 130 # interrupted (Odoo turns SIGINT into exit status 130)
fi
summary_lines "$LOG_DIR/install_demo.log"
check_install demo "$ODOO_RC_DEMO" "$DB, with demo data and tests"
# Odoo logs a skipped test (a tour without a browser, say) at INFO level.
if grep -E ' odoo\.addons\.[^ ]*: skipped ' "$LOG_DIR/install_demo.log"; then
    echo "FAILED: tests were skipped (Odoo runner); a skipped test is not a pass"
    FAILED=1
fi

if [[ -n "$NODEMO_PID" ]]; then
    ODOO_RC_NODEMO=0
    wait "$NODEMO_PID" || ODOO_RC_NODEMO=$?
    NODEMO_PID=""
    echo "==> install without demo data into $DB_NODEMO: exit status $ODOO_RC_NODEMO"
    check_install nodemo "$ODOO_RC_NODEMO" "$DB_NODEMO, without demo data"
fi

if [[ "$FAILED" != 0 ]]; then
    exit 1
fi

# --------------------------------------------------------------------------
# pytest-odoo on the demo database (with an HTTP server on a free port, so
# that the portal's HttpCase tests run here too rather than being skipped)
# --------------------------------------------------------------------------
echo "==> pytest (pytest-odoo) on $DB"
PYTEST_RC=0
# The ledger state machine (about ten minutes) runs once, in Odoo's runner
# above: a second run of random sequences proves nothing the first cannot.
"$PYTHON" -m pytest -p no:cacheprovider -rs \
    --odoo-database="$DB" --odoo-config="$ODOO_CONF" --odoo-addons-path="$ADDONS_PATH" \
    --odoo-http \
    -k "not test_invariants_hold_under_any_sequence_of_corrections" \
    "$ADDONS_DIR/$SMB_MODULE/tests" "$@" 2>&1 | tee "$LOG_DIR/pytest.out" || PYTEST_RC=${PIPESTATUS[0]}
if grep -qE '^=+ .*[0-9]+ skipped' "$LOG_DIR/pytest.out"; then
    echo "FAILED: tests were skipped (pytest, see the SKIPPED lines above); a skipped test is not a pass"
    exit 1
fi
if [[ "$PYTEST_RC" == 5 ]]; then
    echo "FAILED: pytest collected no tests"
    exit 1
elif [[ "$PYTEST_RC" != 0 ]]; then
    echo "FAILED: pytest exited with status $PYTEST_RC"
    exit 1
fi
if [[ "${SMB_SKIP_NODEMO:-0}" == 1 ]]; then
    echo "OK: lint, install with demo data, Odoo test runner and pytest passed (install without demo skipped)"
else
    echo "OK: lint, installs with and without demo data, Odoo test runner and pytest passed"
fi
