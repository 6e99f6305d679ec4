# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from freezegun import freeze_time
from psycopg2.errors import ExclusionViolation

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestInvoicing(BillingMilestoneCommon):
    def test_regular_invoice_bills_only_billable_milestones(self):
        order, (due, later, reached, held, waiting) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 10},
            {"kind": "days", "days": 30, "percent": 10},
            {"kind": "manual", "percent": 20, "is_reached": True},
            {"kind": "date", "date": "2020-01-01", "percent": 20},
            {"kind": "manual", "percent": 40},
        )
        held._put_on_hold("Customer dispute")
        invoice = self._invoice(order)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.invoice_line_ids.mapped("name"), ["M1", "M3"])
        self.assertEqual(invoice.invoice_line_ids.mapped("price_subtotal"), [100, 200])
        self.assertEqual(invoice.invoice_line_ids.billing_milestone_id, due | reached)
        self.assertEqual(invoice.billing_milestone_ids, due | reached)
        self.assertEqual((due | reached).mapped("status"), ["processed"] * 2)
        self.assertEqual((due | reached).invoice_id, invoice)
        self.assertEqual(
            (later | held | waiting).mapped("status"),
            ["to_process", "hold", "to_process"],
        )

    def test_invoice_line_carries_the_order_line_accounting(self):
        order, milestone = self._confirmed_order(
            {"kind": "manual", "fixed_amount": 250, "description": "Design"}
        )
        plan = self.env["account.analytic.plan"].create({"name": "Projects"})
        analytic = self.env["account.analytic.account"].create(
            {"name": "Rebranding", "plan_id": plan.id}
        )
        order.order_line.write(
            {
                "tax_id": [Command.set(self.tax_sale_a.ids)],
                "analytic_distribution": {str(analytic.id): 100},
            }
        )
        milestone.action_reach()
        line = self._invoice(order).invoice_line_ids
        self.assertEqual(line.name, "M1 - Design")
        self.assertEqual(line.product_id, self.product_milestone)
        self.assertEqual(line.sale_line_ids, order.order_line)
        self.assertEqual(line.tax_ids, self.tax_sale_a)
        self.assertEqual(line.price_subtotal, 250.0)
        self.assertEqual(line.analytic_distribution, {str(analytic.id): 100})

    def test_price_included_tax_keeps_the_milestone_untaxed_amount(self):
        tax = self.env["account.tax"].create(
            {
                "name": "VAT 21 incl.",
                "amount": 21,
                "price_include_override": "tax_included",
            }
        )
        order = self._create_order(price=1210.0)
        order.order_line.tax_id = tax
        self.assertEqual(order.order_line.price_subtotal, 1000.0)
        milestone = self._add_milestones(
            order.order_line, {"kind": "days", "percent": 33.33}
        )
        order.action_confirm()
        line = self._invoice(order).invoice_line_ids
        self.assertEqual(milestone.amount, 333.3)
        self.assertEqual(line.price_subtotal, 333.3)
        self.assertEqual(line.price_total, 403.29)

    def test_nothing_to_invoice_says_why_per_milestone(self):
        order, _milestones = self._confirmed_order(
            {"kind": "manual", "percent": 10, "description": "Design"},
            {"kind": "days", "days": 10, "percent": 10},
        )
        due = fields.Date.context_today(order) + timedelta(days=10)
        with self.assertRaisesRule(
            UserError,
            r"(?s)Billing milestones not billable now:.*M1 - Design: Not reached yet"
            r".*M2: Not due until " + due.strftime("%m/%d/%Y"),
        ):
            self._invoice(order)

    def test_amount_milestone_is_billed_to_the_cent(self):
        order, milestones = self._confirmed_order(
            {"kind": "manual", "fixed_amount": 333.33, "is_reached": True},
            {"kind": "manual", "percent": 33, "is_reached": True},
            price=250.0,
            quantity=4.0,
        )
        lines = self._invoice(order).invoice_line_ids
        self.assertEqual(lines.mapped("price_subtotal"), [333.33, 330.0])
        self.assertEqual(milestones.mapped("amount"), [333.33, 330.0])

    @freeze_time("2026-03-10")
    def test_milestones_sharing_a_due_date_share_an_invoice(self):
        payment_term = self.env.ref("account.account_payment_term_30days")
        self.customer.property_payment_term_id = payment_term
        order, (m1, m2, m3, m4) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 10},
            {"kind": "days", "days": 0, "percent": 10, "due_date": "2026-04-01"},
            {"kind": "manual", "percent": 10, "is_reached": True, "due_days": 22},
            {"kind": "manual", "percent": 10, "is_reached": True},
        )
        self.assertEqual(m3.due_date, date(2026, 4, 1))
        invoices = self._invoice(order)
        self.assertEqual(len(invoices), 2)
        by_milestones = {inv.billing_milestone_ids: inv for inv in invoices}
        fixed = by_milestones[m2 | m3]
        by_terms = by_milestones[m1 | m4]
        invoices.action_post()
        self.assertEqual(fixed.invoice_date_due, date(2026, 4, 1))
        self.assertFalse(fixed.invoice_payment_term_id)
        self.assertEqual(by_terms.invoice_payment_term_id, payment_term)
        self.assertEqual(by_terms.invoice_date_due, date(2026, 4, 9))

    def test_line_without_schedule_keeps_odoo_milestone_invoicing(self):
        order = self._create_order(price=1000)
        order.action_confirm()
        line = order.order_line
        self.assertEqual(line.qty_delivered_method, "milestones")
        project = self.project
        milestone = self.env["project.milestone"].create(
            {
                "name": "Reached",
                "project_id": project.id,
                "sale_line_id": line.id,
                "quantity_percentage": 0.25,
            }
        )
        milestone.is_reached = True
        self.assertEqual(line.qty_delivered, 0.25)
        invoice = self._invoice(order)
        self.assertEqual(invoice.invoice_line_ids.quantity, 0.25)
        self.assertEqual(invoice.invoice_line_ids.price_subtotal, 250.0)
        self.assertFalse(invoice.invoice_line_ids.billing_milestone_id)

    def test_whole_schedule_invoiced_reads_fully_invoiced(self):
        order, milestones = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 33.33},
            {"kind": "date", "date": "2020-01-01", "percent": 33.33},
            {"kind": "manual", "percent": 33.34, "is_reached": True},
            price=100.01,
            quantity=3,
        )
        line = order.order_line
        self.assertEqual(line.qty_delivered, 3)
        self.assertEqual(line.invoice_status, "to invoice")
        invoice = self._invoice(order)
        invoice.action_post()
        self.assertEqual(sum(milestones.mapped("amount")), 300.03)
        self.assertEqual(invoice.amount_untaxed, 300.03)
        self.assertEqual(line.qty_invoiced, 3)
        self.assertEqual(line.untaxed_amount_invoiced, line.price_subtotal)
        self.assertEqual(line.untaxed_amount_to_invoice, 0)
        self.assertEqual(line.invoice_status, "invoiced")
        self.assertEqual(order.invoice_status, "invoiced")

    def test_partly_invoiced_schedule_quantities_follow_milestones(self):
        order, (m1, _m2) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 40},
            {"kind": "manual", "percent": 60},
            quantity=10,
        )
        line = order.order_line
        self.assertEqual((line.qty_delivered, line.qty_to_invoice), (4, 4))
        self._invoice(order)
        self.assertEqual((line.qty_invoiced, line.qty_to_invoice), (4, 0))
        self.assertEqual(line.invoice_status, "no")
        self.assertEqual(m1.status, "processed")

    def test_deleting_the_draft_invoice_returns_the_milestone(self):
        order, milestone = self._confirmed_order({"kind": "days", "percent": 50})
        invoice = self._invoice(order)
        self.assertEqual(milestone.status, "processed")
        invoice.unlink()
        self.assertEqual(milestone.status, "to_process")
        self.assertFalse(milestone.invoice_id)

    def test_cancelled_invoice_returns_the_milestone_and_billing_it_again(self):
        order, milestone = self._confirmed_order({"kind": "days", "percent": 50})
        first = self._invoice(order)
        first.action_post()
        self.assertEqual(milestone.invoice_state, "posted")
        first.button_draft()
        first.button_cancel()
        self.assertEqual(milestone.status, "to_process")
        second = self._invoice(order)
        self.assertEqual(milestone.invoice_id, second)
        with self.assertRaisesRule(
            ValidationError, r"M1 would be billed twice, on INV/\d+/\d+, a draft"
        ):
            first.button_draft()
        self.assertEqual(first.state, "cancel")

    def test_full_credit_note_returns_the_milestone(self):
        order, milestone = self._confirmed_order({"kind": "days", "percent": 50})
        invoice = self._invoice(order)
        invoice.action_post()
        credit_note = invoice._reverse_moves(cancel=True)
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(milestone.status, "to_process")
        self.assertFalse(milestone.invoice_id)
        again = self._invoice(order)
        self.assertEqual(again.invoice_line_ids.price_subtotal, 500.0)
        self.assertEqual(milestone.status, "processed")

    def test_partial_credit_note_leaves_the_milestone_processed(self):
        order, milestone = self._confirmed_order({"kind": "days", "percent": 50})
        invoice = self._invoice(order)
        invoice.action_post()
        credit_note = invoice._reverse_moves()
        credit_note.invoice_line_ids.price_unit = 100
        credit_note.action_post()
        self.assertEqual(milestone.status, "processed")
        self.assertEqual(milestone.invoice_id, invoice)

    def test_payment_shows_on_the_milestone(self):
        order, milestone = self._confirmed_order({"kind": "days", "percent": 50})
        invoice = self._invoice(order)
        invoice.action_post()
        self._pay(invoice)
        self.assertIn(milestone.invoice_payment_state, ("in_payment", "paid"))

    def test_database_keeps_a_milestone_on_one_live_invoice(self):
        order, milestone = self._confirmed_order({"kind": "days", "percent": 50})
        invoice = self._invoice(order)
        line = invoice.invoice_line_ids
        self.env.flush_all()
        with self.assertRaises(ExclusionViolation), mute_logger("odoo.sql_db"):
            self.env.cr.execute(
                "INSERT INTO account_move_line (move_id, account_id, display_type, "
                "billing_milestone_id, billing_milestone_live, parent_state, "
                "company_id, journal_id, date, currency_id, balance) "
                "SELECT move_id, account_id, display_type, billing_milestone_id, "
                "billing_milestone_live, parent_state, company_id, journal_id, "
                "date, currency_id, balance FROM account_move_line WHERE id = %s",
                [line.id],
            )
            # Deferred to the commit, which tests never reach: check it now.
            self.env.cr.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def test_order_form_create_invoice_button(self):
        order, _milestone = self._confirmed_order({"kind": "days", "percent": 50})
        action = order.action_view_invoice() if order.invoice_ids else None
        self.assertIsNone(action)
        wizard_form = Form(
            self.env["sale.advance.payment.inv"].with_context(
                active_model="sale.order", active_ids=order.ids
            )
        )
        wizard_form.save().create_invoices()
        self.assertEqual(order.invoice_ids.amount_untaxed, 500.0)
