from odoo import Command, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged

# Two real transactions, so the data they share must be committed; each test
# removes what it committed.


@tagged("post_install", "-at_install")
class TestInvoicingRace(BaseCase):
    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "Race customer"})
            product = env["product.product"].create(
                {
                    "name": "Race milestones",
                    "type": "service",
                    "invoice_policy": "delivery",
                    "service_type": "milestones",
                    "taxes_id": [Command.clear()],
                }
            )
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "price_unit": 900})
                    ],
                }
            )
            env["sale.billing.milestone"].create(
                {
                    "sale_line_id": order.order_line.id,
                    "name": "M1",
                    "kind": "days",
                    "percent": 100,
                }
            )
            order.action_confirm()
            self.ids = {"partner": partner.id, "product": product.id, "order": order.id}
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            order = env["sale.order"].browse(self.ids["order"])
            order.invoice_ids.filtered(lambda m: m.state == "posted").button_draft()
            order.invoice_ids.unlink()
            order._action_cancel()
            order.unlink()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _order(self, cr):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        return env["sale.order"].browse(self.ids["order"])

    def test_two_users_invoicing_one_order_bill_each_milestone_once(self):
        with self.registry.cursor() as first_cr:
            first = self._order(first_cr)._create_invoices()
            with self.registry.cursor() as second_cr:
                with self.assertRaisesRegex(
                    UserError, r"being invoiced by someone else right now"
                ):
                    self._order(second_cr)._create_invoices()
                second_cr.rollback()
            self.assertEqual(first.amount_untaxed, 900)

        with self.registry.cursor() as cr:
            order = self._order(cr)
            self.assertEqual(len(order.invoice_ids), 1)
            milestone = order.billing_milestone_ids
            self.assertEqual(milestone.status, "processed")
            with self.assertRaisesRegex(UserError, r"M1: Already processed"):
                order._create_invoices()
            cr.rollback()
