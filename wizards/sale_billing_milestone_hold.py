# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SaleBillingMilestoneHold(models.TransientModel):
    _name = "sale.billing.milestone.hold"
    _description = "Put Billing Milestones on Hold or Release Them"

    milestone_ids = fields.Many2many(
        "sale.billing.milestone", string="Billing Milestones", required=True
    )
    action = fields.Selection(
        selection=[("hold", "Put on Hold"), ("release", "Release")],
        required=True,
        default="hold",
    )
    reason = fields.Char(required=True)
    release_date = fields.Date(
        help="Leave empty to keep the milestones on hold until someone releases "
        "them; otherwise the daily job releases them on this date.",
    )

    def action_apply(self):
        self.ensure_one()
        if self.action == "hold":
            self.milestone_ids._put_on_hold(self.reason, self.release_date)
        else:
            self.milestone_ids._release_hold(self.reason)
        return {"type": "ir.actions.act_window_close"}
