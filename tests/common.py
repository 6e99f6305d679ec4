# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from datetime import timedelta

import pytest
from freezegun import freeze_time
from lxml import html

from odoo import Command, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged

from odoo.addons.sale.tests.common import TestSaleCommon


class BillingMilestoneCommon(TestSaleCommon):
    """A customer, milestone products with and without a schedule template, and a
    project: built once for the class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.config.settings"].create(
            {"group_project_milestone": True}
        ).execute()
        cls.customer = cls.partner_a
        cls.project = cls.env["project.project"].create(
            {"name": "Rebranding Projects", "allow_billable": True}
        )
        milestone_product = {
            "type": "service",
            "invoice_policy": "delivery",
            "service_type": "milestones",
            "service_tracking": "no",
            "taxes_id": [Command.clear()],
        }
        cls.product_milestone = cls.env["product.product"].create(
            {**milestone_product, "name": "Consulting (milestones)", "list_price": 1000}
        )
        cls.product_scheduled = cls.env["product.product"].create(
            {
                **milestone_product,
                "name": "Website (scheduled)",
                "list_price": 1000,
                "billing_milestone_template_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "M1",
                            "description": "Kick-off",
                            "kind": "days",
                            "days": 0,
                            "percent": 30,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "M2",
                            "description": "Design approved",
                            "kind": "manual",
                            "percent": 40,
                            "due_days": 30,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 3,
                            "name": "M3",
                            "description": "Go-live",
                            "kind": "days",
                            "days": 90,
                            "percent": 30,
                        }
                    ),
                ],
            }
        )
        cls.product_ordinary = cls.env["product.product"].create(
            {
                "name": "Prepaid support",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 100,
                "taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def _create_order(cls, product=None, quantity=1.0, price=1000.0, **values):
        """An order with one line of ``product`` (the plain milestone product) at
        ``price``, typed in after the line was made as a salesperson does, so that
        Odoo keeps it when the quantity changes."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": (product or cls.product_milestone).id,
                            "product_uom_qty": quantity,
                        }
                    )
                ],
                **values,
            }
        )
        order.order_line.price_unit = price
        return order

    @classmethod
    def _add_milestones(cls, line, *values_list):
        return cls.env["sale.billing.milestone"].create(
            [
                {"sale_line_id": line.id, "name": f"M{index}", **values}
                for index, values in enumerate(values_list, start=1)
            ]
        )

    @classmethod
    def _invoice_milestones(cls, milestones, post=False):
        """Bill ``milestones`` through the module's one invoicing path, as the
        batch wizard does: their orders confirmed, Manual ones reached, on the
        day the last of them becomes billable. The new invoices."""
        orders = milestones.order_id
        orders.filtered(lambda order: order.state in ("draft", "sent")).action_confirm()
        milestones.filtered(
            lambda m: m.kind == "manual" and not m.is_reached
        ).is_reached = True
        as_of = max(milestones.mapped("billable_date"))
        return orders._invoice_billing_milestones(
            as_of, milestones=milestones, whole_orders=False, post=post
        )

    def _confirmed_order(self, *milestone_values, quantity=1.0, price=1000.0, **values):
        """A confirmed order (see ``_create_order``) with one milestone per
        ``milestone_values``: the order and its milestones."""
        order = self._create_order(quantity=quantity, price=price, **values)
        milestones = self._add_milestones(order.order_line, *milestone_values)
        order.action_confirm()
        return order, milestones

    def _go_live_awaiting_acceptance(self):
        """A confirmed order whose one Manual milestone, Go-live (100 %, deemed
        accepted after 5 days), is reached and awaits the customer: the order
        and the milestone."""
        order, (milestone,) = self._confirmed_order(
            {
                "kind": "manual",
                "percent": 100,
                "description": "Go-live",
                "requires_acceptance": True,
                "acceptance_days": 5,
            }
        )
        milestone.action_reach()
        return order, milestone

    def _deem_accepted(self, days=5):
        """The daily job's deemed acceptance, ``days`` days from today: that day."""
        deemed_on = fields.Date.today() + timedelta(days=days)
        with freeze_time(deemed_on):
            self.env["sale.billing.milestone"]._apply_deemed_acceptance()
        return deemed_on

    def _invoice(self, orders, **values):
        """Create Invoice ‣ Regular Invoice, as a user clicks it: the new
        invoices."""
        before = orders.invoice_ids
        self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=orders.ids
        ).create({"advance_payment_method": "delivered", **values}).create_invoices()
        return orders.invoice_ids - before

    def _pay(self, invoices):
        """Register Payment of the whole amount of ``invoices``."""
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create({})._create_payments()

    @contextmanager
    def assertRaisesRule(self, exception, pattern):
        """Assert the error class and its message. Odoo's ``assertRaises`` runs
        the block in a savepoint, so what the refused operation wrote is undone."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)


class LedgerCase(BillingMilestoneCommon):
    """An order of 1,000 with M1 (30 %, billable today) and M2 (70 %, Manual),
    and the ways an accountant corrects an invoice."""

    def _order(self, price=1000.0, pricelist=None):
        values = {"pricelist_id": pricelist.id} if pricelist else {}
        order = self._create_order(price=price, **values)
        m1, m2 = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "manual", "percent": 70},
        )
        order.action_confirm()
        return order, m1, m2

    def _reverse(self, moves, modify=False, intent=None):
        """Credit Note (draft), or Full refund and new draft invoice; ``intent``:
        Credited Milestones as the accountant picks it, else the default."""
        values = {"reason": "Correction", "journal_id": moves.journal_id.id}
        if intent:
            values["billing_credit_intent"] = intent
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create(values)
        )
        if modify:
            wizard.modify_moves()
        else:
            wizard.refund_moves()
        return wizard.new_move_ids

    def _billed_m1(self):
        """The order, M1 and M2, and the posted invoice of M1."""
        order, m1, m2 = self._order()
        invoice = self._invoice(order)
        invoice.action_post()
        return order, m1, m2, invoice

    def _credit(self, invoice, price_unit=None, intent=None):
        """A posted credit note of ``invoice``, its line at ``price_unit`` if
        given: see ``_reverse``."""
        credit_note = self._reverse(invoice, intent=intent)
        if price_unit is not None:
            credit_note.invoice_line_ids.price_unit = price_unit
        credit_note.action_post()
        return credit_note

    def _live_lines(self, milestone):
        return self.env["account.move.line"].search(
            [
                ("billing_milestone_id", "=", milestone.id),
                ("billing_milestone_live", "=", True),
            ]
        )

    def assertBilledOnce(self, milestone, invoice):
        """Billed by one live line of ``invoice``, for its amount."""
        self.env.flush_all()
        live = self._live_lines(milestone)
        self.assertEqual(live.move_id, invoice)
        self.assertEqual(len(live), 1)
        self.assertEqual(milestone.status, "processed")
        self.assertEqual(milestone.invoice_id, invoice)
        self.assertEqual(milestone.amount, live.price_subtotal)

    def assertOpen(self, milestone):
        self.env.flush_all()
        self.assertFalse(self._live_lines(milestone))
        self.assertEqual(milestone.status, "to_process")
        self.assertFalse(milestone.invoice_id)


@tagged("-standard", "concurrency", "post_install", "-at_install")
class CommittedOrdersCase(BaseCase):
    """For tests of two real transactions, which only see committed data:
    confirmed orders of one milestone billable today (100 %) each, committed,
    and removed again after the test. They commit, so they never run by default,
    neither in Odoo's runner (``-standard``) nor in pytest (pytest.ini): CI runs
    them apart, on a database thrown away after them (scripts/test.sh)."""

    pytestmark = [pytest.mark.concurrency]

    def _commit_orders(self, *prices, auto_invoice=None):
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "Concurrent customer"})
            product = env["product.product"].create(
                {
                    "name": "Concurrent milestones",
                    "type": "service",
                    "invoice_policy": "delivery",
                    "service_type": "milestones",
                    "taxes_id": [Command.clear()],
                }
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            Command.create(
                                {"product_id": product.id, "price_unit": price}
                            )
                        ],
                    }
                    for price in prices
                ]
            )
            env["sale.billing.milestone"].create(
                [
                    {
                        "sale_line_id": order.order_line.id,
                        "name": "M1",
                        "kind": "days",
                        "percent": 100,
                    }
                    for order in orders
                ]
            )
            orders.action_confirm()
            company = orders.company_id
            self.committed = {
                "partner": partner.id,
                "product": product.id,
                "orders": orders.ids,
                "auto_invoice": company.billing_milestone_auto_invoice,
            }
            if auto_invoice:
                company.billing_milestone_auto_invoice = auto_invoice
        self.addCleanup(self._remove_committed_orders)

    def _remove_committed_orders(self):
        with self.registry.cursor() as cr:
            orders = self._orders(cr)
            orders.company_id.billing_milestone_auto_invoice = self.committed[
                "auto_invoice"
            ]
            orders.invoice_ids.filtered(lambda m: m.state == "posted").button_draft()
            orders.invoice_ids.unlink()
            orders._action_cancel()
            orders.unlink()
            orders.env["product.product"].browse(self.committed["product"]).unlink()
            orders.env["res.partner"].browse(self.committed["partner"]).unlink()

    def _orders(self, cr):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        return env["sale.order"].browse(self.committed["orders"])


def cell_text(node):
    return " ".join(node.text_content().split())


def schedule_rows(page, section_xpath):
    """Cell texts of each milestone row of the billing schedule, or None when the
    page has no billing schedule."""
    sections = html.fromstring(page).xpath(section_xpath)
    if not sections:
        return None
    return [
        [cell_text(cell) for cell in row.xpath("./td")]
        for row in sections[0].xpath(".//tr[@data-milestone-id]")
    ]
