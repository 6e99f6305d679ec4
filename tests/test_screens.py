# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the screens a user meets first say: Create Invoice, the Cash-in
Forecast, the order's Billing Schedule tab."""

from lxml import etree

from odoo import Command
from odoo.tests import Form, tagged

from .common import BillingMilestoneCommon

FORECAST_ACTION = "sale_milestone_billing.sale_billing_milestone_action_forecast"


@tagged("post_install", "-at_install")
class TestCreateInvoiceScreen(BillingMilestoneCommon):
    def _wizard(self, order, method="percentage"):
        """Create Invoice as the order's header button opens it: Odoo asks for
        a down payment when nothing is to be invoiced."""
        return Form(
            self.env["sale.advance.payment.inv"].with_context(
                active_model="sale.order",
                active_ids=order.ids,
                default_advance_payment_method=method,
            )
        )

    @staticmethod
    def _items(wizard):
        html = etree.fromstring(str(wizard.billing_schedule_info))
        return [item.text for item in html.iter("li")]

    def test_a_scheduled_order_opens_on_a_regular_invoice(self):
        order, __ = self._confirmed_order(
            {"kind": "manual", "percent": 40, "description": "Design approved"},
            {"kind": "date", "date": "2030-12-20", "percent": 60},
        )
        self.assertEqual(order.invoice_status, "no")
        wizard = self._wizard(order)
        self.assertEqual(wizard.advance_payment_method, "delivered")
        self.assertEqual(
            self._items(wizard),
            [
                f"{order.name}, M1 - Design approved: Not reached yet",
                f"{order.name}, M2: Not due until 12/20/2030",
            ],
        )

    def test_the_info_says_what_is_billable_now_and_leaves_out_what_is_billed(self):
        order, (m1, m2, __) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "manual", "percent": 40},
        )
        self._invoice_milestones(m1)
        self.assertTrue(m2.is_billable_now)
        wizard = self._wizard(order, method="delivered")
        self.assertEqual(
            self._items(wizard),
            [f"{order.name}, M2: billable now", f"{order.name}, M3: Not reached yet"],
        )

    def test_the_info_escapes_what_users_typed(self):
        order, __ = self._confirmed_order(
            {"kind": "manual", "percent": 100, "description": "<b>Design</b>"},
        )
        self.assertIn(
            "&lt;b&gt;Design&lt;/b&gt;", self._wizard(order).billing_schedule_info
        )

    def test_an_order_without_schedule_keeps_odoos_down_payment(self):
        order = self._create_order(self.product_milestone)
        order.action_confirm()
        wizard = self._wizard(order)
        self.assertEqual(wizard.advance_payment_method, "percentage")
        self.assertFalse(wizard.billing_schedule_info)


@tagged("post_install", "-at_install")
class TestCashInForecastScreen(BillingMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax_15 = cls.env["account.tax"].create(
            {"name": "Sales 15 %", "amount": 15.0, "type_tax_use": "sale"}
        )

    def test_the_forecast_sums_what_the_customer_pays_taxes_included(self):
        order = self._create_order(price=10000.0)
        order.order_line.tax_id = [Command.set(self.tax_15.ids)]
        m1, m2 = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 60},
            {"kind": "days", "days": 30, "percent": 40},
        )
        order.action_confirm()
        self.assertEqual((m2.amount, m2.amount_total), (4000.0, 4600.0))
        self._invoice_milestones(m1)
        self.assertEqual(m1.amount_total, m1.invoice_line_id.price_total)
        self.assertEqual(m1.amount_total, 6900.0)

        view = self.env.ref(FORECAST_ACTION).view_ids[1].view_id
        arch = self.env["sale.billing.milestone"].get_views([(view.id, "pivot")])
        measures = [
            node.get("name")
            for node in etree.fromstring(arch["views"]["pivot"]["arch"]).iter("field")
            if node.get("type") == "measure"
        ]
        self.assertEqual(measures, ["amount_total", "amount"])
        totals = self.env["sale.billing.milestone"]._read_group(
            [("order_id", "=", order.id)], [], ["amount_total:sum", "amount:sum"]
        )
        self.assertEqual(totals, [(11500.0, 10000.0)])

    def test_a_tax_included_in_the_price_is_added_to_the_untaxed_amount(self):
        tax = self.env["account.tax"].create(
            {
                "name": "Sales 15 % included",
                "amount": 15.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        order = self._create_order(price=1150.0)
        order.order_line.tax_id = [Command.set(tax.ids)]
        m1, m2 = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 50},
            {"kind": "days", "days": 30, "percent": 50},
        )
        order.action_confirm()
        self.assertEqual((m2.amount, m2.amount_total), (500.0, 575.0))
        self._invoice_milestones(m1)
        self.assertEqual((m1.amount, m1.amount_total), (500.0, 575.0))

    def test_the_taxed_amount_follows_a_new_tax(self):
        order = self._create_order(price=1000.0)
        (m1,) = self._add_milestones(
            order.order_line, {"kind": "manual", "percent": 100}
        )
        self.assertEqual(m1.amount_total, 1000.0)
        order.order_line.tax_id = [Command.set(self.tax_15.ids)]
        self.assertEqual(m1.amount_total, 1150.0)


