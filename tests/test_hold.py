# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestHold(BillingMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = {
            "salesman": "sales_team.group_sale_salesman_all_leads",
            "sale_manager": "sales_team.group_sale_manager",
            "billing_admin": "account.group_account_manager",
        }
        cls.users = {
            login: new_test_user(cls.env, login=f"smb_hold_{login}", groups=group)
            for login, group in groups.items()
        }
        cls.order = cls._create_order(price=1000)
        cls.milestone = cls._add_milestones(
            cls.order.order_line, {"kind": "manual", "percent": 40}
        )

    def test_hold_needs_a_reason(self):
        with self.assertRaisesRule(UserError, r"give a Hold Reason to put it on hold"):
            self.milestone._put_on_hold("  ")
        self.assertEqual(self.milestone.status, "to_process")

    def test_release_needs_a_reason(self):
        self.milestone._put_on_hold("Waiting for acceptance")
        with self.assertRaisesRule(UserError, r"give a Release Reason to release"):
            self.milestone._release_hold("")
        self.assertEqual(self.milestone.status, "hold")

    def test_salesman_cannot_hold_or_release(self):
        milestone = self.milestone.with_user(self.users["salesman"])
        with self.assertRaisesRule(
            AccessError, r"Only sales managers and billing administrators"
        ):
            milestone._put_on_hold("Dispute")
        self.milestone._put_on_hold("Dispute")
        with self.assertRaises(AccessError):
            milestone._release_hold("Settled")

    def test_sales_manager_and_billing_admin_hold_and_release(self):
        for login in ("sale_manager", "billing_admin"):
            milestone = self.milestone.with_user(self.users[login])
            milestone._put_on_hold(f"Held by {login}")
            self.assertEqual(self.milestone.status, "hold")
            milestone._release_hold("Settled")
            self.assertEqual(self.milestone.status, "to_process")

    def test_hold_and_release_are_told_in_the_chatter(self):
        self.milestone._put_on_hold("Acceptance report missing")
        self.assertIn(
            "M1 put on hold: Acceptance report missing", self.order.message_ids[0].body
        )
        self.milestone._release_hold("Report received")
        self.assertIn("M1 released: Report received", self.order.message_ids[0].body)
        self.assertEqual(self.milestone.release_reason, "Report received")

    def test_hold_wizard(self):
        action = self.milestone.with_user(self.users["sale_manager"]).action_hold()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.users["sale_manager"])
            .with_context(**action["context"])
        )
        wizard_form.reason = "Customer asked to wait"
        wizard_form.release_date = "2026-06-30"
        wizard_form.save().action_apply()
        self.assertEqual(self.milestone.status, "hold")
        self.assertEqual(self.milestone.hold_reason, "Customer asked to wait")
        self.assertEqual(str(self.milestone.hold_release_date), "2026-06-30")

    def test_daily_job_releases_holds_whose_date_has_come(self):
        self.milestone._put_on_hold("Until end of June", "2026-06-30")
        milestones = self.env["sale.billing.milestone"]
        with freeze_time("2026-06-29"):
            self.assertFalse(milestones._release_expired_holds() & self.milestone)
        with freeze_time("2026-06-30"):
            self.assertEqual(
                milestones._release_expired_holds() & self.milestone, self.milestone
            )
        self.assertEqual(self.milestone.status, "to_process")
        self.assertEqual(self.milestone.release_reason, "release date reached")
