# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class AccountMoveReversal(models.TransientModel):
    _inherit = "account.move.reversal"

    billing_credit_intent = fields.Selection(
        selection=lambda self: (
            self.env["account.move"]
            ._fields["billing_credit_intent"]
            ._description_selection(self.env)
        ),
        string="Credited Milestones",
        required=True,
        default="final",
        help="What the credit note means for the billing milestones it credits. "
        "Final Reduction: the customer owes that much less for good. Bill Again "
        "Later: the credited amount goes back on the schedule to be invoiced "
        "again. Reverse and Create Invoice always bills again.",
    )
    has_billing_milestones = fields.Boolean(compute="_compute_has_billing_milestones")

    @api.depends("move_ids")
    def _compute_has_billing_milestones(self):
        for wizard in self:
            wizard.has_billing_milestones = bool(
                wizard.move_ids.invoice_line_ids.billing_milestone_id
            )

    def _prepare_default_reversal(self, move):
        values = super()._prepare_default_reversal(move)
        values["billing_credit_intent"] = self.billing_credit_intent
        return values
