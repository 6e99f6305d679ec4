#!/usr/bin/env bash
# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Side-by-side benchmark of Odoo's own milestone invoicing and billing schedules:
#
#   bash scripts/benchmark.sh [OPTIONS]        # about 2.5 minutes on 2 cores
#   bash scripts/benchmark.sh --daily-sizes 1000,5000,10000 --json .benchmarks/big.json
#   bash scripts/benchmark.sh --large --rounds 5 --daily-sizes 10000,100000 \
#       --daily-calls 10 --daily-clone --daily-tracemalloc   # about 10 minutes
#
# Checks Odoo 18.0 and PostgreSQL, links the checkout into a scratch addons
# directory, then runs scripts/benchmark.py, which creates a throwaway database
# (dropped at the end unless --keep-db), measures and prints the figures and
# the goals of issue 8; with --large, large orders opened, edited and
# invoiced, and the Billing Milestones list and pivot on 100,000 milestones.
# Options: bash scripts/benchmark.sh --help.
#
# Environment: PYTHON, ODOO_ADDONS_PATH, PG* (see scripts/lib.sh).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

smb_run_with_addon smb_bench benchmark.py "$@"
