# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from freezegun import freeze_time
from lxml import etree, html

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.misc import format_date
from odoo.tools.safe_eval import safe_eval

from .common import BillingMilestoneCommon, cell_text, schedule_rows

SEARCH_VIEW = "sale_milestone_billing.sale_billing_milestone_view_search"
FORECAST_ACTION = "sale_milestone_billing.sale_billing_milestone_action_forecast"


@tagged("post_install", "-at_install")
class TestReportsPortal(BillingMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One milestone per situation the search filters tell apart, on 2025-06-15.
        cls.order = cls._create_order(contract_date="2025-06-01")
        (
            cls.due_before,
            cls.due_later,
            cls.not_reached,
            cls.held,
            cls.processed,
            cls.due_today,
        ) = cls._add_milestones(
            cls.order.order_line,
            {"kind": "date", "date": "2025-06-10", "percent": 10},
            {"kind": "date", "date": "2025-07-01", "percent": 10},
            {"kind": "manual", "percent": 10},
            {"kind": "date", "date": "2025-06-05", "percent": 10},
            {"kind": "date", "date": "2025-06-01", "percent": 10},
            {"kind": "date", "date": "2025-06-15", "percent": 10},
        )
        cls.order.action_confirm()
        cls.held._put_on_hold("Customer dispute")
        cls._invoice_milestones(cls.processed)
        cls.milestones = cls.order.billing_milestone_ids

    def _render_order_pdf(self, order):
        content, __ = self.env["ir.actions.report"]._render_qweb_html(
            "sale.action_report_saleorder", order.ids
        )
        return schedule_rows(content, "//div[@id='billing_schedule']")

    def _search_filter(self, name):
        """The milestones of the class that the search view's filter ``name``
        keeps, its domain evaluated as the web client does."""
        arch = etree.fromstring(self.env.ref(SEARCH_VIEW).arch)
        [node] = arch.xpath(f"//filter[@name='{name}']")
        today = fields.Date.context_today(self.env.user)
        domain = safe_eval(node.get("domain"), {"context_today": lambda: today})
        return self.milestones.search([("id", "in", self.milestones.ids)] + domain)

    def test_quotation_pdf_prints_the_schedule_of_each_scheduled_line(self):
        quotation = self._create_order(self.product_scheduled)
        self.assertEqual(
            self._render_order_pdf(quotation),
            [
                ["M1", "Kick-off", "At signature", "30 %", "$ 300.00", ""],
                [
                    "M2",
                    "Design approved",
                    "When Design approved is reached",
                    "40 %",
                    "$ 400.00",
                    "",
                ],
                [
                    "M3",
                    "Go-live",
                    "90 days after signature",
                    "30 %",
                    "$ 300.00",
                    "",
                ],
            ],
        )

    def test_order_pdf_prints_dates_once_known(self):
        order = self._create_order(self.product_scheduled, contract_date="2025-06-01")
        design = order.order_line.billing_milestone_ids[1]
        design.write({"is_reached": True, "reached_date": "2025-06-20"})
        order.action_confirm()
        rows = self._render_order_pdf(order)
        self.assertEqual(
            [row[2] for row in rows],
            [
                "At signature (%s)" % format_date(self.env, date(2025, 6, 1)),
                "When Design approved is reached (%s)"
                % format_date(self.env, date(2025, 6, 20)),
                "90 days after signature (%s)"
                % format_date(self.env, date(2025, 8, 30)),
            ],
        )
        self.assertEqual(rows[1][5], format_date(self.env, date(2025, 7, 20)))

    def test_order_pdf_prints_fixed_amounts(self):
        order = self._create_order(price=1234.5)
        self._add_milestones(
            order.order_line,
            {"kind": "date", "date": "2025-09-01", "fixed_amount": 1000.25},
            {"kind": "manual", "percent": 10, "description": "Handover"},
        )
        rows = self._render_order_pdf(order)
        self.assertEqual(rows[0][3:5], ["81.02 %", "$ 1,000.25"])
        self.assertEqual(
            rows[1][1:5],
            ["Handover", "When Handover is reached", "10 %", "$ 123.45"],
        )

    def test_order_pdf_prints_a_date_once(self):
        order = self._create_order(contract_date="2025-06-01")
        self._add_milestones(
            order.order_line,
            {"kind": "date", "date": "2025-09-01", "percent": 50},
            {
                "kind": "manual",
                "percent": 50,
                "description": "Handover",
                "latest_kind": "date",
                "latest_date": "2025-10-01",
            },
        )
        rows = self._render_order_pdf(order)
        self.assertEqual(
            [row[2] for row in rows],
            [
                "On %s" % format_date(self.env, date(2025, 9, 1)),
                "When Handover is reached, or on %s at the latest"
                % format_date(self.env, date(2025, 10, 1)),
            ],
        )

    def test_order_pdf_prints_shares_without_useless_decimals(self):
        order = self._create_order()
        self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 12.5},
            {"kind": "days", "days": 30, "percent": 87.5},
        )
        content, __ = self.env["ir.actions.report"]._render_qweb_html(
            "sale.action_report_saleorder", order.ids
        )
        cells = html.fromstring(content).xpath(
            "//div[@id='billing_schedule']//td[@name='td_share']"
            "/span[contains(@class, 'text-nowrap')]"
        )
        self.assertEqual([cell_text(cell) for cell in cells], ["12.5 %", "87.5 %"])

    def test_order_pdf_without_schedule_has_no_billing_schedule(self):
        order = self._create_order(self.product_ordinary, price=100.0)
        content, __ = self.env["ir.actions.report"]._render_qweb_html(
            "sale.action_report_saleorder", order.ids
        )
        self.assertIsNone(schedule_rows(content, "//div[@id='billing_schedule']"))
        self.assertNotIn(b"Billing Schedule", content)

    # Search filters

    @freeze_time("2025-06-15")
    def test_filter_billable_now_keeps_milestones_invoiceable_today(self):
        # Billable Now is a stored fact: the housekeeping job records the day.
        self.env["sale.billing.milestone"]._record_due_milestones()
        self.assertEqual(
            self._search_filter("billable_now"), self.due_before | self.due_today
        )

    @freeze_time("2025-06-15")
    def test_filter_not_yet_due_keeps_future_and_unreached_milestones(self):
        self.assertEqual(
            self._search_filter("not_yet_due"), self.due_later | self.not_reached
        )

    @freeze_time("2025-06-15")
    def test_filter_on_hold_keeps_held_milestones(self):
        self.assertEqual(self._search_filter("hold"), self.held)

    @freeze_time("2025-06-15")
    def test_filter_processed_keeps_processed_milestones(self):
        self.assertEqual(self._search_filter("processed"), self.processed)

    @freeze_time("2025-06-15")
    def test_filter_overdue_keeps_past_milestones_not_processed(self):
        self.assertEqual(self._search_filter("overdue"), self.due_before | self.held)

    # Cash-in forecast

    def test_forecast_leaves_out_paid_milestones_and_cancelled_orders(self):
        invoiced_order = self._create_order(contract_date="2025-05-01")
        paid, unpaid = self._add_milestones(
            invoiced_order.order_line,
            {"kind": "date", "date": "2025-05-01", "percent": 50},
            {"kind": "date", "date": "2025-05-02", "percent": 50, "due_days": 45},
        )
        invoiced_order.action_confirm()
        self._invoice(invoiced_order).action_post()
        self._pay(paid.invoice_id)
        self.assertIn(paid.invoice_payment_state, ("paid", "in_payment"))
        self.assertEqual(unpaid.invoice_payment_state, "not_paid")
        cancelled_order = self._create_order(contract_date="2025-05-01")
        cancelled = self._add_milestones(
            cancelled_order.order_line,
            {"kind": "date", "date": "2025-05-01", "percent": 100},
        )
        cancelled_order.action_cancel()

        candidates = self.milestones | paid | unpaid | cancelled
        domain = [("id", "in", candidates.ids)] + safe_eval(
            self.env.ref(FORECAST_ACTION).domain
        )
        self.assertEqual(
            self.env["sale.billing.milestone"].search(domain),
            self.milestones.filtered("expected_payment_date") | unpaid,
        )
        # Due on 2025-06-16; the others have no payment delay, so their billable
        # date; the one not reached yet has no date, so no month: not forecast.
        self.assertEqual(
            self.env["sale.billing.milestone"]._read_group(
                domain, ["expected_payment_date:month"], ["amount:sum"]
            ),
            [(date(2025, 6, 1), 900.0), (date(2025, 7, 1), 100.0)],
        )

    def test_forecast_opens_on_confirmed_orders_without_new(self):
        action = self.env.ref(FORECAST_ACTION)
        self.assertEqual(safe_eval(action.context)["search_default_confirmed"], 1)
        arch = self.env["sale.billing.milestone"].get_views(
            [(self.env.ref(FORECAST_ACTION).view_ids[2].view_id.id, "list")]
        )["views"]["list"]["arch"]
        self.assertIn('create="0"', arch)
        self.assertIn('name="expected_payment_date"', arch)


