# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# One concern of sale.billing.milestone per file, as Odoo splits its own models
# (account_move_line_tax_details.py): merged, they would be 1,750 lines.
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.milestone_fields import field_labels, fields_with

# What Put on Hold and Release write along with the hold itself.
HOLD_FIELDS = fields_with("hold")


class SaleBillingMilestone(models.Model):
    """Hold and release: an explicit flag, set and cleared only by the people
    allowed to, each time with a reason told in the order's chatter."""

    _inherit = "sale.billing.milestone"

    # Fields

    on_hold = fields.Boolean(
        copy=False,
        readonly=True,
        help="A held milestone is never invoiced until it is released.",
    )
    hold_reason = fields.Char(copy=False, help="Why the milestone is on hold.")
    hold_release_date = fields.Date(
        copy=False,
        help="The daily job releases the milestone from hold on this date.",
    )
    release_reason = fields.Char(
        copy=False, help="Why the milestone was last released from hold."
    )

    # CRUD

    def write(self, vals):
        if "on_hold" not in vals:
            self._check_hold_fields_alone(vals)
            return super().write(vals)
        changed = self.filtered(lambda m: m.on_hold != bool(vals["on_hold"]))
        changed._check_hold_change(vals)
        res = super().write(vals)
        changed._notify_hold(vals)
        return res

    # Actions

    def action_hold(self):
        return self._action_open_hold_wizard("hold")

    def action_release(self):
        return self._action_open_hold_wizard("release")

    # Business methods

    def _check_hold_fields_alone(self, vals):
        """The reasons and the release date are told with the hold or release
        they explain, never rewritten afterwards."""
        written = HOLD_FIELDS.intersection(vals)
        if written and not self.env.su:
            raise UserError(
                self.env._(
                    "%(fields)s of a billing milestone are given when it is put on "
                    "hold or released (Put on Hold, Release), not written apart.",
                    fields=field_labels(self, written),
                )
            )

    def _check_hold_change(self, vals):
        """Sales managers and billing administrators only, each time with a
        reason, and never on a milestone already processed."""
        if not self:
            return
        user = self.env.user
        names = ", ".join(self._sorted_by_schedule().mapped("display_name"))
        if not self.env.su and not (
            user.has_group("sales_team.group_sale_manager")
            or user.has_group("account.group_account_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only sales managers and billing administrators can put billing "
                    "milestones on hold or release them (milestone %(milestones)s).",
                    milestones=names,
                )
            )
        field = "hold_reason" if vals["on_hold"] else "release_reason"
        if not (vals.get(field) or "").strip():
            label = self._fields[field]._description_string(self.env)
            if vals["on_hold"]:
                message = self.env._(
                    "Milestone %(milestones)s: give a %(field)s to put it on hold.",
                    milestones=names,
                    field=label,
                )
            else:
                message = self.env._(
                    "Milestone %(milestones)s: give a %(field)s to release it.",
                    milestones=names,
                    field=label,
                )
            raise UserError(message)
        processed = self._filter_processed()
        if vals["on_hold"] and processed:
            raise UserError(
                self.env._(
                    "Milestone %(milestones)s is already processed: it cannot be "
                    "put on hold.",
                    milestones=", ".join(
                        processed._sorted_by_schedule().mapped("display_name")
                    ),
                )
            )

    def _notify_hold(self, vals):
        """Tell each order's chatter the hold or release ``vals`` wrote."""
        for order in self.order_id:
            names = ", ".join(
                self.filtered(lambda m, o=order: m.order_id == o)
                ._sorted_by_schedule()
                .mapped("display_name")
            )
            if vals["on_hold"]:
                body = self.env._(
                    "Billing milestone %(milestones)s put on hold: %(reason)s",
                    milestones=names,
                    reason=vals["hold_reason"],
                )
            else:
                body = self.env._(
                    "Billing milestone %(milestones)s released: %(reason)s",
                    milestones=names,
                    reason=vals["release_reason"],
                )
            # A manager holding a milestone may not follow the order's chatter rights.
            order.sudo().message_post(body=body)

    def _put_on_hold(self, reason, release_date=False):
        self.write(
            {
                "on_hold": True,
                "hold_reason": reason,
                "hold_release_date": release_date,
                "release_reason": False,
            }
        )

    def _release_hold(self, reason):
        self.write(
            {"on_hold": False, "release_reason": reason, "hold_release_date": False}
        )

    @api.model
    def _get_expired_hold_domain(self, today):
        return [("on_hold", "=", True), ("hold_release_date", "<=", today)]

    @api.model
    def _release_expired_holds(self, limit=None):
        """Release (at most ``limit``) milestones whose hold release date has
        come (daily housekeeping job). Return them."""
        expired = self.search(
            self._get_expired_hold_domain(fields.Date.context_today(self)),
            limit=limit,
            order="id",
        )
        # The daily job runs as OdooBot, which holds no sales manager group.
        expired.sudo()._release_hold(self.env._("release date reached"))
        return expired

    def _action_open_hold_wizard(self, action):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Put on Hold")
            if action == "hold"
            else self.env._("Release from Hold"),
            "res_model": "sale.billing.milestone.hold",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_milestone_ids": self.ids,
                "default_action": action,
            },
        }
