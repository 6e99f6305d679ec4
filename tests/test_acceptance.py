import base64
from datetime import timedelta

from freezegun import freeze_time

from odoo import api, fields, http
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import BillingMilestoneCommon

# A 1x1 PNG, as the signature widget sends it (base64, no data: prefix).
SIGNATURE = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd4"
        "0000000049454e44ae426082"
    )
).decode()


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

    def _order(self, **m2_values):
        order = self._create_order()
        m1, m2 = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "manual", "percent": 70, "requires_acceptance": True, **m2_values},
        )
        order.action_confirm()
        return order, m1, m2

    def _accept_url(self, milestone, token=None):
        order = milestone.order_id
        url = f"/my/orders/{order.id}/billing_milestone/{milestone.id}/accept"
        return f"{url}?milestone_token={token}" if token else url

    def _accept(self, milestone, token=None, name="Ann Customer"):
        return self.make_jsonrpc_request(
            self._accept_url(milestone, token), {"name": name, "signature": SIGNATURE}
        )

    def test_only_manual_milestones_require_acceptance(self):
        order = self._create_order()
        with self.assertRaisesRule(ValidationError, r"only a Manual milestone"):
            self._add_milestones(
                order.order_line,
                {"kind": "days", "percent": 30, "requires_acceptance": True},
            )

    def test_reaching_asks_the_customer(self):
        order, __, m2 = self._order()
        self.assertEqual(m2.acceptance_state, "not_requested")
        m2.is_reached = True
        self.assertEqual(m2.acceptance_state, "requested")
        self.assertEqual(m2.acceptance_requested_date, fields.Date.today())
        self.assertFalse(m2.is_billable_now)
        self.assertIn("Awaiting customer acceptance", m2.billable_reason)
        request = order.message_ids[0]
        self.assertIn(self.partner_a, request.partner_ids)
        self.assertIn(m2.sudo().acceptance_token, request.body)
        self.assertIn("billing_acceptance", request.body)
        # Un-reached: the request no longer stands.
        m2.is_reached = False
        self.assertEqual(m2.acceptance_state, "not_requested")
        self.assertFalse(m2.sudo().acceptance_token)

    def test_customer_accepts_with_a_signature_and_it_is_billed(self):
        order, m1, m2 = self._order()
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

    def test_customer_rejects_with_a_reason(self):
        order, __, m2 = self._order()
        m2.is_reached = True
        token = m2.sudo().acceptance_token
        # The link works without logging in.
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/orders/{order.id}/billing_milestone/{m2.id}/reject",
            data={
                "reason": "The design misses the logo",
                "milestone_token": token,
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(m2.is_reached)
        self.assertEqual(m2.acceptance_state, "not_requested")
        self.assertTrue(
            any(
                "rejected by the customer: The design misses the logo" in body
                for body in order.message_ids.mapped("body")
            )
        )
        activity = order.activity_ids
        self.assertEqual(activity.user_id, order.user_id)
        self.assertIn("The design misses the logo", activity.note)

    def test_a_link_works_once_and_until_it_expires(self):
        __, __, m2 = self._order()
        m2.is_reached = True
        token = m2.sudo().acceptance_token
        self.assertIn("error", self._accept(m2, "not-the-token"))
        with freeze_time(fields.Date.today() + timedelta(days=31)):
            self.assertFalse(m2._check_acceptance_token(token))
        self.assertNotIn("error", self._accept(m2, token))
        self.assertEqual(m2.acceptance_state, "accepted")
        self.assertFalse(m2._check_acceptance_token(token))
        self.assertIn("error", self._accept(m2, token))

    def test_nobody_else_accepts_or_sees_it(self):
        order, __, m2 = self._order()
        m2.is_reached = True
        for login in (None, "smb_accept_stranger"):
            with self.subTest(login=login):
                if login:
                    self.authenticate(login, login)
                result = self._accept(m2)
                self.assertIn("error", result)
                page = self.url_open(order.get_portal_url())
                self.assertNotIn('id="billing_acceptance"', page.text)
        self.assertEqual(m2.acceptance_state, "requested")
        self.assertFalse(m2.accepted_by)

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
            self.assertEqual(m2.status, "processed")
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
