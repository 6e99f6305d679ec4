# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestAcceptanceReminder(BillingMilestoneCommon):
    """Go-live, reached today, is deemed accepted in 5 days: with the default 3
    reminder days, the customer is reminded in 2 days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="smb_reminder_salesman",
            groups="sales_team.group_sale_salesman",
        )

    def setUp(self):
        super().setUp()
        self.today = fields.Date.today()
        self.order, (self.milestone,) = self._confirmed_order(
            {
                "kind": "manual",
                "percent": 100,
                "description": "Go-live",
                "requires_acceptance": True,
                "acceptance_days": 5,
            },
            user_id=self.salesman.id,
        )
        self.milestone.action_reach()
        self.acceptance = self.milestone.acceptance_id

    def _request_mails(self):
        """The emails asking the customer to accept Go-live, newest first."""
        return self.env["mail.mail"].search(
            [
                ("recipient_ids", "in", self.customer.ids),
                ("subject", "ilike", self.milestone.display_name),
            ],
            order="id desc",
        )

    def _run_job(self, days):
        """The daily job, ``days`` days from today: the emails it sent."""
        before = self._request_mails()
        with freeze_time(self.today + timedelta(days=days)):
            self.env(user=api.SUPERUSER_ID)[
                "sale.billing.milestone"
            ]._cron_billing_housekeeping()
        return self._request_mails() - before

    def _notes(self, text):
        return self.order.message_ids.filtered(lambda message: text in message.body)

    def _token(self, mail):
        return re.search(r"milestone_token=([\w-]+)", mail.body_html).group(1)

    def test_the_company_reminds_3_days_before_by_default(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.billing_acceptance_reminder_days, 3)
        self.assertEqual(self.acceptance.deemed_date, self.today + timedelta(days=5))
        self.assertFalse(self.acceptance.reminder_sent_date)

    def test_no_reminder_before_its_day(self):
        self.assertFalse(self._run_job(1))
        self.assertFalse(self.acceptance.reminder_sent_date)
        self.assertFalse(self._notes("reminded"))

    def test_the_customer_is_reminded_on_its_day(self):
        sent = self._run_job(2)
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent.recipient_ids, self.customer)
        self.assertIn("please accept", sent.subject)
        self.assertEqual(
            self.acceptance.reminder_sent_date, self.today + timedelta(days=2)
        )
        note = self._notes("reminded")
        self.assertEqual(len(note), 1)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn(
            f"Acceptance of milestone {self.milestone.display_name}", note.body
        )
        self.assertNotIn(self._token(sent), note.body)
        self.assertEqual(self.milestone.acceptance_state, "requested")

    def test_the_reminder_link_replaces_the_first(self):
        first = self._token(self._request_mails())
        reminder = self._token(self._run_job(2))
        acceptance = self.acceptance.sudo()
        self.assertFalse(acceptance._check_token(first))
        self.assertTrue(acceptance._check_token(reminder))
        with freeze_time(self.today + timedelta(days=4)):
            self.assertTrue(acceptance._is_pending())

    def test_the_reminder_is_sent_once(self):
        self.assertEqual(len(self._run_job(2)), 1)
        self.assertFalse(self._run_job(2))
        self.assertFalse(self._run_job(3))
        self.assertEqual(len(self._notes("reminded")), 1)
        self.assertEqual(
            self.acceptance.reminder_sent_date, self.today + timedelta(days=2)
        )

    def test_a_late_job_still_reminds_before_the_deemed_day(self):
        self.assertEqual(len(self._run_job(4)), 1)
        self.assertEqual(self.milestone.acceptance_state, "requested")

    def test_no_reminder_when_the_days_are_0(self):
        self.env.company.billing_acceptance_reminder_days = 0
        for days in range(5):
            with self.subTest(days=days):
                self.assertFalse(self._run_job(days))
        self.assertFalse(self.acceptance.reminder_sent_date)

    def test_the_deemed_day_deems_without_reminding(self):
        self.env.company.billing_acceptance_reminder_days = 7
        self.assertFalse(self._run_job(5))
        self.assertEqual(self.milestone.acceptance_state, "accepted")
        self.assertTrue(self.milestone.acceptance_deemed)
        self.assertFalse(self.acceptance.reminder_sent_date)
        self.assertFalse(self._notes("reminded"))

    def test_no_reminder_once_accepted(self):
        self.milestone._accept_on_portal("Ann Customer", False, {})
        self.assertFalse(self._run_job(2))
        self.assertFalse(self.acceptance.reminder_sent_date)

    def test_no_reminder_once_rejected(self):
        self.milestone._reject_on_portal("The logo is missing", {})
        self.assertFalse(self._run_job(2))
        self.assertFalse(self.acceptance.reminder_sent_date)

    def test_no_reminder_once_invoiced(self):
        self.milestone.write({"latest_kind": "days", "latest_days": 0})
        self.order._create_invoices()
        self.assertEqual(self.milestone.status, "processed")
        self.assertFalse(self._run_job(2))

    def test_the_job_reminds_in_batches_and_reports_them(self):
        __, (other,) = self._confirmed_order(
            {
                "kind": "manual",
                "percent": 100,
                "requires_acceptance": True,
                "acceptance_days": 5,
            },
            user_id=self.salesman.id,
        )
        other.action_reach()
        Milestone = self.env(user=api.SUPERUSER_ID)["sale.billing.milestone"]
        Cron = type(self.env["ir.cron"])
        with (
            freeze_time(self.today + timedelta(days=2)),
            patch.object(Cron, "_notify_progress", autospec=True) as progress,
        ):
            Milestone._cron_billing_housekeeping(batch_size=1)
            self.assertEqual(progress.call_args.kwargs, {"done": 1, "remaining": 1})
            Milestone._cron_billing_housekeeping(batch_size=1)
            self.assertEqual(progress.call_args.kwargs, {"done": 1, "remaining": 0})
        self.assertTrue(self.acceptance.reminder_sent_date)
        self.assertTrue(other.acceptance_id.reminder_sent_date)

    def test_resend_emails_the_request_again_and_logs_it(self):
        first = self._token(self._request_mails())
        self.milestone.with_user(self.salesman).action_resend_acceptance_request()
        (sent, __) = self._request_mails()
        self.assertEqual(sent.recipient_ids, self.customer)
        self.assertIn("please accept", sent.subject)
        note = self._notes("sent again")
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.salesman.partner_id)
        self.assertIn(f"milestone {self.milestone.display_name}", note.body)
        acceptance = self.acceptance.sudo()
        self.assertFalse(acceptance._check_token(first))
        self.assertTrue(acceptance._check_token(self._token(sent)))
        self.assertEqual(self.milestone.acceptance_id, self.acceptance)
        self.assertEqual(acceptance.deemed_date, self.today + timedelta(days=5))

    def test_resend_without_a_pending_request_is_refused(self):
        self.milestone._accept_on_portal("Ann Customer", False, {})
        before = self._request_mails()
        with self.assertRaisesRule(
            UserError,
            r"Milestone M1 has no acceptance request awaiting the "
            r"customer's answer: there is no request to send again\.",
        ):
            self.milestone.with_user(self.salesman).action_resend_acceptance_request()
        self.assertEqual(self._request_mails(), before)

    def test_resend_is_refused_to_who_may_not_ask_again(self):
        stranger = new_test_user(
            self.env,
            login="smb_reminder_other_salesman",
            groups="sales_team.group_sale_salesman",
        )
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            self.milestone.with_user(stranger).action_resend_acceptance_request()

    def test_negative_reminder_days_are_refused(self):
        with self.assertRaisesRule(
            ValidationError,
            r"Acceptance Reminder \(days\) must be 0 or more \(got -1\)",
        ):
            self.env.company.billing_acceptance_reminder_days = -1
