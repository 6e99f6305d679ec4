#!/usr/bin/env bash
# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Load test: concurrent users over HTTP/JSON-RPC against Odoo in prefork mode
# while the daily jobs run, then the ledger's invariants checked in SQL:
#
#   bash scripts/loadtest.sh [OPTIONS]        # about 3 to 5 minutes on 2 cores
#   bash scripts/loadtest.sh --duration 30 --clients 4 --orders 60
#
# Checks Odoo 18.0 and PostgreSQL, links the checkout into a scratch addons
# directory, then runs scripts/loadtest.py, which creates a throwaway database
# (dropped at the end unless --keep-db), starts Odoo (--workers=3
# --max-cron-threads=1) on a free loopback port, runs the clients, prints
# throughput, p50/p95/max per action with and without the daily job, retries,
# outcomes, the invariants and the goals. Exit status 1 on double billing, a
# broken invariant, or an error a user got that is not a business message.
# Options: bash scripts/loadtest.sh --help. The server's log is kept in the
# scratch directory while it runs, in $SMB_LOAD_DIR when set.
#
# Environment: PYTHON, ODOO_ADDONS_PATH, PG* (see scripts/lib.sh).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

smb_run_with_addon smb_load loadtest.py "$@"
