# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, tagged

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestBillingSchedule(BillingMilestoneCommon):
    def test_line_schedule_is_filled_from_the_product_template(self):
        order = self._create_order(self.product_scheduled, quantity=2, price=1500)
        milestones = order.order_line.billing_milestone_ids
        self.assertEqual(milestones.mapped("name"), ["M1", "M2", "M3"])
        self.assertEqual(milestones.mapped("amount"), [900.0, 1200.0, 900.0])
        self.assertEqual(milestones.mapped("status"), ["to_process"] * 3)
        self.assertEqual(milestones.order_id, order)
        self.assertEqual(milestones.partner_id, self.customer)
        self.assertEqual(milestones.currency_id, order.currency_id)
        self.assertEqual(order.billing_milestone_ids, milestones)

    def test_amounts_are_stored_even_when_they_come_out_at_zero(self):
        # An edit assigns only the amounts that change; a new milestone's
        # column is empty in the database until its first amount is stored.
        order = self._create_order(price=0.0)
        milestones = self._add_milestones(order.order_line, {"percent": 100})
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT amount, amount_total FROM sale_billing_milestone WHERE id = %s",
            [milestones.id],
        )
        self.assertEqual(self.env.cr.fetchall(), [(0.0, 0.0)])

    def test_line_schedule_is_filled_in_the_order_form(self):
        order_form = Form(self.env["sale.order"])
        order_form.partner_id = self.customer
        with order_form.order_line.new() as line:
            line.product_id = self.product_scheduled
            line.price_unit = 2000
        order = order_form.save()
        self.assertEqual(
            order.order_line.billing_milestone_ids.mapped("amount"),
            [600.0, 800.0, 600.0],
        )

    def test_order_schedule_tab_adds_a_milestone_to_a_line(self):
        order = self._create_order(price=500)
        order_form = Form(order)
        with order_form.billing_milestone_ids.new() as milestone:
            milestone.sale_line_id = order.order_line
            milestone.name = "M1"
            milestone.kind = "manual"
            milestone.fixed_amount = 200
        order_form.save()
        self.assertEqual(order.order_line.billing_milestone_ids.amount, 200.0)
        self.assertEqual(order.order_line.billing_unscheduled_amount, 300.0)

    def test_line_without_template_has_no_schedule(self):
        order = self._create_order()
        self.assertFalse(order.order_line.billing_milestone_ids)

    def test_product_change_replaces_the_unprocessed_schedule(self):
        order = self._create_order(self.product_scheduled)
        line = order.order_line
        line.product_id = self.product_milestone
        self.assertFalse(line.billing_milestone_ids)
        line.product_id = self.product_scheduled
        self.assertEqual(len(line.billing_milestone_ids), 3)

    def test_line_totals_scheduled_unscheduled_billable_now(self):
        order = self._create_order(price=1000)
        line = order.order_line
        self._add_milestones(
            line,
            {"kind": "manual", "percent": 25, "is_reached": True},
            {"kind": "manual", "fixed_amount": 300},
        )
        order.action_confirm()
        self.assertEqual(line.billing_scheduled_amount, 550.0)
        self.assertEqual(line.billing_unscheduled_amount, 450.0)
        self.assertEqual(line.billing_billable_amount, 250.0)

    @freeze_time("2026-03-10")
    def test_contract_date_defaults_to_the_confirmation_date(self):
        order = self._create_order(self.product_scheduled)
        self.assertFalse(order.contract_date)
        order.action_confirm()
        self.assertEqual(order.contract_date, date(2026, 3, 10))
        m1, _m2, m3 = order.order_line.billing_milestone_ids
        self.assertEqual(m1.billable_date, date(2026, 3, 10))
        self.assertEqual(m3.billable_date, date(2026, 6, 8))

    def test_contract_date_set_on_the_quotation_is_kept(self):
        order = self._create_order(self.product_scheduled, contract_date="2026-01-31")
        order.action_confirm()
        self.assertEqual(order.contract_date, date(2026, 1, 31))
        self.assertEqual(
            order.order_line.billing_milestone_ids[2].billable_date, date(2026, 5, 1)
        )

    def test_changing_contract_date_moves_days_milestones(self):
        order = self._create_order(self.product_scheduled, contract_date="2026-01-01")
        order.contract_date = "2026-02-01"
        self.assertEqual(
            order.order_line.billing_milestone_ids[0].billable_date, date(2026, 2, 1)
        )

    def test_date_milestone_is_billable_on_its_date(self):
        order = self._create_order()
        milestone = self._add_milestones(
            order.order_line, {"kind": "date", "date": "2026-04-01", "percent": 10}
        )
        self.assertEqual(milestone.billable_date, date(2026, 4, 1))

    @freeze_time("2026-03-10")
    def test_manual_milestone_is_billable_once_reached(self):
        order = self._create_order()
        milestone = self._add_milestones(
            order.order_line, {"kind": "manual", "percent": 10}
        )
        self.assertFalse(milestone.billable_date)
        milestone.action_reach()
        self.assertEqual(milestone.reached_date, date(2026, 3, 10))
        self.assertEqual(milestone.billable_date, date(2026, 3, 10))
        milestone.is_reached = False
        self.assertFalse(milestone.billable_date)

    def test_due_date_follows_the_due_days_offset(self):
        order = self._create_order(self.product_scheduled, contract_date="2026-01-01")
        m1, m2, _m3 = order.order_line.billing_milestone_ids
        self.assertFalse(m1.due_date)
        m2.write({"is_reached": True, "reached_date": "2026-02-10"})
        self.assertEqual(m2.due_date, date(2026, 3, 12))
        m1.due_date = "2026-01-15"
        self.assertEqual(m1.due_date, date(2026, 1, 15))

    @freeze_time("2026-03-10")
    def test_billable_now_says_why_not(self):
        order = self._create_order(price=1000)
        days, date_, manual, held, processed = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 5, "percent": 10},
            {"kind": "date", "date": "2026-03-10", "percent": 10},
            {"kind": "manual", "percent": 10},
            {"kind": "date", "date": "2026-01-01", "percent": 10},
            {"kind": "date", "date": "2026-01-01", "percent": 10},
        )
        self.assertEqual(days.billable_reason, "Order not confirmed")
        self.assertFalse(date_.is_billable_now)
        order.action_confirm()
        held._put_on_hold("Customer dispute")
        self._invoice_milestones(processed)
        self.assertEqual(
            [days.billable_reason, manual.billable_reason],
            ["Not due until 03/15/2026", "Not reached yet"],
        )
        self.assertEqual(held.billable_reason, "On hold")
        self.assertEqual(processed.billable_reason, "Already processed")
        self.assertTrue(date_.is_billable_now)
        self.assertFalse(date_.billable_reason)
        billable = self.env["sale.billing.milestone"].search(
            [("order_id", "=", order.id), ("is_billable_now", "=", True)]
        )
        self.assertEqual(billable, date_)
        not_billable = self.env["sale.billing.milestone"].search(
            [("order_id", "=", order.id), ("is_billable_now", "=", False)]
        )
        self.assertEqual(not_billable, days | manual | held | processed)

    def test_days_milestone_without_contract_date_says_so(self):
        order = self._create_order()
        milestone = self._add_milestones(
            order.order_line, {"kind": "days", "days": 3, "percent": 10}
        )
        order.state = "sale"
        self.assertEqual(
            milestone.billable_reason, "The order has no contract date yet"
        )

    def test_held_milestone_is_released(self):
        order = self._create_order()
        milestone = self._add_milestones(order.order_line, {"percent": 10})
        milestone._put_on_hold("Customer dispute")
        self.assertEqual(milestone.status, "hold")
        milestone._release_hold("Dispute settled")
        self.assertEqual(milestone.status, "to_process")

    def test_duplicated_order_restarts_its_schedule(self):
        order = self._create_order(self.product_scheduled)
        milestones = order.order_line.billing_milestone_ids
        milestones[1].action_reach()
        milestones[0]._put_on_hold("Customer dispute")
        copy = order.copy()
        copied = copy.order_line.billing_milestone_ids
        self.assertEqual(copied.mapped("name"), ["M1", "M2", "M3"])
        self.assertEqual(copied.mapped("status"), ["to_process"] * 3)
        self.assertFalse(any(copied.mapped("is_reached")))
        self.assertEqual(milestones.order_id, order)

    def test_template_fixed_amount_is_converted_to_the_order_currency(self):
        other = self.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": other.id}
        )
        self.product_milestone.billing_milestone_template_ids = [
            Command.create({"name": "F1", "fixed_amount": 100})
        ]
        order = self._create_order(price=1000, pricelist_id=pricelist.id)
        milestone = order.order_line.billing_milestone_ids
        self.assertEqual(milestone.currency_id, other)
        self.assertEqual(milestone.fixed_amount, 200.0)
        self.assertEqual(milestone.amount, 200.0)