@tagged("post_install", "-at_install")
class TestBillingScheduleTab(BillingMilestoneCommon):
    """The order's Billing Schedule tab, as the form holds it before saving."""

    def test_a_new_row_gets_the_line_and_counts_in_the_header_before_saving(self):
        order = self._create_order(self.product_scheduled)
        line = order.order_line
        order_form = Form(order)
        self.assertEqual(order_form.billing_scheduled_amount, 1000.0)
        self.assertFalse(order_form.billing_overscheduled_message)
        with order_form.billing_milestone_ids.new() as milestone:
            self.assertEqual(milestone.sale_line_id, line)
            milestone.name = "M4"
            milestone.fixed_amount = 100
        self.assertEqual(order_form.billing_scheduled_amount, 1100.0)
        self.assertEqual(
            order_form.billing_overscheduled_message,
            "The schedule of Website (scheduled) covers 110 % of the line's untaxed "
            "net amount: lower a percent or an amount before saving.",
        )

    def test_the_tab_shows_as_soon_as_a_scheduled_product_is_picked(self):
        order_form = Form(self.env["sale.order"])
        order_form.partner_id = self.customer
        self.assertFalse(order_form.is_product_milestone)
        with order_form.order_line.new() as line:
            line.product_id = self.product_scheduled
            self.assertEqual(
                line.billing_schedule_summary, "M1 30 % · M2 40 % · M3 30 %"
            )
        self.assertTrue(order_form.is_product_milestone)

    def test_two_scheduled_lines_give_a_new_row_no_line(self):
        order = self._create_order(self.product_scheduled)
        order.order_line = [Command.create({"product_id": self.product_scheduled.id})]
        self.assertFalse(order.billing_default_line_id)
        order.order_line[1].unlink()
        self.assertEqual(order.billing_default_line_id, order.order_line)

    def test_the_line_column_reads_the_line_without_the_order_name(self):
        order = self._create_order(self.product_scheduled)
        line = order.order_line
        self.assertTrue(line.display_name.startswith(f"{order.name} - "))
        short = line.with_context(billing_line_short_name=True)
        self.assertEqual(short.display_name, "Website (scheduled)")

    def test_the_tab_says_when_a_line_needs_a_re_plan(self):
        order = self._create_order(self.product_scheduled)
        order.action_confirm()
        m1 = order.order_line.billing_milestone_ids[0]
        self._invoice_milestones(m1)
        self.assertFalse(order.billing_replan_needed)
        order.order_line.price_unit = 1200
        self.assertTrue(order.billing_replan_needed)

    def test_the_schedule_total_does_not_depend_on_the_page(self):
        """A page of 40 rows has no total of its own; the header counts all."""
        order = self._create_order(price=10000.0)
        self._add_milestones(
            order.order_line, *({"kind": "manual", "percent": 1} for __ in range(100))
        )
        order_form = Form(order)
        self.assertEqual(order_form.billing_scheduled_amount, 10000.0)
        view = self.env.ref(
            "sale_milestone_billing.sale_billing_milestone_view_list_schedule"
        )
        arch = etree.fromstring(view.arch)
        self.assertFalse(arch.xpath("//field[@sum]"))
        self.assertEqual(arch.xpath("//field")[0].get("widget"), "handle")

    def test_the_module_styles_compile(self):
        """A Sass error shows every user a "Style error" and old styles."""
        bundle = self.env["ir.qweb"]._get_asset_bundle("web.assets_backend", js=False)
        bundle.css()
        self.assertEqual(bundle.css_errors, [])


@tagged("post_install", "-at_install")
class TestMilestoneViews(BillingMilestoneCommon):
    def test_the_statusbar_reads_hold_before_processed(self):
        Milestone = self.env["sale.billing.milestone"]
        keys = [
            key
            for key, __ in Milestone._fields["status"]._description_selection(self.env)
        ]
        self.assertEqual(keys, ["to_process", "hold", "processed"])
        arch = etree.fromstring(Milestone.get_view(view_type="form")["arch"])
        [statusbar] = arch.xpath("//field[@name='status'][@widget='statusbar']")
        self.assertEqual(statusbar.get("statusbar_visible"), "to_process,processed")

    def test_counts_of_days_are_no_pivot_measures(self):
        fields = self.env["sale.billing.milestone"].fields_get(
            attributes=["aggregator"]
        )
        measures = {name for name, field in fields.items() if field.get("aggregator")}
        self.assertFalse(
            measures
            & {
                "sequence",
                "days",
                "latest_days",
                "acceptance_days",
                "due_days",
                "percent",
            }
        )
        self.assertIn("amount", measures)
        self.assertIn("amount_total", measures)
