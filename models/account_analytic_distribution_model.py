# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..tools.run_state import current_billing_run


class AccountAnalyticDistributionModel(models.Model):
    _inherit = "account.analytic.distribution.model"

    @api.model
    def _get_distribution(self, vals):
        """Within one invoicing run, one look-up per set of arguments.

        A milestone schedule writes one invoice line per milestone where Odoo
        writes one per order line, and Odoo looks the distribution up for each
        invoice line it computes alone; the models cannot change during a run.
        Measured with tests/test_query_counts.py: invoicing 20 milestones costs
        19 queries more without this cache (113 against 94 for 1 or 20).
        """
        run = current_billing_run()
        if run is None:
            return super()._get_distribution(vals)
        key = tuple(
            sorted(
                (name, tuple(value) if isinstance(value, list) else value)
                for name, value in vals.items()
            )
        )
        if key not in run.analytic_cache:
            run.analytic_cache[key] = super()._get_distribution(vals)
        return run.analytic_cache[key]
