# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# One concern of sale.order.line per file, as Odoo splits its own models.
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.float_utils import float_compare

from ..tools.milestone_fields import field_labels
from ..tools.schedule import retention_of

# Read from the invoice lines and the schedule; never written by hand.
RETENTION_LEDGER_FIELDS = {
    "billing_retention_withheld",
    "billing_retention_released",
    "billing_retention_credited",
    "billing_retention_held",
    "billing_retention_release_id",
}


class SaleOrderLine(models.Model):
    """Retention: a percent of each milestone invoice the customer keeps until
    the line's Retention Release milestone bills it. What is withheld,
    released and credited is read from the invoice lines, never kept apart."""

    _inherit = "sale.order.line"

    billing_retention_percent = fields.Float(
        string="Retention %",
        compute="_compute_billing_retention_percent",
        store=True,
        readonly=False,
        precompute=True,
        digits=(16, 2),
        aggregator=None,
        help="Percent of each milestone's untaxed amount withheld on its invoice "
        "until the Retention Release milestone bills it; 0: none.",
    )
    billing_retention_move_line_ids = fields.One2many(
        "account.move.line",
        "billing_retention_line_id",
        string="Retention Journal Items",
        help="Invoice and credit note lines that withhold or release the line's "
        "retention.",
    )
    billing_retention_withheld = fields.Monetary(
        string="Retention Withheld",
        compute="_compute_billing_retention",
        store=True,
        help="Retention withheld on the line's posted invoices, net of their "
        "credit notes.",
    )
    billing_retention_released = fields.Monetary(
        string="Retention Released",
        compute="_compute_billing_retention",
        store=True,
        help="Retention the posted release invoices bill, net of their credit notes.",
    )
    billing_retention_credited = fields.Monetary(
        string="Retention Credited",
        compute="_compute_billing_retention",
        store=True,
        help="Retention that Final Reduction credit notes of release invoices "
        "gave up for good.",
    )
    billing_retention_held = fields.Monetary(
        string="Retention Held",
        compute="_compute_billing_retention",
        store=True,
        help="Retention the customer keeps now: withheld, less released and credited.",
    )

    billing_retention_release_id = fields.Many2one(
        "sale.billing.milestone",
        string="Retention Release",
        compute="_compute_billing_retention_release_id",
        store=True,
        index="btree_not_null",
        help="The milestone of the schedule that releases the retention.",
    )
    billing_retention_release_date = fields.Date(
        related="billing_retention_release_id.billable_date",
        string="Release On",
    )
    billing_retention_release_invoice_id = fields.Many2one(
        related="billing_retention_release_id.invoice_id",
        string="Release Invoice",
    )
    billing_retention_release_due_date = fields.Date(
        related="billing_retention_release_id.invoice_id.invoice_date_due",
        string="Release Due On",
    )
    billing_retention_release_payment_state = fields.Selection(
        related="billing_retention_release_id.invoice_id.payment_state",
        string="Release Payment",
    )

    @api.depends("billing_milestone_ids.is_retention_release")
    def _compute_billing_retention_release_id(self):
        for line in self:
            line.billing_retention_release_id = (
                line.billing_milestone_ids._filter_releases()[:1]._origin
            )

    @api.depends("product_id")
    def _compute_billing_retention_percent(self):
        for line in self:
            if line._has_processed_billing_milestone():
                continue
            line.billing_retention_percent = (
                line.product_id.billing_retention_percent
                if line.is_billing_milestone_line
                else 0.0
            )

    @api.depends(
        "billing_retention_percent",
        "billing_retention_move_line_ids.parent_state",
        "billing_retention_move_line_ids.price_subtotal",
        "billing_retention_move_line_ids.billing_credited_amount",
        "billing_retention_move_line_ids.billing_final_credit_amount",
    )
    def _compute_billing_retention(self):
        # A line that withholds nothing has no retention journal items to read
        # (its Retention % cannot go back to 0 once something is withheld).
        (self - self.filtered("billing_retention_percent")).update(
            {
                "billing_retention_withheld": 0.0,
                "billing_retention_released": 0.0,
                "billing_retention_credited": 0.0,
                "billing_retention_held": 0.0,
            }
        )
        for line in self.filtered("billing_retention_percent"):
            withheld = released = credited = 0.0
            for aml in line.billing_retention_move_line_ids:
                if aml.parent_state != "posted":
                    continue
                sign = -1 if aml.move_type == "out_refund" else 1
                amount = sign * line._billing_in_line_currency(aml.price_subtotal, aml)
                if aml.billing_retention_role == "withhold":
                    withheld -= amount
                elif aml.move_type == "out_invoice":
                    # Credit notes of a release count on the line they credit.
                    final = line._billing_in_line_currency(
                        aml.billing_final_credit_amount, aml
                    )
                    again = line._billing_in_line_currency(
                        aml.billing_credited_amount, aml
                    )
                    released += amount - final - again
                    credited += final
            rounding = line.currency_id
            line.billing_retention_withheld = rounding.round(withheld)
            line.billing_retention_released = rounding.round(released)
            line.billing_retention_credited = rounding.round(credited)
            line.billing_retention_held = rounding.round(withheld - released - credited)

    @api.constrains("billing_retention_percent")
    def _check_billing_retention_percent(self):
        for line in self:
            if not 0 <= line.billing_retention_percent <= 100:
                raise ValidationError(
                    self.env._(
                        'Order line "%(line)s": Retention %% must be between 0 and '
                        "100 (got %(percent)s).",
                        line=line.display_name,
                        percent=line.billing_retention_percent,
                    )
                )
            if line.billing_retention_percent and not line.is_billing_milestone_line:
                raise ValidationError(
                    self.env._(
                        'Order line "%(line)s": only a service invoiced based on '
                        "milestones withholds a Retention %%.",
                        line=line.display_name,
                    )
                )

    @api.constrains("billing_retention_held")
    def _check_billing_retention_held(self):
        for line in self:
            if line.currency_id.compare_amounts(line.billing_retention_held, 0.0) < 0:
                raise ValidationError(
                    self.env._(
                        'Order line "%(line)s": its invoices would release or '
                        "credit more retention than they withheld (%(withheld)s "
                        "withheld). Credit the release invoice first, or take "
                        "the retention line off the credit note.",
                        line=line.display_name,
                        withheld=line.billing_retention_withheld,
                    )
                )

    def write(self, vals):
        forged = RETENTION_LEDGER_FIELDS.intersection(vals)
        if forged and not self.env.su:
            raise UserError(
                self.env._(
                    "%(fields)s of an order line follow from its invoices and its "
                    "schedule, and cannot be written.",
                    fields=field_labels(self, forged),
                )
            )
        if "billing_retention_percent" in vals and not self.env.context.get(
            "billing_replan"
        ):
            changed = self.filtered(
                lambda line: (
                    float_compare(
                        line.billing_retention_percent,
                        vals["billing_retention_percent"],
                        precision_digits=2,
                    )
                    and line._has_processed_billing_milestone()
                )
            )
            if changed:
                raise ValidationError(
                    self.env._(
                        'Order line "%(line)s": its Retention %% cannot change '
                        "once a milestone is invoiced. Re-plan the schedule to "
                        "change it.",
                        line=changed[:1].display_name,
                    )
                )
        return super().write(vals)

    @api.depends("billing_retention_released")
    def _compute_untaxed_amount_invoiced(self):
        res = super()._compute_untaxed_amount_invoiced()
        # A release bills the retention of what was invoiced, not the line again.
        # Odoo counts the release invoices and their credit notes: what they
        # release net.
        for line in self.filtered("billing_retention_released"):
            line.untaxed_amount_invoiced -= line.billing_retention_released
        return res

    # Through the line's milestones, whose line is known: a dependency on
    # billing_retention_release_id would search the lines of each milestone.
    @api.depends("billing_milestone_ids.is_billable_now")
    def _compute_invoice_status(self):
        res = super()._compute_invoice_status()
        # A release due bills the line again: the order is To Invoice.
        for line in self:
            releases = line.billing_milestone_ids._filter_releases()
            if releases.filtered("is_billable_now"):
                line.invoice_status = "to invoice"
        return res

    def _billing_in_line_currency(self, amount, aml):
        """``amount`` of invoice line ``aml`` in the order line's currency."""
        self.ensure_one()
        if aml.currency_id == self.currency_id:
            return amount
        date = aml.move_id.invoice_date or aml.date
        return aml.currency_id._convert(amount, self.currency_id, aml.company_id, date)

    def _get_billing_retention_expected(self, amounts):
        """What the line's release will bill, ``amounts`` being the revenue
        milestones' amounts: what posted invoices hold now, plus the retention
        of the milestones not billed on a posted invoice yet."""
        self.ensure_one()
        percent = self.billing_retention_percent
        rounding = self.currency_id.rounding
        pending = sum(
            retention_of(amount, percent, rounding)
            for milestone, amount in amounts.items()
            if not milestone.is_retention_release
            and milestone.invoice_state != "posted"
        )
        return self.currency_id.round(self.billing_retention_held + pending)

    def _filter_billing_retention_released(self):
        """The lines whose Retention Release milestone is invoiced: nothing is
        withheld on them any more."""
        return self.filtered(
            lambda line: line.billing_retention_release_id._filter_processed()
        )
