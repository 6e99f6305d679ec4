# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
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
        # The invoices are the plan's, as invoicing makes them; the label
        # names each by its first milestone.
        invoice_of = {}
        for __, invoices in self.milestone_id._get_invoice_plan():
            for milestones in invoices.values():
                invoice_of.update(dict.fromkeys(milestones, milestones[:1]))
        for line in self:
            first = invoice_of.get(line.milestone_id)
            line.invoice_key = line._get_invoice_label(first) if first else False

    def _get_invoice_label(self, milestone):
        """How the preview names the invoice ``milestone`` goes on."""
        if milestone.due_date:
            when = self.env._(
                "Due %(date)s", date=format_date(self.env, milestone.due_date)
            )
        else:
            when = self.env._("Payment terms")
        label = self.env._(
            "%(partner)s, %(currency)s, %(when)s",
            partner=milestone.order_id.partner_invoice_id.display_name,
            currency=milestone.currency_id.name,
            when=when,
        )
        if not self.env.user.has_group("base.group_multi_company"):
            return label
        return self.env._(
            "%(company)s: %(invoice)s", company=milestone.company_id.name, invoice=label
        )
