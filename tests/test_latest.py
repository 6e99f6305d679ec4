# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-01")
class TestWhicheverComesFirst(BillingMilestoneCommon):
    """A Manual milestone billable once reached or at the latest on a date."""

    def _order(self, **latest):
        order = self._create_order(contract_date="2026-03-01")
        milestone = self._add_milestones(
            order.order_line, {"kind": "manual", "percent": 50, **latest}
        )
        order.action_confirm()
        return order, milestone

    def test_unreached_milestone_is_billable_at_the_latest_days(self):
        order, milestone = self._order(latest_kind="days", latest_days=30)
        self.assertEqual(milestone.billable_date, date(2026, 3, 31))
        self.assertFalse(milestone.is_billable_now)
        self.assertEqual(
            milestone.billable_reason,
            "Not reached yet; billable on 03/31/2026 at the latest",
        )
        with freeze_time("2026-03-31"):
            # The daily housekeeping records that the date has come.
            self.env["sale.billing.milestone"]._cron_billing_housekeeping()
            self.assertTrue(milestone.is_billable_now)
            invoices = order._invoice_billing_milestones(date(2026, 3, 31))
        self.assertEqual(invoices.amount_untaxed, 500.0)
        self.assertEqual(milestone.status, "processed")

    def test_reaching_first_makes_it_billable_at_once(self):
        __, milestone = self._order(latest_kind="date", latest_date="2026-06-30")
        self.assertEqual(milestone.billable_date, date(2026, 6, 30))
        milestone.action_reach()
        self.assertEqual(milestone.billable_date, date(2026, 3, 1))
        self.assertTrue(milestone.is_billable_now)

    def test_later_reach_does_not_delay_the_latest_date(self):
        __, milestone = self._order(latest_kind="days", latest_days=10)
        with freeze_time("2026-03-20"):
            milestone.action_reach()
            self.assertEqual(milestone.reached_date, date(2026, 3, 20))
            self.assertEqual(milestone.billable_date, date(2026, 3, 11))

    def test_latest_days_follow_the_contract_date(self):
        order, milestone = self._order(latest_kind="days", latest_days=10)
        order.contract_date = "2026-04-01"
        self.assertEqual(milestone.billable_date, date(2026, 4, 11))

    def test_latest_on_a_days_milestone_is_refused(self):
        order = self._create_order()
        with self.assertRaisesRule(ValidationError, r'"M1": only a Manual milestone'):
            self._add_milestones(
                order.order_line,
                {"kind": "days", "percent": 10, "latest_kind": "days"},
            )

    def test_negative_latest_days_are_refused(self):
        order = self._create_order()
        with self.assertRaisesRule(
            ValidationError, r"At the Latest \(days\) must be 0"
        ):
            self._add_milestones(
                order.order_line,
                {
                    "kind": "manual",
                    "percent": 10,
                    "latest_kind": "days",
                    "latest_days": -1,
                },
            )

    def test_latest_on_a_date_needs_the_date(self):
        order = self._create_order()
        with self.assertRaisesRule(
            ValidationError, r"needs its At the Latest \(date\)"
        ):
            self._add_milestones(
                order.order_line,
                {"kind": "manual", "percent": 10, "latest_kind": "date"},
            )

    def test_template_carries_the_latest_date_to_the_order(self):
        product = self.env["product.product"].create(
            {
                "name": "Acceptance",
                "type": "service",
                "invoice_policy": "delivery",
                "service_type": "milestones",
                "billing_milestone_template_ids": [
                    Command.create(
                        {
                            "name": "M1",
                            "kind": "manual",
                            "percent": 100,
                            "latest_kind": "days",
                            "latest_days": 45,
                        }
                    )
                ],
            }
        )
        order = self._create_order(product, contract_date="2026-03-01")
        milestone = order.order_line.billing_milestone_ids
        self.assertEqual((milestone.latest_kind, milestone.latest_days), ("days", 45))
        self.assertEqual(milestone.billable_date, date(2026, 3, 1) + timedelta(days=45))

    def test_processed_milestone_keeps_its_latest_date(self):
        order, milestone = self._order(latest_kind="days", latest_days=0)
        order._invoice_billing_milestones(date(2026, 3, 1))
        with self.assertRaisesRule(UserError, r"already processed"):
            milestone.latest_days = 5
