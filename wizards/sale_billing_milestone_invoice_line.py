from datetime import date

from odoo import api, fields, models
from odoo.tools.misc import format_date


class SaleBillingMilestoneInvoiceLine(models.TransientModel):
    _name = "sale.billing.milestone.invoice.line"
    _description = "Billing Milestone to Invoice"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        "sale.billing.milestone.invoice", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer()
    milestone_id = fields.Many2one(
        "sale.billing.milestone", required=True, ondelete="cascade"
    )
    include = fields.Boolean(default=True)
    order_id = fields.Many2one(related="milestone_id.order_id")
    partner_id = fields.Many2one(related="milestone_id.partner_id")
    company_id = fields.Many2one(related="milestone_id.company_id")
    billable_date = fields.Date(related="milestone_id.billable_date")
    due_date = fields.Date(related="milestone_id.due_date")
    amount = fields.Monetary(related="milestone_id.amount")
    currency_id = fields.Many2one(related="milestone_id.currency_id")
    invoice_key = fields.Char(
        string="Invoice",
        compute="_compute_invoice_key",
        help="The invoice the milestone goes on: one per invoice address, currency "
        "and due date.",
    )

    @api.depends(
        "milestone_id.due_date",
        "milestone_id.currency_id",
        "milestone_id.company_id",
        "milestone_id.order_id.partner_invoice_id",
    )
    def _compute_invoice_key(self):
        multi_company = self.env.user.has_group("base.group_multi_company")
        for line in self:
            milestone = line.milestone_id
            if milestone.due_date:
                when = self.env._(
                    "Due %(date)s", date=format_date(self.env, milestone.due_date)
                )
            else:
                when = self.env._("Payment terms")
            key = self.env._(
                "%(partner)s, %(currency)s, %(when)s",
                partner=milestone.order_id.partner_invoice_id.display_name,
                currency=milestone.currency_id.name,
                when=when,
            )
            if multi_company:
                key = self.env._(
                    "%(company)s: %(invoice)s",
                    company=milestone.company_id.name,
                    invoice=key,
                )
            line.invoice_key = key

    @api.model
    def _sort_milestones(self, milestones):
        """``milestones`` in the order of their invoices (payment terms first,
        then by due date, customer and currency), in schedule order on each."""
        return milestones.sorted(
            lambda milestone: (
                milestone.due_date or date.min,
                milestone.company_id.name,
                milestone.order_id.partner_invoice_id.display_name,
                milestone.order_id.partner_invoice_id.id,
                milestone.currency_id.name,
            )
        )
