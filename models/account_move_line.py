from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import constraint_definition

# The database keeps a milestone on one live invoice line, whatever writes to
# it. Deferred to the end of the transaction: within one flush, Odoo may write
# the line a reversal frees after the line that bills the milestone again.
LIVE_MILESTONE_CONSTRAINT = "account_move_line_billing_milestone_live_excl"


class AccountMoveLine(models.Model):
    """Invoice lines are the ledger of billing milestones.

    A customer invoice line that bills a milestone carries it in
    ``billing_milestone_id``; so do the lines of its credit notes and of the
    invoices that reverse those, as Odoo copies business fields into them. The
    line is *live*, and its milestone processed, while its invoice is draft or
    posted and posted credit notes of that invoice have not credited it in full.
    """

    _inherit = "account.move.line"

    billing_milestone_id = fields.Many2one(
        "sale.billing.milestone",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="The billing milestone this line bills, or credits on a credit note.",
    )
    billing_credited_amount = fields.Monetary(
        compute="_compute_billing_live",
        store=True,
        currency_field="currency_id",
        help="Untaxed amount of this invoice line that posted credit notes of its "
        "invoice give back for the same milestone.",
    )
    billing_milestone_live = fields.Boolean(
        compute="_compute_billing_live",
        store=True,
        index="btree_not_null",
        help="The line bills its milestone now: a customer invoice line, draft or "
        "posted, not fully credited.",
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
        "move_id.reversal_move_ids.line_ids.billing_milestone_id",
        "move_id.reversal_move_ids.line_ids.parent_state",
        "move_id.reversal_move_ids.line_ids.price_subtotal",
    )
    def _compute_billing_live(self):
        billing = self.filtered(
            lambda line: line.billing_milestone_id and line.move_type == "out_invoice"
        )
        (self - billing).update(
            {"billing_credited_amount": 0.0, "billing_milestone_live": False}
        )
        # Posted credit notes of each invoice: what they give back per milestone.
        credited = defaultdict(float)
        for credit in billing.move_id.reversal_move_ids.line_ids:
            if credit.billing_milestone_id and credit.move_type == "out_refund":
                if credit.parent_state == "posted":
                    key = (
                        credit.move_id.reversed_entry_id,
                        credit.billing_milestone_id,
                    )
                    credited[key] += credit.price_subtotal
        for line in billing:
            amount = credited[line.move_id, line.billing_milestone_id]
            line.billing_credited_amount = amount
            line.billing_milestone_live = line.parent_state != "cancel" and (
                line.currency_id.compare_amounts(amount, line.price_subtotal) < 0
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
            moves = self.env["account.move"].sudo().browse(move_ids)
            raise ValidationError(
                self.env._(
                    "Billing milestone %(milestone)s would be billed twice, on "
                    "%(invoices)s: a milestone is billed by one invoice at a time. "
                    "Cancel or credit the other invoice first.",
                    milestone=milestone.display_name,
                    invoices=", ".join(
                        move.name if move.name != "/" else self.env._("a draft")
                        for move in moves
                    ),
                )
            )

    def write(self, vals):
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
        return super().write(vals)

    def _copy_data_extend_business_fields(self, values):
        # Credit notes, and the invoices that reverse them, bill the same milestone.
        res = super()._copy_data_extend_business_fields(values)
        values["billing_milestone_id"] = self.billing_milestone_id.id
        return res
