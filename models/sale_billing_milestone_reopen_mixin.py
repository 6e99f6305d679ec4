from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# What a re-opened part takes from the milestone it re-opens, besides the amount:
# the same trigger, so that it is billable as soon as the original was.
REOPENED_COPIED_FIELDS = (
    "sequence",
    "name",
    "kind",
    "days",
    "date",
    "is_reached",
    "reached_date",
    "latest_kind",
    "latest_days",
    "latest_date",
    "due_days",
)


class SaleBillingMilestoneReopenMixin(models.AbstractModel):
    """Partial credit notes re-open what they credit.

    A posted credit note that gives back part of the live invoice line of a
    milestone re-opens exactly that part: a new milestone of the same line and
    trigger, for the credited amount, linked to the original and to the credit
    note line. The parts follow the ledger (``_sync_reopened_parts``): they come
    with the posted credit note and go with it, and the original milestone keeps
    what they re-open out of its own amount. So what the invoices bill, net of
    credit notes, and what is still open always add up to the schedule.
    """

    _name = "sale.billing.milestone.reopen.mixin"
    _description = "Billing Milestone Re-opened Parts"

    reopened_from_id = fields.Many2one(
        "sale.billing.milestone",
        string="Re-opened From",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The milestone a partial credit note gave this part back from.",
    )
    reopened_by_line_id = fields.Many2one(
        "account.move.line",
        string="Re-opened By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The credit note line that gave this part back.",
    )
    reopened_ids = fields.One2many(
        "sale.billing.milestone",
        "reopened_from_id",
        string="Re-opened Parts",
        readonly=True,
        help="Parts of this milestone that partial credit notes gave back, to be "
        "billed again.",
    )

    _sql_constraints = [
        (
            "reopened_by_line_unique",
            "UNIQUE(reopened_by_line_id)",
            "A credit note line re-opens one part of a billing milestone.",
        ),
    ]

    def _get_credit_amount(self, credit_line):
        """Untaxed amount of a credit note line in the milestone's currency."""
        self.ensure_one()
        if credit_line.currency_id == self.currency_id:
            return credit_line.price_subtotal
        return credit_line.currency_id._convert(
            credit_line.price_subtotal,
            self.currency_id,
            credit_line.company_id,
            credit_line.move_id.invoice_date or credit_line.date,
        )

    def _prepare_reopened_part_values(self, credit_line):
        self.ensure_one()
        values = {name: self[name] for name in REOPENED_COPIED_FIELDS}
        return {
            **values,
            "sale_line_id": self.sale_line_id.id,
            "description": self.env._(
                "%(description)s, re-opened by %(credit_note)s",
                description=self.description or self.name,
                credit_note=credit_line.move_id.name,
            ),
            "fixed_amount": self._get_credit_amount(credit_line),
            "percent": 0.0,
            "reopened_from_id": self.id,
            "reopened_by_line_id": credit_line.id,
        }

    def _sync_reopened_parts(self):
        """Bring the re-opened parts of these milestones in line with the ledger.

        One part per posted credit note line that credits the milestone's live
        invoice line. A part whose credit note is no longer posted goes, unless
        an invoice bills it again: undoing the credit would then bill the money
        twice, so it is refused. A billed part stays when the original line is
        cancelled or credited in full: the original re-opens without it.
        """
        milestones = self.exists()
        if not milestones:
            return
        wanted = {}
        for milestone in milestones:
            line = milestone.invoice_line_id
            for credit in line.move_id.reversal_move_ids.line_ids:
                if (
                    credit.billing_milestone_id == milestone
                    and credit.move_type == "out_refund"
                    and credit.parent_state == "posted"
                ):
                    wanted[credit] = milestone
        parts = milestones.reopened_ids
        stale = parts.filtered(
            lambda part: (
                part.reopened_by_line_id not in wanted
                and (
                    part.status != "processed"
                    or part.reopened_by_line_id.parent_state != "posted"
                )
            )
        )
        billed = stale.filtered(lambda part: part.status == "processed")
        if billed:
            part = billed[0]
            raise UserError(
                self.env._(
                    "Credit note %(credit_note)s gave back part of milestone "
                    "%(milestone)s, which %(invoice)s bills again: cancel or credit "
                    "%(invoice)s first, or the part would be billed twice.",
                    credit_note=part.reopened_by_line_id.move_id.name,
                    milestone=part.reopened_from_id.display_name,
                    invoice=part.invoice_id.name,
                )
            )
        # The ledger, not the user, decides the parts: an accountant crediting
        # an invoice may have no right to create or delete billing milestones.
        stale.sudo().unlink()
        missing = [
            milestone._prepare_reopened_part_values(credit)
            for credit, milestone in wanted.items()
            if credit not in parts.reopened_by_line_id
        ]
        if missing:
            # Same reason as above: the credit note, not the user, re-opens.
            self.env["sale.billing.milestone"].sudo().create(missing)

    @api.constrains("reopened_from_id", "reopened_by_line_id", "fixed_amount")
    def _check_reopened_part(self):
        for part in self.filtered(
            lambda m: m.reopened_from_id or m.reopened_by_line_id
        ):
            origin = part.reopened_from_id
            credit = part.reopened_by_line_id
            if not (
                origin
                and credit.move_type == "out_refund"
                and credit.parent_state == "posted"
                and credit.billing_milestone_id == origin
                and origin.sale_line_id == part.sale_line_id
                and not part.currency_id.compare_amounts(
                    part.fixed_amount, origin._get_credit_amount(credit)
                )
            ):
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": a re-opened part is the amount '
                        "a posted credit note gives back on its original milestone; "
                        "it is made by posting that credit note, not by hand.",
                        milestone=part._milestone_label(),
                    )
                )

    def _is_reopened_by_a_live_credit(self):
        """A part the ledger still wants: its credit note is posted and credits
        the invoice that bills the original milestone now."""
        self.ensure_one()
        credit = self.reopened_by_line_id
        return (
            credit.parent_state == "posted"
            and self.reopened_from_id.invoice_id
            and credit.move_id.reversed_entry_id == self.reopened_from_id.invoice_id
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_reopened(self):
        kept = self.filtered(
            lambda m: m.reopened_ids or m._is_reopened_by_a_live_credit()
        )
        if kept:
            raise UserError(
                self.env._(
                    "Milestone %(milestones)s is a part a posted credit note gave "
                    "back, or has such parts: reset the credit note to draft instead "
                    "of deleting it.",
                    milestones=", ".join(kept.mapped("display_name")),
                )
            )
