# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# One concern of sale.billing.milestone per file, as Odoo splits its own models
# (account_move_line_tax_details.py): merged, they would be 1,750 lines.
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_amount

from ..tools.milestone_fields import fields_with

# What a re-opened part takes from the milestone it re-opens, besides the amount:
# the same trigger, so that it is billable as soon as the original was.
REOPENED_COPIED_FIELDS = fields_with("trigger")


class SaleBillingMilestone(models.Model):
    """What the ledger puts back on the schedule.

    Two things give part of a billed milestone back, to be billed again with
    the same trigger: a posted Bill Again Later credit note that credits part
    of its live invoice line, and a live line that bills less than the
    milestone stood for when it was made (a draft line lowered, a partial
    credit note reversed). Each re-opens exactly that part: a new milestone of
    the same line and trigger, for that amount, linked to the original and to
    the line that re-opened it. The parts follow the ledger
    (``_sync_reopened_parts``): they come and go with what re-opens them, and
    the original milestone keeps what they re-open out of its own amount. So
    what the invoices bill net of credit notes, what is still open and what
    Final Reduction credit notes credited always add up to the schedule.
    """

    _inherit = "sale.billing.milestone"

    # Fields

    reopened_from_id = fields.Many2one(
        "sale.billing.milestone",
        string="Re-opened From",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The milestone this part was given back from.",
    )

    # A draft invoice's line that billed short may be deleted: its part then
    # goes back into the original, or stays billed (see _sync_reopened_parts).
    reopened_by_line_id = fields.Many2one(
        "account.move.line",
        string="Re-opened By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The credit note line that gave this part back, or the invoice line "
        "that bills less than the milestone stood for.",
    )

    reopened_ids = fields.One2many(
        "sale.billing.milestone",
        "reopened_from_id",
        string="Re-opened Parts",
        readonly=True,
        help="Parts of this milestone given back to be billed again.",
    )

    _sql_constraints = [
        (
            "reopened_by_line_unique",
            "UNIQUE(reopened_by_line_id)",
            "An invoice or credit note line re-opens one part of a billing milestone.",
        ),
    ]

    # Constraints

    @api.constrains("reopened_from_id", "reopened_by_line_id", "fixed_amount")
    def _check_reopened_part(self):
        for part in self.filtered(
            lambda m: m.reopened_from_id or m.reopened_by_line_id
        ):
            origin = part.reopened_from_id
            line = part.reopened_by_line_id
            if not (
                origin
                and origin.sale_line_id == part.sale_line_id
                and line in origin._get_reopening_lines()
                and not part.currency_id.compare_amounts(
                    part.fixed_amount, origin._get_reopening_amount(line)
                )
            ):
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": a re-opened part is the amount '
                        "a Bill Again Later credit note gives back on its original "
                        "milestone, or what its invoice line bills short; the "
                        "ledger makes it, not a user.",
                        milestone=part._milestone_label(),
                    )
                )

    # CRUD

    def write(self, vals):
        if {"reopened_from_id", "reopened_by_line_id"}.intersection(vals):
            raise UserError(
                self.env._(
                    "Re-opened From and Re-opened By are set when a credit note "
                    "gives part of a milestone back, and cannot be written."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_reopened(self):
        parts = self.filtered(
            lambda m: (
                m.reopened_by_line_id
                and m.reopened_by_line_id in m.reopened_from_id._get_reopening_lines()
            )
        )
        if parts:
            raise UserError(
                self.env._(
                    "Milestone %(milestones)s cannot be deleted: it is an amount that "
                    "%(moves)s put back on the schedule to be billed again (a Bill "
                    "Again Later credit note, or an invoice line billing less than "
                    "planned). To remove it, reset the credit note to draft or "
                    "correct the invoice line.",
                    milestones=parts._milestone_labels(),
                    moves=", ".join(
                        move._get_billing_label()
                        for move in parts.reopened_by_line_id.move_id
                    ),
                )
            )
        originals = self.filtered("reopened_ids")
        if originals:
            raise UserError(
                self.env._(
                    "Milestone %(milestones)s cannot be deleted: a credit note, or an "
                    "invoice line billing less than planned, put part of its amount "
                    "back on the schedule as a milestone of its own. To delete it, "
                    "first reset the credit note to draft or correct the invoice line.",
                    milestones=originals._milestone_labels(),
                )
            )

    # Business methods

    def _is_reopened_part(self):
        return bool(self.reopened_from_id)

    def _get_reopening_amount(self, line):
        """What ``line`` re-opens of the milestone: the untaxed amount of a
        credit note line, or what an invoice line bills short."""
        self.ensure_one()
        if line.move_type == "out_refund":
            amount = line.price_subtotal
        else:
            amount = line.billing_planned_amount - line.price_subtotal
        return self._to_milestone_currency(amount, line)

    def _prepare_reopened_part_values(self, line):
        self.ensure_one()
        values = {name: self[name] for name in REOPENED_COPIED_FIELDS}
        return {
            **values,
            "sale_line_id": self.sale_line_id.id,
            # Billed again, the part posts where the original posted.
            "income_account_id": self.income_account_id.id,
            "analytic_distribution": self.analytic_distribution,
            "fixed_amount": self._get_reopening_amount(line),
            "percent": 0.0,
            "reopened_from_id": self.id,
            "reopened_by_line_id": line.id,
        }

    def _get_reopening_lines(self):
        """The lines that want a part of the milestone re-opened: its live
        invoice line when it bills short, and the posted Bill Again Later credit
        note lines of that line's invoice for the milestone."""
        self.ensure_one()
        line = self.invoice_line_id
        reopening = line.filtered(lambda aml: aml._is_billing_short())
        for credit_note in line.move_id.reversal_move_ids:
            if (
                credit_note.move_type == "out_refund"
                and credit_note.billing_credit_intent == "rebill"
            ):
                reopening |= credit_note.line_ids._billing_posted_lines().filtered(
                    lambda aml: aml.billing_milestone_id == self
                )
        return reopening

    def _get_reopened_source_line(self):
        """The invoice line a part was taken from: the short line itself, or
        the line of the credited invoice that bills the original."""
        self.ensure_one()
        line = self.reopened_by_line_id
        if line.move_type != "out_refund":
            return line
        return line.move_id.reversed_entry_id.invoice_line_ids.filtered(
            lambda aml: aml.billing_milestone_id == self.reopened_from_id
        )

    def _sync_reopened_parts(self):
        """Bring the re-opened parts of these milestones in line with the ledger.

        A part nothing re-opens any more goes back into what it came from:
        into the line it was taken from when that line bills it again (a credit
        note reset, a draft line raised), into the original when the original
        is open again (cancelled, credited in full). Billed meanwhile, that
        would bill the money twice, so it is refused, except that a billed part
        stays when the original re-opens: the original re-opens without it.
        A part stays as well when the original is billed again by another line,
        which never billed the part.
        """
        milestones = self.exists()
        # A part's own invoice changing changes what its original keeps.
        originals = milestones.reopened_from_id
        while originals - milestones:
            milestones |= originals
            originals = milestones.reopened_from_id
        if not milestones:
            return
        wanted = {}
        for milestone in milestones:
            for line in milestone._get_reopening_lines():
                wanted[line] = (milestone, milestone._get_reopening_amount(line))
        parts = milestones.reopened_ids
        stale = parts.filtered(lambda part: part.reopened_by_line_id not in wanted)
        changed = (parts - stale).filtered(
            lambda part: part.currency_id.compare_amounts(
                part.fixed_amount, wanted[part.reopened_by_line_id][1]
            )
        )
        returned = stale.filtered(
            lambda part: part._get_reopened_source_line().billing_milestone_live
        )
        dropped = (stale - stale._filter_processed()).filtered(
            lambda part: part in returned or not part.reopened_from_id.invoice_line_id
        )
        billed = (returned | changed)._filter_processed()
        if billed:
            part = billed[0]
            raise UserError(
                self.env._(
                    "Milestone %(milestone)s: %(amount)s of it, given back by "
                    "%(reopened_by)s, is billed again by %(invoice)s. Cancel or credit "
                    "%(invoice)s first, or that amount would be billed twice.",
                    milestone=part.reopened_from_id.display_name,
                    amount=format_amount(self.env, part.amount, part.currency_id),
                    reopened_by=part.reopened_by_line_id.move_id._get_billing_label(),
                    invoice=part.invoice_id._get_billing_label(),
                )
            )
        # The ledger, not the user, decides the parts: an accountant crediting
        # an invoice may have no right to create or delete billing milestones.
        dropped.sudo().unlink()
        for part in changed:
            # Same reason: a draft invoice line the accountant edits moves it.
            part.sudo().fixed_amount = wanted[part.reopened_by_line_id][1]
        missing = [
            milestone._prepare_reopened_part_values(line)
            for line, (milestone, __) in wanted.items()
            if line not in parts.reopened_by_line_id
        ]
        if missing:
            # Same reason: the ledger, not the user, re-opens.
            self.env["sale.billing.milestone"].sudo().create(missing)
