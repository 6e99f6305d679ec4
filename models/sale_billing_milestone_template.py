# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.float_utils import float_compare

from ..tools.milestone_fields import fields_with
from ..tools.schedule import PERCENT_DIGITS

SCHEDULE_FIELDS = fields_with("schedule")


class SaleBillingMilestoneTemplate(models.Model):
    _name = "sale.billing.milestone.template"
    _inherit = "sale.billing.milestone.mixin"
    _description = "Billing Milestone Template"

    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="product_tmpl_id.company_id")
    currency_id = fields.Many2one(related="product_tmpl_id.currency_id")

    @api.constrains("is_retention_release")
    def _check_template_retention_release(self):
        self.product_tmpl_id._check_billing_retention()

    def _get_user_fields(self):
        return super()._get_user_fields() | {"product_tmpl_id"}

    @api.constrains("percent", "product_tmpl_id")
    def _check_template_percent_total(self):
        totals = self._read_group(
            [("product_tmpl_id", "in", self.product_tmpl_id.ids)],
            ["product_tmpl_id"],
            ["percent:sum"],
        )
        for product, percent in totals:
            if float_compare(percent, 100.0, precision_digits=PERCENT_DIGITS) > 0:
                raise ValidationError(
                    self.env._(
                        'Billing schedule of product "%(product)s": the Percent of its '
                        "milestones adds up to %(total)s %%, above 100 %%.",
                        product=product.display_name,
                        total=percent,
                    )
                )

    def _prepare_billing_milestone_values(self, order_currency, company, date):
        """Values of the order-line milestone made from this template line."""
        self.ensure_one()
        fixed_amount = self.fixed_amount
        if fixed_amount and self.currency_id and self.currency_id != order_currency:
            fixed_amount = self.currency_id._convert(
                fixed_amount, order_currency, company, date
            )
        # A product shared by the companies: an order of another company posts
        # to its own product account, as Odoo keeps only the company's taxes.
        account = self.income_account_id.filtered_domain(
            self.income_account_id._check_company_domain(company)
        )
        return {
            **{name: self[name] for name in SCHEDULE_FIELDS},
            "fixed_amount": fixed_amount,
            "income_account_id": account.id,
        }
