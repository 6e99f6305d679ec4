# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestBillingRules(BillingMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._create_order(quantity=2, price=500)
        cls.line = cls.order.order_line

    def _milestone(self, **values):
        return self._add_milestones(self.line, {"kind": "manual", **values})

    def _assert_no_milestone_created(self):
        self.assertFalse(self.line.billing_milestone_ids)

    # Rule 1: exactly one of amount and percent, amount > 0, 0 < percent <= 100

    def test_amount_and_percent_together_are_refused(self):
        with self.assertRaisesRule(
            ValidationError, r'Milestone "M1": set exactly one of Fixed Amount and'
        ):
            self._milestone(fixed_amount=100, percent=10)
        self._assert_no_milestone_created()

    def test_neither_amount_nor_percent_is_refused(self):
        with self.assertRaisesRule(ValidationError, r"set exactly one of"):
            self._milestone()

    def test_negative_amount_is_refused(self):
        with self.assertRaisesRule(
            ValidationError, r'"M1": Fixed Amount must be above 0 \(got -5.0\)'
        ):
            self._milestone(fixed_amount=-5)

    def test_percent_above_100_is_refused(self):
        with self.assertRaisesRule(
            ValidationError, r'"M1": Percent must be above 0 and at most 100'
        ):
            self._milestone(percent=100.5)

    def test_negative_percent_is_refused(self):
        with self.assertRaisesRule(ValidationError, r"Percent must be above 0"):
            self._milestone(percent=-10)

    def test_csv_import_of_a_bad_milestone_changes_nothing(self):
        fields = ["sale_line_id/.id", "name", "kind", "percent", "fixed_amount"]
        rows = [
            [str(self.line.id), "M1", "manual", "40", ""],
            [str(self.line.id), "M2", "manual", "40", "100"],
        ]
        with mute_logger("odoo.sql_db"):
            result = self.env["sale.billing.milestone"].load(fields, rows)
        self.assertFalse(result["ids"])
        self.assertIn(
            '"M2": set exactly one of Fixed Amount and Percent',
            result["messages"][0]["message"],
        )
        self._assert_no_milestone_created()

    # Rule 2: days >= 0 for Days, a date for Date, neither for Manual

    def test_negative_days_are_refused(self):
        with self.assertRaisesRule(
            ValidationError, r'"M1": Days must be 0 or more \(got -1\)'
        ):
            self._milestone(kind="days", days=-1, percent=10)

    def test_date_milestone_without_date_is_refused(self):
        with self.assertRaisesRule(
            ValidationError, r'"M1": a Date milestone needs a Date'
        ):
            self._milestone(kind="date", percent=10)

    def test_manual_milestone_needs_no_days_nor_date(self):
        milestone = self._milestone(percent=10)
        self.assertEqual(milestone.amount, 100.0)

    def test_negative_due_days_are_refused(self):
        with self.assertRaisesRule(ValidationError, r"Due after \(days\) must be 0"):
            self._milestone(percent=10, due_days=-3)

    # Rule 3: caps per line

    def test_amounts_above_the_net_amount_are_refused(self):
        self._milestone(fixed_amount=600)
        with self.assertRaisesRule(
            ValidationError,
            r"milestones M1, M2 add up to \$\s?1,100.00, above the line's untaxed "
            r"net amount \$\s?1,000.00",
        ):
            self._add_milestones(self.line, {"name": "M2", "fixed_amount": 500})
        self.assertEqual(len(self.line.billing_milestone_ids), 1)

    def test_percent_total_above_100_is_refused(self):
        self._milestone(percent=60)
        with self.assertRaisesRule(
            ValidationError, r"Percent of milestones M1, M2 adds up to 110.0 %"
        ):
            self._add_milestones(self.line, {"name": "M2", "percent": 50})

    def test_amounts_and_percents_above_the_net_amount_are_refused(self):
        self._milestone(fixed_amount=500)
        with self.assertRaisesRule(ValidationError, r"add up to \$\s?1,010.00"):
            self._add_milestones(self.line, {"name": "M2", "percent": 51})

    def test_discount_is_taken_off_the_net_amount(self):
        self.line.discount = 10
        with self.assertRaisesRule(ValidationError, r"net amount \$\s?900.00"):
            self._milestone(fixed_amount=901)

    def test_schedule_up_to_the_net_amount_is_accepted(self):
        self._milestone(fixed_amount=400)
        self._add_milestones(self.line, {"name": "M2", "percent": 60})
        self.assertEqual(self.line.billing_unscheduled_amount, 0.0)

    # Rule 4: a schedule only on lines sold based on milestones

    def test_schedule_on_an_ordinary_line_is_refused(self):
        order = self._create_order(self.product_ordinary, price=100)
        with self.assertRaisesRule(
            ValidationError, r'"M1": order line ".*Prepaid support.*" is not sold'
        ):
            self._add_milestones(order.order_line, {"percent": 10})

    def test_switching_a_scheduled_line_to_an_ordinary_product_with_processed_milestones_is_refused(  # noqa: E501
        self,
    ):
        milestone = self._milestone(percent=10)
        self._invoice_milestones(milestone)
        with self.assertRaisesRule(ValidationError, r"has a billing schedule"):
            self.line.product_id = self.product_ordinary

    # Rule 5: processed milestones are frozen

    def test_processed_milestone_cannot_be_edited(self):
        milestone = self._milestone(percent=10)
        self._invoice_milestones(milestone)
        for field, value in [
            ("percent", 20),
            ("fixed_amount", 10),
            ("kind", "days"),
            ("date", "2026-01-01"),
            ("days", 4),
            ("due_date", "2026-01-01"),
            ("is_reached", True),
        ]:
            with (
                self.subTest(field=field),
                self.assertRaisesRule(
                    UserError,
                    r"Milestone M1 is already processed: its .* can no longer",
                ),
            ):
                milestone.write({field: value})
        self.assertEqual(milestone.percent, 10)

    def test_processed_milestone_description_can_be_edited(self):
        milestone = self._milestone(percent=10)
        self._invoice_milestones(milestone)
        milestone.description = "Phase 1, delivered"
        self.assertEqual(milestone.description, "Phase 1, delivered")

    def test_processed_milestone_cannot_be_deleted(self):
        milestone = self._milestone(percent=10)
        self._invoice_milestones(milestone)
        with self.assertRaisesRule(UserError, r"M1 is already processed and cannot"):
            milestone.unlink()
        self.assertTrue(milestone.exists())

    def test_line_with_processed_milestones_cannot_be_deleted(self):
        self._invoice_milestones(self._milestone(percent=10), post=True)
        self.order._action_cancel()
        self.order.action_draft()
        with self.assertRaisesRule(UserError, r"has processed billing milestones"):
            self.line.unlink()

    def test_net_amount_cannot_go_below_what_is_processed(self):
        self._invoice_milestones(self._milestone(fixed_amount=800))
        with self.assertRaisesRule(
            ValidationError,
            r"untaxed net amount \$\s?500.00 cannot go below the \$\s?800.00 already "
            r"processed \(milestones M1\)",
        ):
            self.line.product_uom_qty = 1
        self.assertEqual(self.line.product_uom_qty, 2)

    def test_unprocessed_milestones_stay_editable_after_others_were_invoiced(self):
        m1, m2 = self._add_milestones(
            self.line, {"percent": 30}, {"name": "M2", "percent": 30}
        )
        self._invoice_milestones(m1)
        m2.write({"percent": 50, "due_date": "2026-06-30"})
        self.assertEqual(m2.amount, 500.0)
        m2.unlink()
        self.assertEqual(self.line.billing_milestone_ids, m1)

    def test_contract_date_is_locked_once_a_milestone_is_processed(self):
        order = self._create_order(self.product_scheduled, contract_date="2026-01-01")
        order.action_confirm()
        order.contract_date = "2026-01-02"
        self._invoice_milestones(order.order_line.billing_milestone_ids[0])
        with self.assertRaisesRule(UserError, r"Contract Date of .* is locked"):
            order.contract_date = "2026-01-05"
        self.assertEqual(str(order.contract_date), "2026-01-02")

    # Rule 6: Hold only on milestones that are not processed

    def test_hold_on_a_processed_milestone_is_refused(self):
        milestone = self._milestone(percent=10)
        self._invoice_milestones(milestone)
        with self.assertRaisesRule(
            UserError, r"M1 is already processed: it cannot be put on hold"
        ):
            milestone._put_on_hold("Customer dispute")
        self.assertEqual(milestone.status, "processed")

    def test_held_milestone_cannot_be_invoiced(self):
        milestone = self._milestone(percent=10)
        milestone._put_on_hold("Customer dispute")
        with self.assertRaisesRule(UserError, r"M1 of .* cannot be invoiced as of"):
            self._invoice_milestones(milestone)
        self.assertEqual(milestone.status, "hold")
        self.assertFalse(milestone.invoice_line_ids)

    # Rule 7: line changes re-compute open percent milestones, processed stay frozen

    def test_line_changes_recompute_unprocessed_percent_milestones(self):
        m1, m2 = self._add_milestones(
            self.line, {"percent": 40}, {"name": "M2", "percent": 60}
        )
        self._invoice_milestones(m1)
        self.line.write({"product_uom_qty": 3})
        self.assertEqual((m1.amount, m2.amount), (400.0, 1100.0))
        self.line.write({"price_unit": 400, "discount": 10})
        self.assertEqual((m1.amount, m2.amount), (400.0, 680.0))
        self.assertEqual(m1.amount + m2.amount, self.line.price_subtotal)

    def test_line_change_rechecks_the_caps(self):
        self._milestone(fixed_amount=900)
        with self.assertRaisesRule(ValidationError, r"above the line's untaxed net"):
            self.line.price_unit = 400
        self.assertEqual(self.line.price_unit, 500)
