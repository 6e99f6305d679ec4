# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


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
    billing_acceptance_reminder_days = fields.Integer(
        string="Acceptance Reminder (days)",
        default=3,
        help="Days before a milestone is deemed accepted on which the daily job "
        "reminds the customer, once, of the acceptance request; 0: no reminder.",
    )

    @api.constrains("billing_acceptance_reminder_days")
    def _check_billing_acceptance_reminder_days(self):
        for company in self:
            if company.billing_acceptance_reminder_days < 0:
                raise ValidationError(
                    self.env._(
                        'Company "%(company)s": Acceptance Reminder (days) must be '
                        "0 or more (got %(days)s).",
                        company=company.name,
                        days=company.billing_acceptance_reminder_days,
                    )
                )
