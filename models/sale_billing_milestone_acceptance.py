# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import consteq
from odoo.tools.misc import format_date

# How long the link of an acceptance request works, at least.
ACCEPTANCE_LINK_DAYS = 30


def hash_token(token):
    """What is stored of a request's token: its SHA-256, in hexadecimal."""
    return hashlib.sha256(token.encode()).hexdigest()


class SaleBillingMilestoneAcceptance(models.Model):
    """One request to the customer to accept a milestone, and its answer: the
    acceptance trail. Only the request method, the portal and the daily job
    write it, as superuser; nobody edits it."""

    _name = "sale.billing.milestone.acceptance"
    _description = "Billing Milestone Acceptance Request"
    _order = "milestone_id, id desc"
    _rec_name = "milestone_id"

    milestone_id = fields.Many2one(
        "sale.billing.milestone",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    order_id = fields.Many2one(
        related="milestone_id.order_id", store=True, string="Sales Order"
    )
    partner_id = fields.Many2one(related="milestone_id.partner_id", string="Customer")
    company_id = fields.Many2one(
        related="milestone_id.company_id", store=True, index=True
    )
    state = fields.Selection(
        selection=[
            ("requested", "Requested"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
            ("withdrawn", "Withdrawn"),
        ],
        required=True,
        readonly=True,
        default="requested",
    )
    requested_at = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now
    )
    # The link's token is sent once, in the request's email; only its hash is kept.
    token_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    expires_at = fields.Datetime(string="Link Expires At", readonly=True)
    answered_at = fields.Datetime(readonly=True)
    answered_user_id = fields.Many2one(
        "res.users", string="Answered by User", readonly=True
    )
    answered_partner_id = fields.Many2one(
        "res.partner", string="Answered by Contact", readonly=True
    )
    signer_name = fields.Char(string="Signed by", readonly=True)
    signature = fields.Binary(readonly=True, attachment=True)
    ip_address = fields.Char(string="IP Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    is_deemed = fields.Boolean(
        string="Deemed Accepted",
        readonly=True,
        help="Accepted by the daily job, the customer not having answered in time.",
    )
    reject_reason = fields.Text(readonly=True)
    deemed_date = fields.Date(
        string="Deemed Accepted On",
        compute="_compute_deemed_date",
        store=True,
        help="While the request awaits its answer: the day the daily job accepts "
        "it without one. Empty: never.",
    )
    reminder_sent_date = fields.Date(
        string="Reminder Sent On", readonly=True, copy=False
    )

    @api.depends("state", "requested_at", "milestone_id.acceptance_days")
    def _compute_deemed_date(self):
        for acceptance in self:
            days = acceptance.milestone_id.acceptance_days
            acceptance.deemed_date = (
                fields.Date.context_today(acceptance, acceptance.requested_at)
                + timedelta(days=days)
                if acceptance.state == "requested" and days > 0
                else False
            )

    def _check_recorded_by_system(self):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Acceptances are recorded by the customer on the portal or by "
                    "the daily job; withdraw the request and ask again."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_recorded_by_system()
        return super().create(vals_list)

    def write(self, vals):
        self._check_recorded_by_system()
        return super().write(vals)

    def unlink(self):
        self._check_recorded_by_system()
        return super().unlink()

    @api.model
    def _create_requests(self, milestones):
        """A new request for each of ``milestones``, sent to the customer by
        email; the link's token is in that email only."""
        now = fields.Datetime.now()
        tokens = [secrets.token_urlsafe(32) for __ in milestones]
        requests = self.create(
            [
                {
                    "milestone_id": milestone.id,
                    "requested_at": now,
                    **self._prepare_link_values(token, now, milestone),
                }
                for milestone, token in zip(milestones, tokens, strict=True)
            ]
        )
        for acceptance, token in zip(requests, tokens, strict=True):
            acceptance._send_request(
                token,
                self.env._(
                    "Acceptance of milestone %(milestone)s requested from "
                    "%(customer)s by email.",
                    milestone=acceptance.milestone_id.display_name,
                    customer=acceptance.order_id.partner_id.display_name,
                ),
            )
        return requests

    @api.model
    def _prepare_link_values(self, token, now, milestone):
        """The stored half of a new link: its token's hash and its expiry."""
        return {
            "token_hash": hash_token(token),
            "expires_at": now
            + timedelta(days=max(ACCEPTANCE_LINK_DAYS, milestone.acceptance_days)),
        }

    def _send_again(self, reminder=False):
        """Email each request to the customer again, with a new link: only the
        hash of a link's token is kept, so the new link replaces the one sent
        before. ``reminder``: the daily job's reminder, recorded on the request
        so that it is sent once."""
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        for acceptance in self:
            token = secrets.token_urlsafe(32)
            values = self._prepare_link_values(token, now, acceptance.milestone_id)
            if reminder:
                values["reminder_sent_date"] = today
                body = self.env._(
                    "Acceptance of milestone %(milestone)s reminded to %(customer)s "
                    "by email: without an answer, it is deemed accepted on %(date)s.",
                    milestone=acceptance.milestone_id.display_name,
                    customer=acceptance.order_id.partner_id.display_name,
                    date=format_date(self.env, acceptance.deemed_date),
                )
            else:
                body = self.env._(
                    "Acceptance request of milestone %(milestone)s sent again to "
                    "%(customer)s by email.",
                    milestone=acceptance.milestone_id.display_name,
                    customer=acceptance.order_id.partner_id.display_name,
                )
            acceptance.write(values)
            acceptance._send_request(token, body)

    def _send_request(self, token, note):
        """Email the request, with the link of ``token``, from the company's
        template; ``note``: what the order's chatter says of it."""
        self.ensure_one()
        company = self.company_id or self.env.company
        template = company.billing_acceptance_mail_template_id or self.env.ref(
            "sale_milestone_billing.mail_template_billing_acceptance_request",
            raise_if_not_found=False,
        )
        if not template:
            return
        # The link reaches this one email's rendering, and is stored nowhere
        # else. Queued, the email belongs to no record and to no user who could
        # read it: OdooBot sends it, for the company, to the customer.
        template.sudo().with_context(
            billing_acceptance_url=self._get_acceptance_url(token)
        ).send_mail(
            self.id,
            email_layout_xmlid="mail.mail_notification_light",
            email_values={
                "model": False,
                "res_id": False,
                "author_id": self.env.ref("base.partner_root").id,
            },
        )
        self.order_id.message_post(body=note, subtype_xmlid="mail.mt_note")

    @api.model
    def _get_reminder_domain(self, today):
        """The requests whose reminder is due ``today``: awaiting their answer,
        deemed accepted within their company's reminder days but not yet, not
        reminded yet, and of a milestone not invoiced meanwhile."""
        groups = self.env["res.company"]._read_group(
            [("billing_acceptance_reminder_days", ">", 0)],
            ["billing_acceptance_reminder_days"],
            ["id:recordset"],
        )
        return expression.AND(
            [
                [
                    ("state", "=", "requested"),
                    ("reminder_sent_date", "=", False),
                    ("deemed_date", ">", today),
                    ("milestone_id.status", "!=", "processed"),
                ],
                expression.OR(
                    [
                        [
                            ("company_id", "in", companies.ids),
                            ("deemed_date", "<=", today + timedelta(days=days)),
                        ]
                        for days, companies in groups
                    ]
                ),
            ]
        )

    def _get_acceptance_url(self, token):
        """The customer's link: the portal order page, with the request's token."""
        self.ensure_one()
        return self.order_id.get_base_url() + self.order_id.get_portal_url(
            query_string=f"&milestone_token={token}",
            anchor="billing_acceptance",
        )

    def _check_token(self, token):
        """Whether ``token`` is this request's."""
        self.ensure_one()
        return bool(
            token and self.token_hash and consteq(self.token_hash, hash_token(token))
        )

    def _is_pending(self):
        """Whether the request still waits for its answer: requested, and its
        link not expired."""
        self.ensure_one()
        return self.state == "requested" and (
            not self.expires_at or fields.Datetime.now() < self.expires_at
        )

    def _record_answer(self, state, values):
        """Accepted or rejected now: the link no longer works."""
        self.write(
            {
                **values,
                "state": state,
                "answered_at": fields.Datetime.now(),
                "token_hash": False,
            }
        )

    def _withdraw(self):
        self.write({"state": "withdrawn", "token_hash": False})
