from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    billing_milestone_ids = fields.Many2many(
        "sale.billing.milestone",
        string="Billing Milestones",
        compute="_compute_billing_milestone_ids",
        help="Billing milestones this invoice bills.",
    )
    billing_milestone_count = fields.Integer(compute="_compute_billing_milestone_ids")

    @api.depends("invoice_line_ids.billing_milestone_id")
    def _compute_billing_milestone_ids(self):
        for move in self:
            milestones = move.invoice_line_ids.billing_milestone_id
            move.billing_milestone_ids = milestones
            move.billing_milestone_count = len(milestones)

    def write(self, vals):
        if vals.get("state") in ("draft", "posted"):
            self.filtered(
                lambda m: m.state == "cancel"
            )._check_billing_milestones_free()
        res = super().write(vals)
        if "state" in vals:
            self.line_ids._get_billing_milestones()._sync_invoice_status()
        return res

    def _check_billing_milestones_free(self):
        """A cancelled invoice comes back only if its milestones were not billed
        again meanwhile."""
        milestones = self.line_ids.billing_milestone_id
        taken = milestones.filtered(lambda m: m.invoice_id and m.invoice_id not in self)
        if taken:
            raise UserError(
                self.env._(
                    "Billing milestone %(milestones)s is already billed on "
                    "%(invoices)s, so this invoice cannot be reset.",
                    milestones=", ".join(taken.mapped("display_name")),
                    invoices=", ".join(taken.invoice_id.mapped("name")),
                )
            )

    def action_view_billing_milestones(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_milestone_billing.sale_billing_milestone_action"
        )
        action["domain"] = [("id", "in", self.billing_milestone_ids.ids)]
        action["context"] = {}
        return action
