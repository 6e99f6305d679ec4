# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ProjectMilestone(models.Model):
    _inherit = "project.milestone"

    billing_milestone_ids = fields.One2many(
        "sale.billing.milestone",
        "project_milestone_id",
        string="Billing Milestones",
        help="Billing milestones reached when this milestone is reached.",
    )
    billing_status = fields.Selection(
        selection=[
            ("to_process", "To Process"),
            ("billable", "Billable"),
            ("processed", "Processed"),
            ("paid", "Paid"),
        ],
        compute="_compute_billing_status",
        # Project users may not read invoices; the status is theirs to see.
        compute_sudo=True,
    )

    @api.depends(
        "billing_milestone_ids.status",
        "billing_milestone_ids.is_billable_now",
        "billing_milestone_ids.invoice_payment_state",
        "is_reached",
        "sale_line_id.qty_to_invoice",
    )
    def _compute_billing_status(self):
        for milestone in self:
            billing = milestone.billing_milestone_ids
            processed = billing._filter_processed()
            if not billing:
                milestone.billing_status = milestone._get_standard_billing_status()
            elif processed == billing and all(
                state in ("paid", "in_payment")
                for state in processed.mapped("invoice_payment_state")
            ):
                milestone.billing_status = "paid"
            elif processed == billing:
                milestone.billing_status = "processed"
            elif any(billing.mapped("is_billable_now")):
                milestone.billing_status = "billable"
            else:
                milestone.billing_status = "to_process"

    def _get_standard_billing_status(self):
        """The status of a milestone Odoo itself invoices (its order line has no
        billing schedule): billable once reached while the line has something
        to invoice; none when no order line bills it."""
        self.ensure_one()
        line = self.sale_line_id
        if not line:
            return False
        if not self.is_reached:
            return "to_process"
        if line.qty_to_invoice > 0:
            return "billable"
        return "processed"

    def write(self, vals):
        res = super().write(vals)
        if "is_reached" in vals:
            self.billing_milestone_ids._follow_project_milestone()
        return res