@tagged("post_install", "-at_install")
class TestBillingSchedulePortal(BillingMilestoneCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_password = "smb-portal-a-password"
        cls.portal_user = new_test_user(
            cls.env,
            login="smb_portal_a",
            password=cls.portal_password,
            groups="base.group_portal",
            partner_id=cls.partner_a.id,
        )
        cls.order_a = cls._create_order(cls.product_scheduled)
        cls.order_a.action_confirm()
        cls.order_b = cls._create_order(partner_id=cls.partner_b.id)
        cls._add_milestones(
            cls.order_b.order_line,
            {"kind": "manual", "percent": 60, "description": "Zanzibar secret rollout"},
            {"kind": "manual", "percent": 40, "description": "Quetzal private audit"},
        ).write({"name": "XB-PRIVATE"})
        cls.order_b.action_confirm()
        cls.secrets_of_b = ["XB-PRIVATE", "Zanzibar secret rollout", "Quetzal private"]

    def _page(self, order):
        response = self.url_open(order.access_url)
        self.assertEqual(response.status_code, 200)
        return response

    def test_customer_sees_the_billing_schedule_of_his_order(self):
        kick_off = self.order_a.order_line.billing_milestone_ids[0]
        invoice = self.order_a._create_invoices()
        invoice.action_post()
        self.assertEqual(kick_off.invoice_id, invoice)
        self.authenticate(self.portal_user.login, self.portal_password)
        page = self._page(self.order_a).content
        rows = schedule_rows(page, "//section[@id='billing_schedule']")
        contract_date = self.order_a.contract_date
        self.assertEqual(
            [row[:6] for row in rows],
            [
                [
                    "M1",
                    "Kick-off",
                    "At signature (%s)" % format_date(self.env, contract_date),
                    "30 %",
                    "$ 300.00",
                    "Invoiced",
                ],
                [
                    "M2",
                    "Design approved",
                    "When Design approved is reached",
                    "40 %",
                    "$ 400.00",
                    "Upcoming",
                ],
                [
                    "M3",
                    "Go-live",
                    "90 days after signature (%s)"
                    % format_date(self.env, contract_date + timedelta(days=90)),
                    "30 %",
                    "$ 300.00",
                    "Upcoming",
                ],
            ],
        )
        self.assertEqual([row[6] for row in rows], [invoice.name, "", ""])
        total = html.fromstring(page).xpath("//tr[@name='billing_schedule_total']")
        self.assertIn("$ 1,000.00", cell_text(total[0]))
        [link] = html.fromstring(page).xpath("//section[@id='billing_schedule']//a")
        self.assertTrue(link.get("href").startswith(f"{invoice.access_url}?"))
        for secret in self.secrets_of_b:
            self.assertNotIn(secret, page.decode())

    def test_customer_prints_the_billing_schedule_of_his_order(self):
        self.authenticate(self.portal_user.login, self.portal_password)
        response = self.url_open(f"{self.order_a.access_url}?report_type=html")
        self.assertEqual(response.status_code, 200)
        rows = schedule_rows(response.content, "//div[@id='billing_schedule']")
        self.assertEqual(
            [row[:2] + row[4:5] for row in rows],
            [
                ["M1", "Kick-off", "$ 300.00"],
                ["M2", "Design approved", "$ 400.00"],
                ["M3", "Go-live", "$ 300.00"],
            ],
        )

    def test_customer_cannot_open_another_customers_order(self):
        self.authenticate(self.portal_user.login, self.portal_password)
        response = self.url_open(self.order_b.access_url, allow_redirects=False)
        self.assertIn(response.status_code, (303, 403))
        response = self.url_open(self.order_b.access_url)
        self.assertTrue(response.url.endswith("/my"), response.url)
        for secret in self.secrets_of_b:
            self.assertNotIn(secret, response.text)

    def test_draft_invoice_is_not_linked(self):
        self.order_a._create_invoices()
        self.authenticate(self.portal_user.login, self.portal_password)
        page = self._page(self.order_a).content
        self.assertFalse(
            html.fromstring(page).xpath("//section[@id='billing_schedule']//a")
        )

    def test_portal_user_cannot_read_billing_milestones_directly(self):
        milestones = self.env["sale.billing.milestone"].with_user(self.portal_user)
        with self.assertRaises(AccessError):
            milestones.search([("order_id", "=", self.order_a.id)])

    def test_customer_reads_each_date_once_and_shares_on_one_line(self):
        order = self._create_order(contract_date="2025-06-01")
        self._add_milestones(
            order.order_line,
            {"kind": "date", "date": "2026-12-20", "percent": 30},
            {"kind": "days", "days": 10, "percent": 70},
        )
        order.action_confirm()
        self.authenticate(self.portal_user.login, self.portal_password)
        page = self._page(order).content
        rows = schedule_rows(page, "//section[@id='billing_schedule']")
        self.assertEqual(
            [row[2:4] for row in rows],
            [
                ["On %s" % format_date(self.env, date(2026, 12, 20)), "30 %"],
                [
                    "10 days after signature (%s)"
                    % format_date(self.env, date(2025, 6, 11)),
                    "70 %",
                ],
            ],
        )
        shares = html.fromstring(page).xpath(
            "//section[@id='billing_schedule']//tr[@data-milestone-id]/td[4]/span"
        )
        self.assertEqual([share.get("class") for share in shares], ["text-nowrap"] * 2)

    def test_customer_reads_a_deemed_acceptance_as_done(self):
        order, milestone = self._go_live_awaiting_acceptance()
        deemed_on = self._deem_accepted()
        self.authenticate(self.portal_user.login, self.portal_password)
        rows = schedule_rows(
            self._page(order).content, "//section[@id='billing_schedule']"
        )
        self.assertEqual(
            rows[0][2],
            "Go-live was reached and deemed accepted on %s, as no answer came in time"
            % format_date(self.env, deemed_on),
        )
