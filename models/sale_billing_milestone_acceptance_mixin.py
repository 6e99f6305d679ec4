import base64
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import consteq
from odoo.tools.misc import format_date

# How long the link of an acceptance request works, at least.
ACCEPTANCE_LINK_DAYS = 30


class SaleBillingMilestoneAcceptanceMixin(models.AbstractModel):
    """Customer acceptance: a reached Manual milestone that requires it is
    billable once the customer accepts it on the portal (name and signature),
    or once the daily job deems it accepted after its days without an answer."""

    _name = "sale.billing.milestone.acceptance.mixin"
    _description = "Billing Milestone Customer Acceptance"

    acceptance_requested_date = fields.Date(
        string="Acceptance Requested On", copy=False, readonly=True
    )
    accepted_date = fields.Date(string="Accepted On", copy=False, readonly=True)
    accepted_by = fields.Char(copy=False, readonly=True)
    acceptance_signature = fields.Binary(copy=False, readonly=True, attachment=True)
    acceptance_deemed = fields.Boolean(
        string="Deemed Accepted",
        copy=False,
        readonly=True,
        help="Accepted by the daily job, the customer not having answered in time.",
    )
    # Only the customer's link carries it; nobody reads it in the back end.
    acceptance_token = fields.Char(
        copy=False, readonly=True, groups="base.group_system"
    )
    acceptance_token_expiry = fields.Date(
        copy=False, readonly=True, groups="base.group_system"
    )
    acceptance_state = fields.Selection(
        selection=[
            ("not_requested", "Not Requested"),
            ("requested", "Awaiting Acceptance"),
            ("accepted", "Accepted"),
        ],
        compute="_compute_acceptance_state",
        store=True,
        index=True,
    )

    @api.depends("requires_acceptance", "acceptance_requested_date", "accepted_date")
    def _compute_acceptance_state(self):
        for milestone in self:
            if not milestone.requires_acceptance:
                milestone.acceptance_state = False
            elif milestone.accepted_date:
                milestone.acceptance_state = "accepted"
            elif milestone.acceptance_requested_date:
                milestone.acceptance_state = "requested"
            else:
                milestone.acceptance_state = "not_requested"

    def _sync_acceptance_request(self):
        """Reached and requiring acceptance: ask the customer; no longer
        reached: the request, or the acceptance, no longer stands."""
        to_request = self.filtered(
            lambda m: (
                m.requires_acceptance
                and m.is_reached
                and m.acceptance_state == "not_requested"
            )
        )
        to_clear = self.filtered(
            lambda m: (
                m.status != "processed"
                and (not m.is_reached or not m.requires_acceptance)
                and (m.acceptance_requested_date or m.accepted_date)
            )
        )
        if to_clear:
            # The request's token is readable by administrators only.
            to_clear.sudo().write(
                {
                    "acceptance_requested_date": False,
                    "accepted_date": False,
                    "accepted_by": False,
                    "acceptance_signature": False,
                    "acceptance_deemed": False,
                    "acceptance_token": False,
                    "acceptance_token_expiry": False,
                }
            )
        to_request._request_acceptance()

    def _request_acceptance(self):
        today = fields.Date.context_today(self)
        for milestone in self:
            expiry = today + timedelta(
                days=max(ACCEPTANCE_LINK_DAYS, milestone.acceptance_days)
            )
            # Same reason: the token is readable by administrators only.
            milestone.sudo().write(
                {
                    "acceptance_requested_date": today,
                    "acceptance_token": secrets.token_urlsafe(32),
                    "acceptance_token_expiry": expiry,
                }
            )
        for order in self.order_id:
            milestones = self.filtered(lambda m, order=order: m.order_id == order)
            order._notify_billing_acceptance_request(milestones)

    def _get_acceptance_url(self):
        """The customer's link: the portal order page, with the request's token."""
        self.ensure_one()
        return self.order_id.get_portal_url(
            query_string=f"&milestone_token={self.sudo().acceptance_token}",
            anchor="billing_acceptance",
        )

    def _check_acceptance_token(self, token):
        """The request's token, while it is valid: once, until it expires."""
        self.ensure_one()
        # The token is compared, never shown.
        milestone = self.sudo()
        return bool(
            token
            and milestone.acceptance_state == "requested"
            and milestone.acceptance_token
            and consteq(milestone.acceptance_token, token)
            and fields.Date.context_today(self) <= milestone.acceptance_token_expiry
        )

    def _accept(self, name, signature=False, deemed=False):
        """Accepted by ``name`` today: billable from today."""
        today = fields.Date.context_today(self)
        # The customer, on the portal, or the daily job accepts: neither may
        # write billing milestones; the caller checked who may accept.
        self.sudo().write(
            {
                "accepted_date": today,
                "accepted_by": name,
                "acceptance_signature": signature or False,
                "acceptance_deemed": deemed,
                "acceptance_token": False,
                "acceptance_token_expiry": False,
            }
        )
        for milestone in self:
            if deemed:
                body = self.env._(
                    "Milestone %(milestone)s deemed accepted: no answer %(days)s days "
                    "after the request of %(date)s.",
                    milestone=milestone.display_name,
                    days=milestone.acceptance_days,
                    date=format_date(self.env, milestone.acceptance_requested_date),
                )
            else:
                body = self.env._(
                    "Milestone %(milestone)s accepted by %(name)s.",
                    milestone=milestone.display_name,
                    name=name,
                )
            attachments = (
                [(f"{milestone.name} - acceptance.png", base64.b64decode(signature))]
                if signature
                else []
            )
            milestone.order_id.sudo().message_post(
                body=body, attachments=attachments, subtype_xmlid="mail.mt_note"
            )

    def _reject(self, reason):
        """Not accepted: back to not reached, the salesperson asked to follow up."""
        self.sudo().write({"is_reached": False})
        for milestone in self:
            order = milestone.order_id.sudo()
            body = self.env._(
                "Milestone %(milestone)s rejected by the customer: %(reason)s",
                milestone=milestone.display_name,
                reason=reason,
            )
            order.message_post(body=body, subtype_xmlid="mail.mt_note")
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._(
                    "Milestone %(milestone)s rejected", milestone=milestone.name
                ),
                note=reason,
                user_id=order.user_id.id or self.env.ref("base.user_root").id,
            )

    @api.model
    def _apply_deemed_acceptance(self):
        """Accept the requests left unanswered past their days (daily job)."""
        today = fields.Date.context_today(self)
        requested = self.search(
            [
                ("acceptance_state", "=", "requested"),
                ("acceptance_days", ">", 0),
                ("status", "!=", "processed"),
            ]
        )
        due = requested.filtered(
            lambda m: (
                m.acceptance_requested_date + timedelta(days=m.acceptance_days) <= today
            )
        )
        due._accept(self.env._("Deemed accepted"), deemed=True)
        return due
