# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


def post_init_hook(env):
    """The companies whose chart of accounts is already there get their
    Retention Receivable account."""
    env["res.company"].search([])._create_billing_retention_accounts()
