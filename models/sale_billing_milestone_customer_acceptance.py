# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# One concern of sale.billing.milestone per file, as Odoo splits its own models
# (account_move_line_tax_details.py): merged, they would be 1,750 lines.
# pylint: disable=consider-merging-classes-inherited
import base64
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..tools.milestone_fields import field_labels, fields_with

# What only a request and its answer decide: never written on the milestone.
ACCEPTANCE_FIELDS = fields_with("acceptance")


class SaleBillingMilestone(models.Model):
    """Customer acceptance: a reached Manual milestone that requires it is
    billable once the customer accepts it on the portal (name and signature),
    or once the daily job deems it accepted after its days without an answer.
    Each request, and its answer, is a ``sale.billing.milestone.acceptance``."""

    _inherit = "sale.billing.milestone"

    # Fields

    acceptance_ids = fields.One2many(
        "sale.billing.milestone.acceptance",
        "milestone_id",
        string="Acceptance Requests",
        readonly=True,
        copy=False,
    )
    acceptance_id = fields.Many2one(
        "sale.billing.milestone.acceptance",
        string="Current Acceptance Request",
        compute="_compute_acceptance_id",
        store=True,
        copy=False,
    )
    acceptance_requested_date = fields.Date(
        string="Acceptance Requested On", compute="_compute_acceptance_facts"
    )
    accepted_date = fields.Date(
        string="Accepted On", compute="_compute_accepted_date", store=True, copy=False
    )
    accepted_by = fields.Char(compute="_compute_acceptance_facts")
    acceptance_signature = fields.Binary(compute="_compute_acceptance_facts")
    acceptance_deemed = fields.Boolean(
        string="Deemed Accepted",
        compute="_compute_acceptance_facts",
        help="Accepted by the daily job, the customer not having answered in time.",
    )
    acceptance_state = fields.Selection(
        selection=[
            ("not_requested", "Not Requested"),
            ("requested", "Awaiting Acceptance"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
        ],
        compute="_compute_acceptance_state",
        store=True,
        index=True,
    )

    # Compute methods

    @api.depends("acceptance_ids.state")
    def _compute_acceptance_id(self):
        for milestone in self:
            standing = milestone.acceptance_ids.filtered(
                lambda a: a.state != "withdrawn"
            )
            milestone.acceptance_id = standing.sorted("id")[-1:]

    @api.depends("acceptance_id.state", "acceptance_id.answered_at")
    def _compute_accepted_date(self):
        for milestone in self:
            acceptance = milestone.acceptance_id
            milestone.accepted_date = (
                fields.Date.context_today(milestone, acceptance.answered_at)
                if acceptance.state == "accepted"
                else False
            )

    @api.depends(
        "acceptance_id.requested_at",
        "acceptance_id.state",
        "acceptance_id.signer_name",
        "acceptance_id.signature",
        "acceptance_id.is_deemed",
    )
    def _compute_acceptance_facts(self):
        for milestone in self:
            acceptance = milestone.acceptance_id
            accepted = acceptance.state == "accepted"
            milestone.acceptance_requested_date = (
                fields.Date.context_today(milestone, acceptance.requested_at)
                if acceptance
                else False
            )
            milestone.accepted_by = accepted and acceptance.signer_name
            milestone.acceptance_signature = accepted and acceptance.signature
            milestone.acceptance_deemed = accepted and acceptance.is_deemed

    @api.depends("requires_acceptance", "acceptance_id.state")
    def _compute_acceptance_state(self):
        for milestone in self:
            if not milestone.requires_acceptance:
                milestone.acceptance_state = False
            else:
                milestone.acceptance_state = (
                    milestone.acceptance_id.state or "not_requested"
                )

    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        # Copies: the blank acceptance values of a form are dropped from them.
        vals_list = [dict(vals) for vals in vals_list]
        self._check_acceptance_not_written(vals_list, creating=True)
        milestones = super().create(vals_list)
        milestones._sync_acceptance_request()
        return milestones

    def write(self, vals):
        self._check_acceptance_not_written([vals])
        res = super().write(vals)
        if {"is_reached", "requires_acceptance"}.intersection(vals):
            self._sync_acceptance_request()
        return res

    # Actions

    def action_request_acceptance_again(self):
        """Withdraw the current request and send the customer a new one."""
        self.check_access("write")
        refused = self.filtered(
            lambda m: (
                not m.requires_acceptance or not m.is_reached or m._filter_processed()
            )
        )
        if refused:
            raise UserError(
                self.env._(
                    "Milestone %(milestones)s cannot be asked again: only a reached "
                    "milestone that requires customer acceptance and is not "
                    "processed yet can.",
                    milestones=refused._milestone_labels(),
                )
            )
        # Acceptance requests are written as superuser only: nobody edits them.
        self.acceptance_id.filtered(
            lambda a: a.state in ("requested", "accepted", "rejected")
        ).sudo()._withdraw()
        self._request_acceptance()
        return True

    def action_resend_acceptance_request(self):
        """Email the customer the pending request again, with a new link."""
        self.check_access("write")
        refused = self.filtered(
            lambda m: m.acceptance_state != "requested" or m._filter_processed()
        )
        if refused:
            raise UserError(
                self.env._(
                    "Milestone %(milestones)s has no acceptance request awaiting "
                    "the customer's answer: there is no request to send again.",
                    milestones=refused._milestone_labels(),
                )
            )
        # Acceptance requests are written as superuser only: nobody edits them.
        self.acceptance_id.sudo()._send_again()
        return True

    # Business methods

    def _check_acceptance_not_written(self, vals_list, creating=False):
        """Refuse acceptance facts in values: only the customer, on the portal,
        or the daily job records them, through a request. New milestones may
        come with the blank values of a form or an order line's schedule."""
        written = set()
        for vals in vals_list:
            for name in ACCEPTANCE_FIELDS.intersection(vals):
                if creating and self._is_blank_acceptance_value(vals[name]):
                    del vals[name]
                else:
                    written.add(name)
        if not written:
            return
        raise UserError(
            self.env._(
                "%(fields)s cannot be written on a billing milestone: only the "
                "customer, on the portal, or the daily job records an acceptance. "
                "Use Ask Again to send the customer a new request.",
                fields=field_labels(self, written),
            )
        )

    @api.model
    def _is_blank_acceptance_value(self, value):
        if isinstance(value, (list, tuple)):
            # No requests, as the One2many of a new record is written.
            return all(
                command[0] == Command.CLEAR
                or (command[0] == Command.SET and not command[2])
                for command in value
            )
        return not value or value == "not_requested"

    def _sync_acceptance_request(self):
        """Reached and requiring acceptance: ask the customer; no longer
        reached, or no longer requiring it: the request, or the acceptance, is
        withdrawn. A processed milestone keeps its acceptance as billed."""
        to_request = self.filtered(
            lambda m: (
                m.requires_acceptance
                and m.is_reached
                and not m._filter_processed()
                and m.acceptance_state in ("not_requested", "rejected")
            )
        )
        to_withdraw = self.filtered(
            lambda m: (
                not m._filter_processed()
                and (not m.is_reached or not m.requires_acceptance)
                and m.acceptance_id.state in ("requested", "accepted")
            )
        )
        # Nobody writes acceptance requests but the request, the portal and
        # the daily job: the request withdraws them as superuser.
        to_withdraw.acceptance_id.sudo()._withdraw()
        to_request._request_acceptance()

    def _request_acceptance(self):
        """Send the customer a request for each milestone, by email."""
        if not self:
            return
        # Acceptance requests are created as superuser only: nobody edits them.
        self.env["sale.billing.milestone.acceptance"].sudo()._create_requests(self)

    def _post_acceptance_notes(self):
        """The answer of each milestone's current request, in its order's chatter."""
        for milestone in self:
            acceptance = milestone.acceptance_id
            if acceptance.is_deemed:
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
                    name=acceptance.signer_name,
                )
            attachments = (
                [
                    (
                        f"{milestone.name} - acceptance.png",
                        base64.b64decode(acceptance.signature),
                    )
                ]
                if acceptance.signature
                else []
            )
            # The customer, on the portal, or the daily job accepts: neither
            # may post on sales orders.
            milestone.order_id.sudo().message_post(
                body=body, attachments=attachments, subtype_xmlid="mail.mt_note"
            )

    def _accept_on_portal(self, name, signature, answer_values):
        """The customer accepted the current request, signed by ``name``."""
        self.ensure_one()
        # The portal records the customer's answer as superuser; the caller
        # checked who may answer.
        self.acceptance_id.sudo()._record_answer(
            "accepted",
            {**answer_values, "signer_name": name, "signature": signature},
        )
        self._post_acceptance_notes()

    def _reject_on_portal(self, reason, answer_values):
        """Not accepted: back to not reached, the salesperson asked to follow up."""
        self.ensure_one()
        # As for accepting: the caller checked who may answer.
        self.acceptance_id.sudo()._record_answer(
            "rejected", {**answer_values, "reject_reason": reason}
        )
        # The customer may not write billing milestones.
        self.sudo().write({"is_reached": False})
        # Nor post on sales orders, nor give their salesperson an activity.
        order = self.order_id.sudo()
        body = self.env._(
            "Milestone %(milestone)s rejected by the customer: %(reason)s",
            milestone=self.display_name,
            reason=reason,
        )
        order.message_post(body=body, subtype_xmlid="mail.mt_note")
        order.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Milestone %(milestone)s rejected", milestone=self.name),
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
        # The daily job records the deemed acceptance as superuser.
        due.acceptance_id.sudo()._record_answer("accepted", {"is_deemed": True})
        due._post_acceptance_notes()
        return due

    @api.model
    def _send_acceptance_reminders(self, limit=None):
        """Remind the customers of the requests soon deemed accepted, each once
        (daily job): their company's reminder days before that day."""
        today = fields.Date.context_today(self)
        Acceptance = self.env["sale.billing.milestone.acceptance"]
        due = Acceptance.search(
            Acceptance._get_reminder_domain(today), limit=limit, order="id"
        )
        # The daily job records the reminder on the request as superuser.
        due.sudo()._send_again(reminder=True)
        return due
