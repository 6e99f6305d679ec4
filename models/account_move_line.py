# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_amount
from odoo.tools.sql import constraint_definition

from ..tools.milestone_fields import field_labels
from ..tools.schedule import retention_of

# The database keeps a milestone on one live invoice line, whatever writes to
# it. Deferred to the end of the transaction: within one flush, Odoo may write
# the line a reversal frees after the line that bills the milestone again.
LIVE_MILESTONE_CONSTRAINT = "account_move_line_billing_milestone_live_excl"

# What changes the untaxed amount a draft line bills.
PRICE_FIELDS = {"price_unit", "quantity", "discount", "tax_ids"}

# The ledger's facts on a line: taken from the milestone when the line is made,
# or computed from the credit notes; never written by hand.
LEDGER_FIELDS = {
    "billing_planned_amount",
    "billing_credited_amount",
    "billing_final_credit_amount",
    "billing_milestone_live",
    "billing_retention_line_id",
    "billing_retention_milestone_id",
    "billing_retention_role",
}


class AccountMoveLine(models.Model):
    """Invoice lines are the ledger of billing milestones.

    A customer invoice line that bills a milestone carries it in
    ``billing_milestone_id``; so do the lines of its credit notes and of the
    invoices that reverse those, as Odoo copies business fields into them. The
    line is *live*, and its milestone processed, while its invoice is draft or
    posted and posted credit notes that bill it again later (see
    ``account.move.billing_credit_intent``) have not credited it in full. Final
    Reduction credit notes lower what it bills for good, and leave it live.
    """

    _inherit = "account.move.line"

    billing_milestone_id = fields.Many2one(
        "sale.billing.milestone",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="The billing milestone this line bills, or credits on a credit note.",
    )
    # A fact of the moment the line was made, which nothing else records: a line
    # that bills less re-opens the rest of its milestone. A float, not a
    # monetary: rounding it on create would read the new line's currency.
    billing_planned_amount = fields.Float(
        copy=False,
        readonly=True,
        help="Untaxed amount the billing milestone stood for when this line was "
        "made to bill it.",
    )
    billing_reopened_part_ids = fields.One2many(
        "sale.billing.milestone",
        "reopened_by_line_id",
        string="Re-opened Parts",
        help="Parts of a billing milestone this line put back on the schedule.",
    )
    billing_credited_amount = fields.Monetary(
        compute="_compute_billing_live",
        store=True,
        currency_field="currency_id",
        help="Untaxed amount of this invoice line that posted Bill Again Later "
        "credit notes of its invoice give back for the same milestone.",
    )
    billing_final_credit_amount = fields.Monetary(
        string="Finally Credited",
        compute="_compute_billing_live",
        store=True,
        currency_field="currency_id",
        help="Untaxed amount of this invoice line that posted Final Reduction "
        "credit notes of its invoice credit for the same milestone, less what "
        "invoices reversing them took back.",
    )
    billing_milestone_live = fields.Boolean(
        compute="_compute_billing_live",
        store=True,
        index="btree_not_null",
        help="The line bills its milestone now: a customer invoice line, draft or "
        "posted, not credited in full by Bill Again Later credit notes.",
    )

    billing_retention_line_id = fields.Many2one(
        "sale.order.line",
        string="Retention of",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="The order line whose retention this line withholds or releases.",
    )
    billing_retention_milestone_id = fields.Many2one(
        "sale.billing.milestone",
        string="Retention Withheld on",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="The billing milestone whose invoice line this line withholds the "
        "retention of.",
    )
    billing_retention_role = fields.Selection(
        selection=[("withhold", "Withheld"), ("release", "Released")],
        string="Retention",
        copy=False,
        readonly=True,
        help="Withheld: the line keeps back part of a milestone until the "
        "release. Released: the line bills the retention withheld.",
    )

    def init(self):
        res = super().init()
        if constraint_definition(self.env.cr, self._table, LIVE_MILESTONE_CONSTRAINT):
            return res
        self.env.cr.execute(
            SQL(
                "ALTER TABLE account_move_line ADD CONSTRAINT %s "
                "EXCLUDE USING btree (billing_milestone_id WITH =) "
                "WHERE (billing_milestone_live) DEFERRABLE INITIALLY DEFERRED",
                SQL.identifier(LIVE_MILESTONE_CONSTRAINT),
            )
        )
        return res

    @api.depends(
        "billing_milestone_id",
        "move_type",
        "parent_state",
        "price_subtotal",
        "move_id.reversed_entry_id.billing_credit_intent",
        "move_id.reversal_move_ids.billing_credit_intent",
        "move_id.reversal_move_ids.line_ids.billing_milestone_id",
        "move_id.reversal_move_ids.line_ids.parent_state",
        "move_id.reversal_move_ids.line_ids.price_subtotal",
        "move_id.reversal_move_ids.reversal_move_ids.line_ids.billing_milestone_id",
        "move_id.reversal_move_ids.reversal_move_ids.line_ids.parent_state",
        "move_id.reversal_move_ids.reversal_move_ids.line_ids.price_subtotal",
    )
    def _compute_billing_live(self):
        billing = self.filtered(
            lambda line: (
                line.billing_milestone_id
                and line.move_type == "out_invoice"
                and not line.move_id._is_billing_final_credit_undo()
            )
        )
        (self - billing).update(
            {
                "billing_credited_amount": 0.0,
                "billing_final_credit_amount": 0.0,
                "billing_milestone_live": False,
            }
        )
        # What the posted credit notes of each invoice give back per milestone,
        # by intent; invoices reversing a final one take it back.
        credited = defaultdict(float)
        final = defaultdict(float)
        for credit_note in billing.move_id.reversal_move_ids:
            if credit_note.move_type != "out_refund":
                continue
            is_final = credit_note.billing_credit_intent == "final"
            amounts = final if is_final else credited
            for credit in credit_note.line_ids._billing_posted_lines():
                amounts[credit_note.reversed_entry_id, credit.billing_milestone_id] += (
                    credit.price_subtotal
                )
            if is_final:
                undoes = credit_note.reversal_move_ids.line_ids._billing_posted_lines()
                for undo in undoes:
                    key = (credit_note.reversed_entry_id, undo.billing_milestone_id)
                    final[key] -= undo.price_subtotal
        for line in billing:
            key = (line.move_id, line.billing_milestone_id)
            line.billing_credited_amount = credited[key]
            line.billing_final_credit_amount = final[key]
            line.billing_milestone_live = line.parent_state != "cancel" and (
                line.currency_id.compare_amounts(credited[key], line.price_subtotal) < 0
            )

    def _compute_account_id(self):
        # Update Taxes and Accounts, or a new product, keeps what the
        # milestone says: its income account, or the Retention Receivable.
        # (Odoo keeps a retention line's taxes: it has no product, and the
        # Retention Receivable account no default taxes.)
        kept = self.filtered(
            lambda aml: (
                aml.display_type == "product"
                and (
                    aml.billing_retention_role
                    or aml.billing_milestone_id.income_account_id
                )
            )
        )
        res = super(AccountMoveLine, self - kept)._compute_account_id()
        for line in kept:
            if line.billing_retention_role:
                account = line.company_id.billing_retention_account_id
            else:
                account = line.move_id.fiscal_position_id.map_account(
                    line.billing_milestone_id.income_account_id
                )
            if account and line.account_id != account:
                line.account_id = account
        return res

    def _billing_posted_lines(self):
        return self.filtered(
            lambda line: line.billing_milestone_id and line.parent_state == "posted"
        )

    @api.constrains(
        "billing_retention_role",
        "billing_retention_line_id",
        "billing_retention_milestone_id",
        "billing_milestone_id",
    )
    def _check_billing_retention_link(self):
        for line in self.filtered("billing_retention_role"):
            milestone = (
                line.billing_retention_milestone_id
                if line.billing_retention_role == "withhold"
                else line.billing_milestone_id.filtered("is_retention_release")
            )
            sale_line = line.billing_retention_line_id
            if not milestone or milestone.sale_line_id != sale_line:
                raise ValidationError(
                    self.env._(
                        'Invoice line "%(line)s" withholds or releases the '
                        "retention of an order line other than its milestone's; "
                        "retention lines are made by invoicing the milestones.",
                        line=line.name or line.display_name,
                    )
                )

    # Computed from the milestone on every new line; the milestone itself
    # cannot be changed afterwards (see write).
    @api.constrains("billing_milestone_live")
    def _check_billing_milestone_billed_once(self):
        milestones = self.filtered("billing_milestone_live").billing_milestone_id
        if not milestones:
            return
        # Every live line counts, also those on invoices the user may not read.
        live = self.sudo()._read_group(
            [
                ("billing_milestone_id", "in", milestones.ids),
                ("billing_milestone_live", "=", True),
            ],
            ["billing_milestone_id"],
            ["move_id:array_agg"],
        )
        twice = [(milestone, ids) for milestone, ids in live if len(ids) > 1]
        if twice:
            milestone, move_ids = twice[0]
            # The error names the invoices, those the user may not read too.
            moves = self.env["account.move"].sudo().browse(move_ids)
            raise ValidationError(
                self.env._(
                    "Billing milestone %(milestone)s would be billed twice, on "
                    "%(invoices)s: a milestone is billed by one invoice at a time. "
                    "Cancel or credit the other invoice first.",
                    milestone=milestone.display_name,
                    invoices=", ".join(move._get_billing_label() for move in moves),
                )
            )

    @api.constrains("billing_credited_amount", "billing_final_credit_amount")
    def _check_billing_credits(self):
        for line in self.filtered("billing_milestone_id"):
            currency = line.currency_id
            credited = line.billing_credited_amount + line.billing_final_credit_amount
            if currency.compare_amounts(line.billing_final_credit_amount, 0.0) < 0:
                raise ValidationError(
                    self.env._(
                        "Billing milestone %(milestone)s: invoices reversing the "
                        "credit notes of %(invoice)s would take back more than "
                        "they credited.",
                        milestone=line.billing_milestone_id.display_name,
                        invoice=line.move_id.display_name,
                    )
                )
            if currency.compare_amounts(credited, line.price_subtotal) > 0:
                raise ValidationError(
                    self.env._(
                        "Billing milestone %(milestone)s: the credit notes of "
                        "%(invoice)s would credit %(credited)s of it, above the "
                        "%(billed)s that invoice bills. Lower the credit note.",
                        milestone=line.billing_milestone_id.display_name,
                        invoice=line.move_id.display_name,
                        credited=format_amount(self.env, credited, currency),
                        billed=format_amount(self.env, line.price_subtotal, currency),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = self._with_billing_planned_amounts(vals_list)
        lines = super().create(vals_list)
        # A new line billing less than its milestone stood for (a copy of a
        # lowered line) re-opens the rest.
        short = lines.filtered("billing_milestone_id").filtered(
            lambda line: line._is_billing_short()
        )
        short.billing_milestone_id._sync_reopened_parts()
        return lines

    def _with_billing_planned_amounts(self, vals_list):
        """The values of new lines, each that bills a milestone with what the
        milestone stands for now, whatever the caller gave."""
        milestone_ids = {vals.get("billing_milestone_id") for vals in vals_list}
        # The fact is the ledger's, whoever makes the line (an accountant
        # reversing an invoice may not read the milestone's order).
        milestones = (
            self.env["sale.billing.milestone"]
            .sudo()
            .browse(milestone_ids - {None, False})
        )
        amounts = {milestone.id: milestone.amount for milestone in milestones}
        return [
            {
                **vals,
                "billing_planned_amount": amounts.get(
                    vals.get("billing_milestone_id"), 0.0
                ),
            }
            if vals.get("billing_milestone_id") or "billing_planned_amount" in vals
            else vals
            for vals in vals_list
        ]

    def write(self, vals):
        forged = LEDGER_FIELDS.intersection(vals)
        if forged and not self.env.su:
            raise UserError(
                self.env._(
                    "%(fields)s of an invoice line follow from its billing milestone "
                    "and its credit notes, and cannot be written.",
                    fields=field_labels(self, forged),
                )
            )
        if "billing_milestone_id" in vals and any(
            line.billing_milestone_id.id != vals["billing_milestone_id"]
            for line in self
        ):
            raise UserError(
                self.env._(
                    "The Billing Milestone of an invoice line is set when the "
                    "milestone is invoiced and cannot be changed afterwards."
                )
            )
        res = super().write(vals)
        if PRICE_FIELDS.intersection(vals):
            # A draft line billing less, or more again, moves what is re-opened.
            self.filtered(
                "billing_milestone_live"
            ).billing_milestone_id._sync_reopened_parts()
            self._sync_billing_retention_lines()
        return res

    def _sync_billing_retention_lines(self):
        """The retention lines of draft invoices and credit notes follow the
        milestone line they withhold for: a partial credit note credits the
        retention of what it credits."""
        milestone_lines = self.filtered(
            lambda aml: (
                aml.billing_milestone_id
                and aml.parent_state == "draft"
                and not aml.billing_milestone_id.is_retention_release
            )
        )
        retention_lines = milestone_lines.move_id.line_ids.filtered(
            lambda aml: aml.billing_retention_role == "withhold" and aml not in self
        )
        for aml in milestone_lines:
            milestone = aml.billing_milestone_id
            sale_line = milestone.sale_line_id
            withheld = retention_of(
                aml.price_subtotal,
                sale_line.billing_retention_percent,
                aml.currency_id.rounding,
            )
            siblings = retention_lines.filtered(
                lambda r, aml=aml: (
                    r.move_id == aml.move_id
                    and r.billing_retention_milestone_id == aml.billing_milestone_id
                )
            )
            for sibling in siblings:
                sibling.write(
                    milestone._get_invoice_price_values(-withheld, sibling.tax_ids)
                )

    def unlink(self):
        milestones = self.billing_milestone_id
        res = super().unlink()
        # A deleted draft line no longer bills: what it re-opened goes back.
        milestones._sync_reopened_parts()
        return res

    def _is_billing_short(self):
        """A live line that bills less than its milestone stood for."""
        self.ensure_one()
        return bool(
            self.billing_milestone_live
            and self.currency_id.compare_amounts(
                self.billing_planned_amount, self.price_subtotal
            )
            > 0
        )

    def _copy_data_extend_business_fields(self, values):
        # Credit notes, and the invoices that reverse those, bill the same
        # milestone; reversing a credit note that re-opened a part bills that
        # part again.
        res = super()._copy_data_extend_business_fields(values)
        milestone = self.billing_milestone_id
        if self.move_type == "out_refund" and self.billing_reopened_part_ids:
            milestone = self.billing_reopened_part_ids[:1]
        values["billing_milestone_id"] = milestone.id
        values.update(
            {
                "billing_retention_line_id": self.billing_retention_line_id.id,
                "billing_retention_milestone_id": (
                    self.billing_retention_milestone_id.id
                ),
                "billing_retention_role": self.billing_retention_role,
            }
        )
        return res
