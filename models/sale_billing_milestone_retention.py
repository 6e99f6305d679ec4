# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# One concern of sale.billing.milestone per file, as Odoo splits its own models.
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.schedule import format_percent, retention_of


class SaleBillingMilestone(models.Model):
    """Retention: each milestone invoice withholds the line's Retention % of the
    milestone on a separate line, on the company's Retention Receivable
    account; the line's Retention Release milestone bills what was withheld,
    once every other milestone of the line is invoiced and posted."""

    _inherit = "sale.billing.milestone"

    retention_amount = fields.Monetary(
        string="Retention",
        compute="_compute_retention_amount",
        currency_field="currency_id",
        help="Untaxed part of the milestone withheld on its invoice until the "
        "retention is released: what its invoice withholds once invoiced.",
    )
    retention_release_waiting = fields.Boolean(
        string="Release Waiting",
        compute="_compute_retention_release_waiting",
        store=True,
        help="A Retention Release milestone waits until every other milestone of "
        "its line is invoiced and posted.",
    )

    @api.depends(
        "amount",
        "is_retention_release",
        "sale_line_id.billing_retention_percent",
        "invoice_line_id",
    )
    def _compute_retention_amount(self):
        facts = self._get_retention_facts()
        for milestone in self:
            milestone.retention_amount = milestone._get_retention_withheld(facts)

    @api.depends(
        "is_retention_release",
        "sale_line_id.billing_milestone_ids.status",
        # From the invoice lines, which know their milestone: no search.
        "sale_line_id.billing_milestone_ids.invoice_line_ids.parent_state",
    )
    def _compute_retention_release_waiting(self):
        releases = self.filtered("is_retention_release")
        (self - releases).retention_release_waiting = False
        for milestone in releases:
            others = milestone.sale_line_id.billing_milestone_ids._filter_revenue()
            milestone.retention_release_waiting = any(
                other.invoice_id.state != "posted" for other in others
            )

    # What the customer pays on the milestone's invoice: less the retention.
    @api.depends(
        "is_retention_release",
        "sale_line_id.billing_retention_percent",
        "company_id.billing_retention_tax",
        "invoice_line_ids.move_id.invoice_line_ids.price_total",
    )
    def _compute_amount_total(self):
        res = super()._compute_amount_total()
        withholding = self.sale_line_id.filtered("billing_retention_percent")
        if not withholding:
            return res
        facts = self._get_retention_facts()
        for milestone in self.filtered(lambda m: m.sale_line_id in withholding):
            if milestone.is_retention_release:
                untaxed = milestone.company_id.billing_retention_tax == "invoice"
                if untaxed and not milestone.invoice_line_id:
                    # Taxed in full on each milestone invoice already.
                    milestone.amount_total = milestone.amount
                continue
            milestone.amount_total -= milestone._get_retention_total(facts)
        return res

    def _get_retention_facts(self):
        """What the retention of these milestones reads, gathered once for all
        of them: the lines whose release is invoiced, and the invoice lines
        that withhold each invoiced milestone's retention."""
        lines = self.sale_line_id.filtered("billing_retention_percent")
        withholding = defaultdict(lambda: self.env["account.move.line"])
        moves = self.filtered(
            lambda m: m.sale_line_id in lines and m.invoice_line_id
        ).invoice_line_id.move_id
        for aml in moves.invoice_line_ids.filtered("billing_retention_milestone_id"):
            withholding[aml.billing_retention_milestone_id] |= aml
        return {
            "released_lines": lines._filter_billing_retention_released(),
            "withholding": withholding,
        }

    def _get_retention_total(self, facts):
        """The retention of the milestone, taxes included when they are taxed
        at release: what its invoice keeps back of the amount with taxes."""
        self.ensure_one()
        if self.invoice_line_id:
            return -sum(
                self._to_milestone_currency(aml.price_total, aml)
                for aml in facts["withholding"][self]
            )
        withheld = self._get_retention_withheld(facts)
        line = self.sale_line_id
        if not withheld or self.company_id.billing_retention_tax == "invoice":
            return withheld
        return line.tax_id.compute_all(
            withheld,
            currency=self.currency_id,
            product=self.product_id,
            partner=line.order_id.partner_shipping_id,
            handle_price_include=False,
        )["total_included"]

    @api.constrains("is_retention_release", "sale_line_id")
    def _check_retention_release(self):
        lines = self.filtered("is_retention_release").sale_line_id
        for line in lines:
            releases = line.billing_milestone_ids._filter_releases()
            if not line.billing_retention_percent:
                raise ValidationError(
                    self.env._(
                        'Order line "%(line)s": milestone %(milestones)s is a '
                        "Retention Release, but the line withholds no Retention "
                        "%%. Set its Retention %% first.",
                        line=line.display_name,
                        milestones=releases._milestone_labels(),
                    )
                )
            if len(releases) > 1:
                raise ValidationError(
                    self.env._(
                        'Order line "%(line)s": milestones %(milestones)s are both '
                        "Retention Releases; a line releases its retention once.",
                        line=line.display_name,
                        milestones=releases._milestone_labels(),
                    )
                )

    def _filter_releases(self):
        """The Retention Release milestones, not the parts re-opened from them."""
        return self._filter_by_value("is_retention_release", bool).filtered(
            lambda m: not m.reopened_from_id
        )

    def _filter_revenue(self):
        """The milestones that bill the line's revenue: all but the release and
        the parts re-opened from it."""
        return self._filter_by_value(
            "is_retention_release", lambda release: not release
        )

    def _get_retention_withheld(self, facts):
        """Untaxed retention of the milestone: what its live invoice withholds,
        else what the line's Retention % would withhold on its amount now.
        ``facts``: see ``_get_retention_facts``."""
        self.ensure_one()
        if self.is_retention_release or not self.sale_line_id.billing_retention_percent:
            return 0.0
        if self.invoice_line_id:
            return -sum(
                self._to_milestone_currency(aml.price_subtotal, aml)
                for aml in facts["withholding"][self]
            )
        if self.sale_line_id in facts["released_lines"]:
            return 0.0
        return retention_of(
            self.amount,
            self.sale_line_id.billing_retention_percent,
            self.currency_id.rounding,
        )

    def _prepare_invoice_line_values(self, base_values):
        values = super()._prepare_invoice_line_values(base_values)
        if not self.is_retention_release:
            return values
        # The release credits the Retention Receivable account: no revenue.
        company = self.company_id
        values.update(
            {
                "account_id": company._get_billing_retention_account().id,
                "billing_retention_line_id": self.sale_line_id.id,
                "billing_retention_role": "release",
            }
        )
        if company.billing_retention_tax == "invoice":
            # Taxed in full on each milestone invoice: the release is not.
            values.update(
                self._get_invoice_price_values(self.amount, self.env["account.tax"])
            )
            values["tax_ids"] = [Command.clear()]
        return values

    def _prepare_retention_line_values(self, milestone_values):
        """The invoice line that withholds the milestone's retention, next to
        its line of ``milestone_values``; None when nothing is withheld."""
        self.ensure_one()
        line = self.sale_line_id
        if self.is_retention_release or not line.billing_retention_percent:
            return None
        if line._filter_billing_retention_released():
            return None
        withheld = retention_of(
            self.amount, line.billing_retention_percent, self.currency_id.rounding
        )
        if not withheld:
            return None
        company = self.company_id
        taxes = None
        if company.billing_retention_tax == "release":
            # Taxed at release: the invoice taxes the amount less the retention.
            taxes = milestone_values.get("tax_ids")
        return {
            "display_type": "product",
            "name": self.env._(
                "Retention %(percent)s %% withheld on %(milestone)s",
                percent=format_percent(line.billing_retention_percent),
                milestone=self.display_name,
            ),
            "account_id": company._get_billing_retention_account().id,
            **self._get_invoice_price_values(
                -withheld, line.tax_id if taxes else self.env["account.tax"]
            ),
            "discount": 0.0,
            "tax_ids": taxes or [Command.clear()],
            "analytic_distribution": milestone_values.get("analytic_distribution"),
            "billing_retention_line_id": line.id,
            "billing_retention_milestone_id": self.id,
            "billing_retention_role": "withhold",
            "sequence": milestone_values.get("sequence", 10),
        }
