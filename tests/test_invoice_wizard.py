# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestInvoiceWizard(BillingMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.partner_a | cls.partner_b

    def _wizard(self, **values):
        """The wizard on this test's customers, whatever else the database holds."""
        return self.env["sale.billing.milestone.invoice"].create(
            {"partner_ids": [Command.set(self.customers.ids)], **values}
        )

    def _invoices(self, action):
        """The invoices the action the wizard returns opens."""
        if action.get("res_id"):
            return self.env["account.move"].browse(action["res_id"])
        return self.env["account.move"].search(action["domain"])

    @staticmethod
    def _preview(wizard):
        """The included milestones, per invoice the preview announces."""
        invoices = defaultdict(lambda: wizard.env["sale.billing.milestone"])
        for line in wizard.line_ids.filtered("include"):
            invoices[line.invoice_key] |= line.milestone_id
        return invoices

    @freeze_time("2026-03-10")
    def test_invoices_are_the_preview(self):
        order_a1, (a1_terms, a1_april, a1_reached, a1_later) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 10},
            {"kind": "days", "days": 0, "percent": 20, "due_date": "2026-04-01"},
            {"kind": "manual", "percent": 30, "is_reached": True, "due_days": 22},
            {"kind": "days", "days": 30, "percent": 40},
            partner_id=self.partner_a.id,
        )
        order_a2, (a2_terms, a2_april) = self._confirmed_order(
            {"kind": "days", "days": 0, "fixed_amount": 150},
            {
                "kind": "date",
                "date": "2026-03-01",
                "percent": 50,
                "due_date": "2026-04-01",
            },
            price=500.0,
            partner_id=self.partner_a.id,
        )
        order_b, (b_terms, b_may) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 25},
            {"kind": "manual", "percent": 35, "is_reached": True, "due_days": 52},
            partner_id=self.partner_b.id,
        )
        wizard = self._wizard()
        billable = a1_terms | a1_april | a1_reached | a2_terms | a2_april
        self.assertEqual(wizard.line_ids.milestone_id, billable | b_terms | b_may)
        wizard.line_ids.filtered(lambda line: line.milestone_id == a2_april).write(
            {"include": False}
        )

        preview = self._preview(wizard)
        self.assertEqual(
            {
                milestones: sum(milestones.mapped("amount"))
                for milestones in preview.values()
            },
            {
                a1_terms | a2_terms: 250.0,
                a1_april | a1_reached: 500.0,
                b_terms: 250.0,
                b_may: 350.0,
            },
        )
        keys = {milestones: key for key, milestones in preview.items()}
        self.assertRegex(keys[a1_terms | a2_terms], r"partner_a, USD, Payment terms$")
        self.assertRegex(keys[b_may], r"partner_b, USD, Due 05/01/2026$")
        self.assertEqual(
            (wizard.invoice_count, wizard.milestone_count, wizard.amount_total),
            (4, 6, 1350.0),
        )

        invoices = self._invoices(wizard.action_create_invoices())
        self.assertEqual(
            order_a1.invoice_ids | order_a2.invoice_ids | order_b.invoice_ids, invoices
        )
        self.assertEqual(len(invoices), wizard.invoice_count)
        self.assertEqual(
            {
                invoice.billing_milestone_ids: invoice.amount_untaxed
                for invoice in invoices
            },
            {
                milestones: sum(milestones.mapped("amount"))
                for milestones in preview.values()
            },
        )
        by_milestones = {invoice.billing_milestone_ids: invoice for invoice in invoices}
        self.assertEqual(by_milestones[b_may].partner_id, self.partner_b)
        self.assertEqual(by_milestones[b_may].invoice_date_due, date(2026, 5, 1))
        self.assertEqual(invoices.mapped("state"), ["draft"] * 4)
        self.assertEqual((a2_april | a1_later).mapped("status"), ["to_process"] * 2)

    def test_invoice_address_decides_the_invoice(self):
        billing = self.env["res.partner"].create(
            {"name": "Billing Desk", "parent_id": self.partner_b.id, "type": "invoice"}
        )
        orders = self.env["sale.order"]
        milestones = self.env["sale.billing.milestone"]
        for customer in self.customers:
            order = self._create_order(
                partner_id=customer.id, partner_invoice_id=billing.id
            )
            milestones |= self._add_milestones(
                order.order_line, {"kind": "days", "days": 0, "percent": 10}
            )
            orders |= order
        orders.action_confirm()
        wizard = self._wizard()
        self.assertEqual(wizard.line_ids.partner_id, self.customers)
        self.assertEqual(len(self._preview(wizard)), 1)
        self.assertEqual(wizard.invoice_count, 1)
        invoice = self._invoices(wizard.action_create_invoices())
        self.assertEqual(invoice.partner_id, billing)
        self.assertEqual(invoice.billing_milestone_ids, milestones)

    @freeze_time("2026-03-10")
    def test_as_of_date_brings_in_a_milestone_not_due_today(self):
        _order, (today, later) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "days", "days": 30, "percent": 70},
            partner_id=self.partner_a.id,
        )
        form = Form(self.env["sale.billing.milestone.invoice"])
        form.partner_ids.add(self.partner_a)
        self.assertEqual(form.date, date(2026, 3, 10))
        self.assertEqual(form.milestone_count, 1)
        self.assertEqual(form.amount_total, 300.0)
        form.date = date(2026, 4, 9)
        self.assertEqual(form.milestone_count, 2)
        self.assertEqual(form.amount_total, 1000.0)
        invoice = self._invoices(form.save().action_create_invoices())
        self.assertEqual(invoice.billing_milestone_ids, today | later)
        self.assertEqual(invoice.amount_untaxed, 1000.0)
        self.assertEqual(later.status, "processed")

    def test_unticked_milestone_stays_to_process(self):
        order, (first, second) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "manual", "percent": 20, "is_reached": True},
            partner_id=self.partner_a.id,
        )
        form = Form(self.env["sale.billing.milestone.invoice"])
        form.partner_ids.add(self.partner_a)
        with form.line_ids.edit(1) as line:
            self.assertEqual(line.milestone_id, second)
            line.include = False
        self.assertEqual((form.milestone_count, form.amount_total), (1, 300.0))
        form.save().action_create_invoices()
        self.assertEqual(order.invoice_ids.billing_milestone_ids, first)
        self.assertEqual(first.status, "processed")
        self.assertEqual(second.status, "to_process")

    @freeze_time("2026-03-10")
    def test_untick_survives_a_change_of_date(self):
        _order, (first, _second) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "days", "days": 10, "percent": 20},
            partner_id=self.partner_a.id,
        )
        form = Form(self.env["sale.billing.milestone.invoice"])
        form.partner_ids.add(self.partner_a)
        with form.line_ids.edit(0) as line:
            line.include = False
        form.date = date(2026, 3, 20)
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.milestone_id, first)
            self.assertFalse(line.include)
        self.assertEqual((form.milestone_count, form.amount_total), (1, 200.0))

    def test_held_processed_and_waiting_milestones_are_not_previewed(self):
        _order, (due, held, processed, waiting) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 10},
            {"kind": "days", "days": 0, "percent": 10},
            {"kind": "days", "days": 0, "percent": 10},
            {"kind": "manual", "percent": 10},
            partner_id=self.partner_a.id,
        )
        held._put_on_hold("Customer dispute")
        self._invoice_milestones(processed)
        quotation = self._create_order(partner_id=self.partner_a.id)
        self._add_milestones(
            quotation.order_line, {"kind": "date", "date": "2020-01-01", "percent": 10}
        )
        wizard = self._wizard(date=date(2100, 1, 1))
        self.assertEqual(wizard.line_ids.milestone_id, due)
        self.assertEqual((held.status, waiting.status), ("hold", "to_process"))

    def test_create_and_post_posts_the_invoices(self):
        _order_a, milestone_a = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 10}, partner_id=self.partner_a.id
        )
        _order_b, milestone_b = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 20}, partner_id=self.partner_b.id
        )
        action = self._wizard().action_create_and_post_invoices()
        self.assertEqual(action["res_model"], "account.move")
        invoices = self._invoices(action)
        self.assertEqual(len(invoices), 2)
        self.assertEqual(invoices.mapped("state"), ["posted"] * 2)
        self.assertEqual(invoices.billing_milestone_ids, milestone_a | milestone_b)
        self.assertEqual(
            (milestone_a | milestone_b).mapped("invoice_state"), ["posted"] * 2
        )

    def test_one_invoice_opens_in_its_form(self):
        _order, milestone = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 10}, partner_id=self.partner_a.id
        )
        action = self._wizard().action_create_invoices()
        self.assertEqual(action["res_id"], milestone.invoice_id.id)
        self.assertEqual(action["views"][0][1], "form")

    def test_opened_from_orders_previews_those_orders(self):
        order, milestone = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 10}, partner_id=self.partner_a.id
        )
        self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 20}, partner_id=self.partner_a.id
        )
        action = self.env.ref(
            "sale_milestone_billing.sale_billing_milestone_invoice_action_from_orders"
        )
        self.assertEqual(
            (action.binding_model_id.model, action.binding_view_types),
            ("sale.order", "list"),
        )
        form = Form(
            self.env["sale.billing.milestone.invoice"].with_context(
                active_model="sale.order", active_ids=order.ids
            )
        )
        self.assertEqual(form.order_ids[:], order)
        self.assertEqual(form.milestone_count, 1)
        wizard = form.save()
        self.assertEqual(wizard.line_ids.milestone_id, milestone)
        other = self.env["sale.billing.milestone.invoice"].with_context(
            active_model="res.partner", active_ids=self.partner_a.ids
        )
        self.assertFalse(other.create({}).order_ids)

    def test_ordinary_order_lines_are_never_invoiced(self):
        order = self._create_order(partner_id=self.partner_a.id)
        order.order_line = [Command.create({"product_id": self.product_ordinary.id})]
        milestone_line = order.order_line.filtered("is_billing_milestone_line")
        ordinary_line = order.order_line - milestone_line
        milestone = self._add_milestones(
            milestone_line, {"kind": "days", "days": 0, "percent": 10}
        )
        order.action_confirm()
        self.assertEqual(ordinary_line.invoice_status, "to invoice")
        invoice = self._invoices(self._wizard().action_create_invoices())
        self.assertEqual(invoice.invoice_line_ids.billing_milestone_id, milestone)
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids, milestone_line)
        self.assertEqual(ordinary_line.invoice_status, "to invoice")

    def test_nothing_included_is_refused(self):
        _order, _milestone = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 10}, partner_id=self.partner_a.id
        )
        wizard = self._wizard()
        wizard.line_ids.include = False
        with self.assertRaisesRule(
            UserError, r"^No billing milestone is included, so there is nothing"
        ):
            wizard.action_create_invoices()

    def test_milestone_changed_since_the_preview_is_refused(self):
        order, (first, second) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 10},
            {"kind": "days", "days": 0, "percent": 20},
            partner_id=self.partner_a.id,
        )
        wizard = self._wizard()
        second._put_on_hold("Customer dispute")
        with self.assertRaisesRule(
            UserError,
            r"^Billing milestone M2 of %s cannot be invoiced as of" % order.name,
        ):
            wizard.action_create_invoices()
        self.assertEqual(first.status, "to_process")

    def test_invoicing_user_runs_the_wizard(self):
        clerk = new_test_user(
            self.env,
            login="billing_clerk",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        _order, milestone = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 10}, partner_id=self.partner_a.id
        )
        wizard = (
            self.env["sale.billing.milestone.invoice"]
            .with_user(clerk)
            .create({"partner_ids": [Command.set(self.customers.ids)]})
        )
        invoice = self._invoices(wizard.action_create_and_post_invoices())
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(milestone.invoice_id, invoice)
