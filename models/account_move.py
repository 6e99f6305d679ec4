from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    billing_milestone_ids = fields.Many2many(
        "sale.billing.milestone",
        string="Billing Milestones",
        compute="_compute_billing_milestone_ids",
        help="Billing milestones this invoice bills, or this credit note credits.",
    )
    billing_milestone_count = fields.Integer(compute="_compute_billing_milestone_ids")

    @api.depends("invoice_line_ids.billing_milestone_id")
    def _compute_billing_milestone_ids(self):
        for move in self:
            milestones = move.invoice_line_ids.billing_milestone_id
            move.billing_milestone_ids = milestones
            move.billing_milestone_count = len(milestones)

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals:
            # Posting, resetting or cancelling a credit note re-opens or closes
            # parts of the milestones it credits.
            self.line_ids.billing_milestone_id._sync_reopened_parts()
        return res

    def action_view_billing_milestones(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_milestone_billing.sale_billing_milestone_action"
        )
        action["domain"] = [("id", "in", self.billing_milestone_ids.ids)]
        action["context"] = {}
        return action
