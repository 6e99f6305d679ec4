#!/usr/bin/env bash
# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Start Odoo 18.0 with sale_milestone_billing and its demo data:
#
#   bash scripts/run.sh [DBNAME]        # then open http://localhost:8069, log in admin / admin
#
# DBNAME defaults to $DB, else milestone_billing_demo.  If the database does
# not exist it is created and the module is installed with demo data first;
# an existing database is started as is (after changing the module's data or
# fields, update it with `bash scripts/run.sh DBNAME -u sale_milestone_billing`,
# or start afresh with `dropdb DBNAME`).
# The admin password is "admin": Odoo 18's base data sets it so on new
# databases.
#
# Environment: PORT (default 8069), PYTHON, ODOO_ADDONS_PATH, PG* (see
# scripts/lib.sh).  Extra arguments after DBNAME go to Odoo unchanged.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB_NAME="${1:-${DB:-milestone_billing_demo}}"
[[ $# -gt 0 ]] && shift
PORT="${PORT:-8069}"

smb_check_odoo
smb_check_postgres

# Addons dir with the checkout under the module's technical name (works from
# a checkout directory of any name); kept across runs.
ADDONS_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/sale_milestone_billing/addons"
smb_link_addon "$ADDONS_DIR"
ODOO_PATH="$(smb_odoo_addons_path)"
ADDONS_PATH="$ADDONS_DIR${ODOO_PATH:+,$ODOO_PATH}"

db_exists() {
    "$PYTHON" - "$1" <<'PY'
import sys
import psycopg2
with psycopg2.connect(dbname="postgres") as conn, conn.cursor() as cr:
    cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (sys.argv[1],))
    sys.exit(0 if cr.fetchone() else 1)
PY
}

if ! db_exists "$DB_NAME"; then
    echo "==> creating database $DB_NAME with $SMB_MODULE and demo data (takes a few minutes)"
    if ! "${SMB_ODOO[@]}" --addons-path="$ADDONS_PATH" -d "$DB_NAME" -i "$SMB_MODULE" \
        --stop-after-init --no-http --log-level=warn; then
        echo "error: installing $SMB_MODULE into $DB_NAME failed (see the log above); dropping the half-made database" >&2
        dropdb --if-exists "$DB_NAME" || true
        exit 1
    fi
fi

echo "==> Odoo on http://localhost:$PORT  (database $DB_NAME, login admin / admin; Ctrl-C to stop)"
exec "${SMB_ODOO[@]}" --addons-path="$ADDONS_PATH" -d "$DB_NAME" --db-filter="^${DB_NAME}\$" \
    --http-port="$PORT" "$@"
