# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _default_billing_acceptance_mail_template(self):
        return self.env.ref(
            "sale_milestone_billing.mail_template_billing_acceptance_request",
            raise_if_not_found=False,
        )

    billing_milestone_auto_invoice = fields.Selection(
        selection=[
            ("off", "Off"),
            ("draft", "Create drafts"),
            ("post", "Create and post"),
        ],
        string="Automatic Milestone Invoicing",
        required=True,
        default="off",
        help="What the daily job does with the billing milestones billable that "
        "day: nothing, invoice them as drafts, or invoice and post them.",
    )
    billing_acceptance_mail_template_id = fields.Many2one(
        "mail.template",
        string="Milestone Acceptance Email",
        domain="[('model', '=', 'sale.billing.milestone.acceptance')]",
        default=_default_billing_acceptance_mail_template,
        help="Email that asks the customer to accept a reached billing milestone, "
        "with the link to accept or reject it on the portal.",
    )
