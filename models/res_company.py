# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


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
    billing_retention_account_id = fields.Many2one(
        "account.account",
        string="Retention Receivable Account",
        check_company=True,
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable', "
        "'off_balance'))]",
        help="Account of the retention withheld on milestone invoices until its "
        "release: created with the company's chart of accounts.",
    )
    billing_retention_tax = fields.Selection(
        selection=[
            ("invoice", "On each invoice, on the full amount"),
            ("release", "On the retention, at its release"),
        ],
        string="Tax on Retention",
        required=True,
        default="invoice",
        help="On each invoice: a milestone invoice taxes the milestone's full "
        "amount and withholds the retention untaxed; the release is not taxed "
        "again (most VAT regimes).\nAt its release: a milestone invoice taxes "
        "the amount less the retention, and the release invoice taxes the "
        "retention.",
    )

    billing_acceptance_reminder_days = fields.Integer(
        string="Acceptance Reminder (days)",
        default=3,
        help="Days before a milestone is deemed accepted on which the daily job "
        "reminds the customer, once, of the acceptance request; 0: no reminder.",
    )

    def _create_billing_retention_accounts(self):
        """A Retention Receivable account for each of these companies that has a
        chart of accounts and none yet: a current asset, next to the company's
        receivable account."""
        Account = self.env["account.account"]
        for company in self.filtered(
            lambda c: c.chart_template and not c.billing_retention_account_id
        ):
            Account = Account.with_company(company)
            receivable = company.partner_id.with_company(
                company
            ).property_account_receivable_id
            company.billing_retention_account_id = Account.create(
                {
                    "name": self.env._("Retention Receivable"),
                    "code": Account._search_new_account_code(receivable.code or "1210"),
                    "account_type": "asset_current",
                    "reconcile": False,
                    "company_ids": [company.root_id.id],
                }
            )

    def _get_billing_retention_account(self):
        """The Retention Receivable account, or a clear error naming the setting."""
        self.ensure_one()
        if not self.billing_retention_account_id:
            raise UserError(
                self.env._(
                    "Company %(company)s has no Retention Receivable Account: set "
                    "it in Settings, Sales, Milestone Retention, before invoicing "
                    "milestones with a retention.",
                    company=self.display_name,
                )
            )
        return self.billing_retention_account_id

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
