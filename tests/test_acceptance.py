# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import api, fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from .common import BillingMilestoneCommon

# A 1x1 PNG, as the signature widget sends it (base64, no data: prefix).
SIGNATURE = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd4"
        "0000000049454e44ae426082"
    )
).decode()

USER_AGENT = "SMB-Test-Browser/1.0"

# The facts only a request's answer decides, and a forged value of each.
FORGED_VALUES = {
    "accepted_by": ("Accepted By", "Ann Customer"),
    "accepted_date": ("Accepted On", fields.Date.today()),
    "acceptance_signature": ("Acceptance Signature", SIGNATURE),
    "acceptance_deemed": ("Deemed Accepted", True),
    "acceptance_state": ("Acceptance State", "accepted"),
}


@tagged("post_install", "-at_install")
class TestCustomerAcceptance(BillingMilestoneCommon, HttpCase):
    """M1 30 % billable today; M2 70 %, Manual, requires customer acceptance."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_user = new_test_user(
            cls.env,
            login="smb_accept_customer",
            password="smb_accept_customer",
            groups="base.group_portal",
            partner_id=cls.partner_a.id,
        )
        cls.stranger = new_test_user(
            cls.env,
            login="smb_accept_stranger",
            password="smb_accept_stranger",
            groups="base.group_portal",
            partner_id=cls.partner_b.id,
        )
        cls.salesman = new_test_user(
            cls.env,
            login="smb_accept_salesman",
            password="smb_accept_salesman",
            groups="sales_team.group_sale_salesman",
        )
        cls.invoicing_user = new_test_user(
            cls.env,
            login="smb_accept_invoicing",
            groups="account.group_account_invoice",
        )
        cls.admin = cls.env.ref("base.user_admin")

    def _order(self, **m2_values):
        order = self._create_order(user_id=self.salesman.id)
        m1, m2 = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "manual", "percent": 70, "requires_acceptance": True, **m2_values},
        )
        order.action_confirm()
        return order, m1, m2

    def _request_mail(self, acceptance):
        """The latest email asking the customer to accept the milestone."""
        return self.env["mail.mail"].search(
            [
                ("recipient_ids", "in", acceptance.order_id.partner_id.ids),
                ("subject", "ilike", acceptance.milestone_id.display_name),
            ],
            order="id desc",
            limit=1,
        )

    def _sent_token(self, milestone):
        """The token of the milestone's current request, read from its email."""
        body = self._request_mail(milestone.acceptance_id).body_html
        return re.search(r"milestone_token=([\w-]+)", body).group(1)

    def _accept_url(self, milestone, token=None):
        order = milestone.order_id
        url = f"/my/orders/{order.id}/billing_milestone/{milestone.id}/accept"
        return f"{url}?milestone_token={token}" if token else url

    def _accept(self, milestone, token=None, name="Ann Customer"):
        return self.make_jsonrpc_request(
            self._accept_url(milestone, token),
            {"name": name, "signature": SIGNATURE},
            headers={"User-Agent": USER_AGENT},
        )

    def _reject(self, milestone, token=None, reason="The design misses the logo"):
        order = milestone.order_id
        return self.url_open(
            f"/my/orders/{order.id}/billing_milestone/{milestone.id}/reject",
            data={
                "reason": reason,
                "milestone_token": token or "",
                "csrf_token": http.Request.csrf_token(self),
            },
        )

    def assertRefused(self, milestone, token=None):
        with (
            mute_logger("odoo.http"),
            self.assertRaisesRegex(JsonRpcException, "NotFound") as caught,
        ):
            self._accept(milestone, token)
        self.assertEqual(caught.exception.code, 404)

    def test_only_manual_milestones_require_acceptance(self):
        order = self._create_order()
        with self.assertRaisesRule(ValidationError, r"only a Manual milestone"):
            self._add_milestones(
                order.order_line,
                {"kind": "days", "percent": 30, "requires_acceptance": True},
            )

    def test_reaching_emails_the_customer_from_the_template(self):
        order, __, m2 = self._order()
        self.assertEqual(m2.acceptance_state, "not_requested")
        m2.is_reached = True
        self.assertEqual(m2.acceptance_state, "requested")
        self.assertEqual(m2.acceptance_requested_date, fields.Date.today())
        self.assertFalse(m2.is_billable_now)
        self.assertIn("Awaiting customer acceptance", m2.billable_reason)
        mail = self._request_mail(m2.acceptance_id)
        self.assertEqual(mail.recipient_ids, self.partner_a)
        self.assertIn("please accept M2", mail.subject)
        self.assertIn(f"{order.get_portal_url()}&amp;milestone_token=", mail.body_html)
        self.assertIn("#billing_acceptance", mail.body_html)

    def test_the_email_is_the_template_chosen_in_settings(self):
        default = self.env.ref(
            "sale_milestone_billing.mail_template_billing_acceptance_request"
        )
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.billing_acceptance_mail_template_id, default)
        custom = default.copy({"subject": "Sign off {{ object.milestone_id.name }}"})
        settings.billing_acceptance_mail_template_id = custom
        settings.execute()
        __, __, m2 = self._order()
        m2.is_reached = True
        self.assertEqual(self._request_mail(m2.acceptance_id).subject, "Sign off M2")

    def test_the_chatter_note_has_no_link(self):
        order, __, m2 = self._order()
        m2.is_reached = True
        token = self._sent_token(m2)
        note = order.message_ids[0]
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertFalse(note.partner_ids)
        self.assertIn("Acceptance of milestone M2 requested from", note.body)
        self.assertIn("by email", note.body)
        for message in order.message_ids:
            self.assertNotIn(token, message.body)
            self.assertNotIn("milestone_token", message.body)

    def test_the_queued_email_is_not_readable_by_the_salesperson(self):
        order, __, m2 = self._order()
        m2.with_user(self.salesman).action_reach()
        token = self._sent_token(m2)
        for user in (self.salesman, self.invoicing_user):
            messages = (
                self.env["mail.message"]
                .with_user(user)
                .search([("body", "ilike", token)])
            )
            self.assertFalse(messages, user.login)
            self.assertFalse(
                order.with_user(user).message_ids.filtered(
                    lambda message, token=token: token in message.body
                )
            )

    def test_the_token_is_stored_hashed(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        token = self._sent_token(m2)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT token_hash FROM sale_billing_milestone_acceptance WHERE id = %s",
            [m2.acceptance_id.id],
        )
        (stored,) = self.env.cr.fetchone()
        self.assertNotIn(token, stored)
        self.assertEqual(stored, hashlib.sha256(token.encode()).hexdigest())
        self.assertNotIn("acceptance_token", m2._fields)

    def test_forged_acceptance_is_refused_naming_the_field(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        for user in (self.salesman, self.invoicing_user, self.admin):
            for name, (label, value) in FORGED_VALUES.items():
                with self.subTest(user=user.login, field=name):
                    with self.assertRaisesRule(UserError, label) as caught:
                        m2.with_user(user).write({name: value})
                    self.assertIn("cannot be written", str(caught.exception))
        self.assertEqual(m2.acceptance_state, "requested")
        self.assertFalse(m2.is_billable_now)

    def test_a_milestone_is_not_created_accepted(self):
        order = self._create_order()
        with self.assertRaisesRule(UserError, "Accepted On"):
            self._add_milestones(
                order.order_line,
                {
                    "kind": "manual",
                    "percent": 70,
                    "requires_acceptance": True,
                    "accepted_date": fields.Date.today(),
                },
            )

    def test_acceptance_records_are_not_written_through_the_orm(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        acceptance = m2.acceptance_id.with_user(self.admin)
        message = r"recorded by the customer on the portal or by the daily job"
        with self.assertRaisesRule(UserError, message):
            acceptance.write({"state": "accepted", "signer_name": "Forged"})
        with self.assertRaisesRule(UserError, message):
            acceptance.create({"milestone_id": m2.id, "state": "accepted"})
        with self.assertRaisesRule(UserError, message):
            acceptance.unlink()
        self.assertEqual(m2.acceptance_id.state, "requested")

    def test_requests_are_read_as_their_milestones(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        other_salesman = new_test_user(
            self.env,
            login="smb_accept_other_salesman",
            groups="sales_team.group_sale_salesman",
        )
        Acceptance = self.env["sale.billing.milestone.acceptance"]
        self.assertEqual(
            Acceptance.with_user(self.salesman).search([]), m2.acceptance_id
        )
        self.assertEqual(
            Acceptance.with_user(self.invoicing_user).search(
                [("milestone_id", "=", m2.id)]
            ),
            m2.acceptance_id,
        )
        self.assertFalse(Acceptance.with_user(other_salesman).search([]))

    def test_un_reaching_withdraws_the_request_and_keeps_the_trail(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        acceptance = m2.acceptance_id
        m2.is_reached = False
        self.assertEqual(m2.acceptance_state, "not_requested")
        self.assertEqual(acceptance.state, "withdrawn")
        self.assertEqual(m2.acceptance_ids, acceptance)
        m2.is_reached = True
        self.assertEqual(len(m2.acceptance_ids), 2)
        self.assertNotEqual(m2.acceptance_id, acceptance)

    def test_ask_again_withdraws_and_sends_a_new_request(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        first, old_token = m2.acceptance_id, self._sent_token(m2)
        m2.with_user(self.salesman).action_request_acceptance_again()
        self.assertEqual(first.state, "withdrawn")
        self.assertEqual(m2.acceptance_id.state, "requested")
        new_token = self._sent_token(m2)
        self.assertNotEqual(new_token, old_token)
        self.assertRefused(m2, old_token)
        self.assertEqual(self._accept(m2, new_token).get("force_refresh"), True)

    def _invoiced_before_an_answer(self):
        """M2 reached, awaiting the customer, and invoiced on its "at the
        latest" date: the order and M2."""
        order, __, m2 = self._order(latest_kind="days", latest_days=0)
        m2.is_reached = True
        order._create_invoices()
        return order, m2

    def test_ask_again_is_refused_once_processed(self):
        order, m2 = self._invoiced_before_an_answer()
        with self.assertRaisesRule(UserError, r"M2.*cannot be asked again"):
            m2.with_user(self.salesman).action_request_acceptance_again()

    def test_customer_accepts_with_a_signature_and_it_is_billed(self):
        order, __, m2 = self._order()
        m2.is_reached = True
        self.authenticate("smb_accept_customer", "smb_accept_customer")
        page = self.url_open(order.get_portal_url())
        self.assertIn('id="billing_acceptance"', page.text)
        result = self._accept(m2)
        self.assertTrue(result.get("force_refresh"), result)
        self.assertEqual(
            (m2.acceptance_state, m2.accepted_by), ("accepted", "Ann Customer")
        )
        self.assertTrue(m2.acceptance_signature)
        self.assertTrue(m2.is_billable_now)
        note = order.message_ids[0]
        self.assertIn("accepted by Ann Customer", note.body)
        self.assertTrue(note.attachment_ids)
        invoice = order._create_invoices()
        label = invoice.invoice_line_ids.filtered(
            lambda line: line.billing_milestone_id == m2
        ).name
        self.assertIn("accepted by Ann Customer", label)

    def test_the_acceptance_records_who_from_where_and_when(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        self.authenticate("smb_accept_customer", "smb_accept_customer")
        before = fields.Datetime.now()
        self._accept(m2)
        acceptance = m2.acceptance_id
        self.assertEqual(acceptance.answered_user_id, self.customer_user)
        self.assertEqual(acceptance.answered_partner_id, self.partner_a)
        self.assertEqual(acceptance.ip_address, "127.0.0.1")
        self.assertEqual(acceptance.user_agent, USER_AGENT)
        self.assertGreaterEqual(acceptance.answered_at, before)
        self.assertEqual(acceptance.signer_name, "Ann Customer")

    def test_a_visitor_with_the_link_is_recorded_without_a_user(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        self.authenticate(None, None)
        self._accept(m2, self._sent_token(m2))
        acceptance = m2.acceptance_id
        self.assertEqual(acceptance.state, "accepted")
        self.assertFalse(acceptance.answered_user_id)
        self.assertFalse(acceptance.answered_partner_id)
        self.assertEqual(acceptance.ip_address, "127.0.0.1")

    def test_customer_rejects_with_a_reason(self):
        order, __, m2 = self._order()
        m2.is_reached = True
        token = self._sent_token(m2)
        # The link works without logging in.
        self.authenticate(None, None)
        response = self._reject(m2, token)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(m2.is_reached)
        self.assertEqual(m2.acceptance_state, "rejected")
        self.assertEqual(m2.acceptance_id.reject_reason, "The design misses the logo")
        self.assertTrue(
            any(
                "rejected by the customer: The design misses the logo" in body
                for body in order.message_ids.mapped("body")
            )
        )
        activity = order.activity_ids
        self.assertEqual(activity.user_id, order.user_id)
        self.assertIn("The design misses the logo", activity.note)

    def test_the_page_confirms_an_acceptance(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        self.authenticate("smb_accept_customer", "smb_accept_customer")
        page = self.url_open(self._accept(m2)["redirect_url"])
        self.assertIn("the milestone is accepted", page.text)
        row = re.search(
            rf'data-milestone-id="{m2.id}".*?</tr>', page.text, re.DOTALL
        ).group(0)
        self.assertIn("Accepted", row)
        self.assertNotIn("Upcoming", row)
        self.assertNotIn('id="billing_acceptance"', page.text)

    def test_the_page_confirms_a_rejection_with_the_reason(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        self.authenticate(None, None)
        page = self._reject(m2, self._sent_token(m2))
        self.assertIn("the milestone is rejected", page.text)
        row = re.search(
            rf'data-milestone-id="{m2.id}".*?</tr>', page.text, re.DOTALL
        ).group(0)
        self.assertIn("Rejected", row)
        self.assertIn("The design misses the logo", row)

    def test_a_wrong_token_is_refused(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        self.assertRefused(m2, "not-the-token")
        self.assertEqual(m2.acceptance_state, "requested")

    def test_a_link_works_once(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        token = self._sent_token(m2)
        self.assertTrue(self._accept(m2, token).get("force_refresh"))
        self.assertEqual(m2.acceptance_state, "accepted")
        self.assertRefused(m2, token)

    def test_an_expired_link_is_refused(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        token = self._sent_token(m2)
        acceptance = m2.acceptance_id.sudo()
        self.assertTrue(acceptance._check_token(token) and acceptance._is_pending())
        with freeze_time(fields.Datetime.now() + timedelta(days=31)):
            self.assertFalse(acceptance._is_pending())
            order = m2.order_id.sudo()
            public_user = order.env.ref("base.public_user")
            self.assertFalse(
                order._get_billing_milestones_to_accept(public_user, token)
            )

    def test_an_internal_session_cannot_answer_for_the_customer(self):
        order, __, m2 = self._order()
        m2.is_reached = True
        token = self._sent_token(m2)
        self.authenticate("smb_accept_salesman", "smb_accept_salesman")
        page = self.url_open(
            order.get_portal_url(query_string=f"&milestone_token={token}")
        )
        self.assertNotIn('id="billing_acceptance"', page.text)
        self.assertRefused(m2, token)
        with mute_logger("odoo.http"):
            self.assertEqual(self._reject(m2, token).status_code, 404)
        self.assertEqual(m2.acceptance_state, "requested")
        self.assertTrue(m2.is_reached)

    def test_nobody_else_accepts_or_sees_it(self):
        order, __, m2 = self._order()
        m2.is_reached = True
        for login in (None, "smb_accept_stranger"):
            with self.subTest(login=login):
                if login:
                    self.authenticate(login, login)
                self.assertRefused(m2)
                page = self.url_open(order.get_portal_url())
                self.assertNotIn('id="billing_acceptance"', page.text)
        self.assertEqual(m2.acceptance_state, "requested")
        self.assertFalse(m2.accepted_by)

    def test_a_refused_reject_logs_no_warning(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        self.authenticate(None, None)
        with self.assertNoLogs("odoo", level="WARNING"):
            response = self._reject(m2, "not-the-token")
        self.assertEqual(response.status_code, 404)

    def test_an_invoiced_milestone_is_not_listed_and_not_accepted(self):
        order, m2 = self._invoiced_before_an_answer()
        self.assertEqual(m2.status, "processed")
        self.authenticate("smb_accept_customer", "smb_accept_customer")
        page = self.url_open(order.get_portal_url())
        self.assertNotIn('id="billing_acceptance"', page.text)
        result = self._accept(m2)
        self.assertIn("already been invoiced", result["error"])
        self.assertNotIn("processed", result["error"])
        self.assertEqual(m2.acceptance_state, "requested")

    def test_rejecting_an_invoiced_milestone_tells_the_customer(self):
        order, m2 = self._invoiced_before_an_answer()
        self.authenticate("smb_accept_customer", "smb_accept_customer")
        page = self._reject(m2)
        self.assertIn("already been invoiced", page.text)
        self.assertTrue(m2.is_reached)
        self.assertEqual(m2.acceptance_state, "requested")

    def test_an_invoiced_milestone_is_not_revealed_to_strangers(self):
        order, m2 = self._invoiced_before_an_answer()
        self.authenticate("smb_accept_stranger", "smb_accept_stranger")
        self.assertRefused(m2)
        with mute_logger("odoo.http"):
            self.assertEqual(self._reject(m2).status_code, 404)

    def test_deemed_accepted_by_the_daily_job(self):
        order, __, m2 = self._order(acceptance_days=5)
        m2.is_reached = True
        self.env.company.billing_milestone_auto_invoice = "draft"
        env = self.env(user=api.SUPERUSER_ID)
        with freeze_time(fields.Date.today() + timedelta(days=4)):
            env["sale.billing.milestone"]._cron_billing_housekeeping()
            self.assertEqual(m2.acceptance_state, "requested")
        with freeze_time(fields.Date.today() + timedelta(days=5)):
            env["sale.billing.milestone"]._cron_billing_housekeeping()
            env["sale.order"]._cron_invoice_billing_milestones()
            self.assertEqual(m2.acceptance_state, "accepted")
            self.assertTrue(m2.acceptance_deemed)
            self.assertTrue(m2.acceptance_id.is_deemed)
            self.assertEqual(m2.status, "processed")
        self.assertIn("deemed accepted on", m2.invoice_line_id.name)
        self.assertTrue(
            any("deemed accepted" in body for body in order.message_ids.mapped("body"))
        )

    def test_at_the_latest_date_bills_it_unanswered(self):
        __, __, m2 = self._order(latest_kind="days", latest_days=10)
        m2.is_reached = True
        self.assertRegex(
            m2.billable_reason,
            r"Awaiting customer acceptance .*; billable on .* at the latest",
        )
        self.assertEqual(m2.billable_date, fields.Date.today() + timedelta(days=10))
        self.assertIn("you accept it, or 10 days after signature", m2.customer_trigger)

    def test_the_template_carries_acceptance(self):
        self.product_scheduled.billing_milestone_template_ids[1].write(
            {"requires_acceptance": True, "acceptance_days": 7}
        )
        order = self._create_order(self.product_scheduled)
        m2 = order.order_line.billing_milestone_ids[1]
        self.assertEqual((m2.requires_acceptance, m2.acceptance_days), (True, 7))

    def test_customer_accepts_in_the_browser(self):
        order, __, m2 = self._order()
        m2.description = "Design approved"
        m2.is_reached = True
        self.start_tour(
            order.get_portal_url(),
            "sale_milestone_billing_acceptance_tour",
            login="smb_accept_customer",
        )
        self.assertEqual(m2.acceptance_state, "accepted")
        self.assertTrue(m2.acceptance_signature)
        self.assertTrue(m2.is_billable_now)
