# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    billing_milestone_ids = fields.Many2many(
        "sale.billing.milestone",
        string="Billing Milestones",
        compute="_compute_billing_milestone_ids",
        help="Billing milestones this invoice bills, or this credit note credits.",
    )
    billing_milestone_count = fields.Integer(compute="_compute_billing_milestone_ids")
    billing_credit_intent = fields.Selection(
        selection=[
            ("final", "Final Reduction"),
            ("rebill", "Bill Again Later"),
        ],
        string="Credited Milestones",
        default="final",
        copy=False,
        help="What this credit note means for the billing milestones it credits.\n"
        "Final Reduction: the customer owes that much less for good; nothing is "
        "billed again and the schedule shows it as Credited.\n"
        "Bill Again Later: the credited amount goes back on the schedule, with "
        "the milestone's trigger, to be invoiced again.\n"
        "Reverse and Create Invoice always bills again: its new invoice does.",
    )

    @api.depends("invoice_line_ids.billing_milestone_id")
    def _compute_billing_milestone_ids(self):
        for move in self:
            milestones = move.invoice_line_ids.billing_milestone_id
            move.billing_milestone_ids = milestones
            move.billing_milestone_count = len(milestones)

    def write(self, vals):
        if "billing_credit_intent" in vals:
            self._check_billing_credit_intent_change(vals["billing_credit_intent"])
        res = super().write(vals)
        if "state" in vals:
            # Posting, resetting or cancelling a credit note re-opens or closes
            # parts of the milestones it credits.
            self.line_ids.billing_milestone_id._sync_reopened_parts()
        return res

    def _check_billing_credit_intent_change(self, intent):
        changed = self.filtered(
            lambda move: move.state != "draft" and move.billing_credit_intent != intent
        )
        if changed:
            raise UserError(
                self.env._(
                    "Credit note %(moves)s is not a draft: reset it to draft to "
                    "change what it means for its billing milestones (Credited "
                    "Milestones).",
                    moves=", ".join(changed.mapped("display_name")),
                )
            )

    def _get_billing_label(self):
        """How a billing rule's message names the move."""
        self.ensure_one()
        if self.name and self.name != "/":
            return self.name
        return self.env._("a draft")

    def _is_billing_final_credit_undo(self):
        """An invoice that reverses a Final Reduction credit note: it takes that
        credit back, and bills no milestone of its own."""
        self.ensure_one()
        credit_note = self.reversed_entry_id
        return (
            self.move_type == "out_invoice"
            and credit_note.move_type == "out_refund"
            and credit_note.billing_credit_intent == "final"
        )

    def _reverse_moves(self, default_values_list=None, cancel=False):
        if cancel:
            # A reversal that cancels the invoice (Reverse and Create Invoice)
            # is followed by the new invoice that bills the milestones again.
            default_values_list = [
                {**values, "billing_credit_intent": "rebill"}
                for values in (default_values_list or [{} for __ in self])
            ]
        return super()._reverse_moves(default_values_list, cancel=cancel)

    def action_view_billing_milestones(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_milestone_billing.sale_billing_milestone_action"
        )
        action["domain"] = [("id", "in", self.billing_milestone_ids.ids)]
        action["context"] = {}
        return action
