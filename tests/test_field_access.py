# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json
import re

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import BillingMilestoneCommon

# Every field of a billing milestone a salesperson or an invoicing user may
# write, why, and a valid write of it on an open Manual milestone (M2, 70 %).
MILESTONE_WRITABLE = {
    "sequence": ("the schedule's order", {"sequence": 5}),
    "name": ("its identifier", {"name": "M9"}),
    "description": ("its description", {"description": "Renamed"}),
    "kind": ("its trigger", {"kind": "date", "date": "2027-01-01"}),
    "days": ("the days of a Days trigger", {"days": 3}),
    "date": ("the date of a Date trigger", {"date": "2027-01-01"}),
    "fixed_amount": ("its amount", {"fixed_amount": 500.0, "percent": 0.0}),
    "percent": ("its share", {"percent": 60.0}),
    "latest_kind": ("at the latest", {"latest_kind": "days", "latest_days": 30}),
    "latest_days": ("at the latest", {"latest_days": 30}),
    "latest_date": ("at the latest", {"latest_date": "2027-02-01"}),
    "requires_acceptance": ("the customer's sign-off", {"requires_acceptance": True}),
    "acceptance_days": ("deemed acceptance", {"acceptance_days": 5}),
    "due_days": ("the invoice's due date", {"due_days": 10}),
    "income_account_id": ("the account its invoice line posts to", None),
    "analytic_distribution": ("its invoice line's analytic distribution", None),
    "is_retention_release": (
        "releasing the line's retention",
        {"is_retention_release": True, "percent": 0.0},
    ),
    "due_date": ("the invoice's due date", {"due_date": "2027-03-01"}),
    "sale_line_id": ("moving it to another line of the order", None),
    "is_reached": ("reaching it", {"is_reached": True}),
    "reached_date": ("when it was reached", {"reached_date": "2026-01-01"}),
    "project_milestone_id": ("the project milestone it follows", None),
}

# Every other field: derived from the schedule, the order, the invoices or
# the customer, or given only by an action; refused with an error naming it.
MILESTONE_REFUSED = {
    "acceptance_deemed": "the daily job's acceptance",
    "acceptance_id": "the current acceptance request",
    "acceptance_ids": "the acceptance trail",
    "acceptance_requested_date": "the acceptance request",
    "acceptance_signature": "the customer's signature",
    "acceptance_state": "the acceptance trail",
    "accepted_by": "the customer's signature",
    "accepted_date": "the customer's acceptance",
    "allowed_project_ids": "the order's projects",
    "amount": "the schedule and the invoices",
    "amount_total": "the amount, the taxes and the invoices",
    "analytic_precision": "the decimal precision of analytic percentages",
    "billable_date": "the trigger",
    "billable_reason": "the trigger",
    "calendar_name": "the order, the customer and the milestone",
    "company_id": "the order line",
    "create_date": "Odoo's log",
    "create_uid": "Odoo's log",
    "credited_amount": "the credit notes",
    "currency_id": "the order line",
    "customer_amount": "the invoices",
    "customer_status": "the invoices",
    "customer_trigger": "the trigger",
    "display_name": "its name and description",
    "distribution_analytic_account_ids": "the analytic distribution",
    "effective_percent": "the amount",
    "expected_payment_date": "the due date and the payment terms",
    "hold_reason": "Put on Hold",
    "hold_release_date": "Put on Hold",
    "id": "Odoo's",
    "invoice_id": "the invoices",
    "invoice_line_id": "the invoices",
    "invoice_line_ids": "the invoices",
    "invoice_payment_state": "the invoices",
    "invoice_state": "the invoices",
    "is_billable_now": "the trigger, the calendar and the invoices",
    "is_due": "the calendar (housekeeping job)",
    "on_hold": "Put on Hold and Release, for managers",
    "order_id": "the order line",
    "partner_id": "the order",
    "product_id": "the order line",
    "release_reason": "Release",
    "reopened_by_line_id": "the credit notes",
    "reopened_from_id": "the credit notes",
    "reopened_ids": "the credit notes",
    "retention_amount": "the amount and the line's Retention %",
    "retention_release_waiting": "the line's other milestones",
    "status": "the invoices",
    "write_date": "Odoo's log",
    "write_uid": "Odoo's log",
}

# A product's template: sales managers write the schedule, nobody the rest.
TEMPLATE_WRITABLE = {
    "sequence": {"sequence": 5},
    "name": {"name": "M9"},
    "description": {"description": "Renamed"},
    "kind": {"kind": "date", "date": "2027-01-01"},
    "days": {"days": 3},
    "date": {"date": "2027-01-01"},
    "fixed_amount": {"fixed_amount": 500.0, "percent": 0.0},
    "percent": {"percent": 20.0},
    "latest_kind": {"latest_kind": "days", "latest_days": 30},
    "latest_days": {"latest_days": 30},
    "latest_date": {"latest_date": "2027-02-01"},
    "requires_acceptance": {"requires_acceptance": True},
    "acceptance_days": {"acceptance_days": 5},
    "due_days": {"due_days": 10},
    "income_account_id": None,
    "analytic_distribution": None,
    "is_retention_release": {"is_retention_release": True, "percent": 0.0},
    "product_tmpl_id": None,
}
TEMPLATE_REFUSED = {
    "analytic_precision": "the decimal precision of analytic percentages",
    "company_id": "the product",
    "currency_id": "the product",
    "create_date": "Odoo's log",
    "create_uid": "Odoo's log",
    "display_name": "its name and description",
    "distribution_analytic_account_ids": "the analytic distribution",
    "id": "Odoo's",
    "write_date": "Odoo's log",
    "write_uid": "Odoo's log",
}


@tagged("post_install", "-at_install")
class TestFieldAccess(BillingMilestoneCommon):
    """Each field, written through the ORM as each role's RPC call would be:
    writable by design, or refused with an error naming it, changing nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, "smb_fields_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.invoicing_user = new_test_user(
            cls.env, "smb_fields_invoicing", groups="account.group_account_invoice"
        )
        cls.project_user = new_test_user(
            cls.env, "smb_fields_project", groups="project.group_project_user"
        )
        cls.portal_user = new_test_user(
            cls.env, "smb_fields_portal", groups="base.group_portal"
        )
        cls.sales_manager = new_test_user(
            cls.env, "smb_fields_manager", groups="sales_team.group_sale_manager"
        )
        cls.order = cls._create_order(
            user_id=cls.salesman.id, project_id=cls.project.id
        )
        cls.order.order_line = [
            Command.create({"product_id": cls.product_milestone.id, "price_unit": 500})
        ]
        cls.line, cls.other_line = cls.order.order_line
        # So that a milestone may become its Retention Release.
        cls.line.billing_retention_percent = 10
        cls.product_scheduled.billing_retention_percent = 10
        cls.m1, cls.m2 = cls._add_milestones(
            cls.line,
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "manual", "percent": 70},
        )
        cls.project_milestone = cls.env["project.milestone"].create(
            {"name": "Design approved", "project_id": cls.project.id}
        )
        cls.order.action_confirm()
        # An invoice, so that there is one to forge a link to.
        cls._invoice_milestones(cls.m1)
        cls.template = cls.product_scheduled.billing_milestone_template_ids.filtered(
            lambda template: template.kind == "manual"
        )
        cls.analytic_account = cls.env["account.analytic.account"].create(
            {
                "name": "Rebranding",
                "plan_id": cls.env["account.analytic.plan"]
                .create({"name": "Projects"})
                .id,
            }
        )

    def _writable_values(self, name):
        if name == "sale_line_id":
            return {"sale_line_id": self.other_line.id}
        if name == "project_milestone_id":
            return {"project_milestone_id": self.project_milestone.id}
        if name == "product_tmpl_id":
            return {"product_tmpl_id": self.product_milestone.product_tmpl_id.id}
        if name == "income_account_id":
            return {
                "income_account_id": self.company_data["default_account_revenue"].id
            }
        if name == "analytic_distribution":
            return {"analytic_distribution": {str(self.analytic_account.id): 100}}
        return (MILESTONE_WRITABLE.get(name) or (None, None))[1]

    def _other_value(self, record, name):
        """A value of field ``name`` other than the record's, of its type."""
        field = record._fields[name]
        current = record.sudo()[name]
        if field.type in ("char", "text", "html"):
            return "Forged"
        if field.type in ("integer", "float", "monetary"):
            return (current or 0) + 42
        if field.type == "boolean":
            return not current
        if field.type == "date":
            return "2030-01-01"
        if field.type == "datetime":
            return "2030-01-01 00:00:00"
        if field.type == "binary":
            return base64.b64encode(b"forged")
        if field.type == "selection":
            keys = [key for key, __ in field._description_selection(self.env)]
            return next(key for key in keys if key != current)
        other = (
            self.env[field.comodel_name]
            .sudo()
            .search([("id", "not in", current.ids)], limit=1)
        )
        if field.type == "many2one":
            return other.id
        return [Command.link(other.id)]

    def _stored_values(self, record):
        names = [
            name
            for name, field in record._fields.items()
            if field.store and field.type not in ("one2many", "many2many", "binary")
        ]
        record.invalidate_recordset()
        return record.sudo().read(names)[0]

    def assertRefused(self, record, name, values, user):
        """Refused: an access error, or a user error naming the field."""
        label = record._fields[name]._description_string(self.env)
        before = self._stored_values(record)
        with mute_logger("odoo.models", "odoo.addons.base.models.ir_model"):
            # An access error is a user error too.
            with self.assertRaises(
                UserError, msg=f"{user.login} wrote {name}"
            ) as caught:
                record.with_user(user).write(values)
        if not isinstance(caught.exception, AccessError):
            self.assertRegex(
                str(caught.exception),
                re.compile(re.escape(label), re.IGNORECASE),
                f"{user.login}: the error on {name} does not name {label}",
            )
        self.assertEqual(self._stored_values(record), before, name)

    def assertWritable(self, record, name, values, user):
        with self.env.cr.savepoint(flush=False) as savepoint:
            record.with_user(user).write(values)
            record.env.flush_all()
            savepoint.rollback()
        record.invalidate_recordset()

    def test_every_milestone_field_has_a_decision(self):
        fields = set(self.env["sale.billing.milestone"]._fields)
        self.assertEqual(
            fields - set(MILESTONE_WRITABLE) - set(MILESTONE_REFUSED),
            set(),
            "new fields: decide whether users may write them",
        )
        self.assertFalse(set(MILESTONE_WRITABLE) & set(MILESTONE_REFUSED))

    def test_every_template_field_has_a_decision(self):
        fields = set(self.env["sale.billing.milestone.template"]._fields)
        self.assertEqual(fields - set(TEMPLATE_WRITABLE) - set(TEMPLATE_REFUSED), set())

    def test_salesman_and_invoicing_user_write_the_schedule_only(self):
        for user in (self.salesman, self.invoicing_user):
            for name in sorted(MILESTONE_WRITABLE):
                with self.subTest(user=user.login, field=name):
                    self.assertWritable(
                        self.m2, name, self._writable_values(name), user
                    )
            for name in sorted(MILESTONE_REFUSED):
                with self.subTest(user=user.login, field=name):
                    values = {name: self._other_value(self.m2, name)}
                    self.assertRefused(self.m2, name, values, user)

    def test_project_and_portal_users_write_no_milestone_field(self):
        for user in (self.project_user, self.portal_user):
            for name in sorted({*MILESTONE_WRITABLE, *MILESTONE_REFUSED}):
                with self.subTest(user=user.login, field=name):
                    values = self._writable_values(name) or {
                        name: self._other_value(self.m2, name)
                    }
                    self.assertRefused(self.m2, name, values, user)

    def test_sales_managers_write_the_template_schedule_only(self):
        for name in sorted(TEMPLATE_WRITABLE):
            with self.subTest(field=name):
                values = TEMPLATE_WRITABLE[name] or self._writable_values(name)
                self.assertWritable(self.template, name, values, self.sales_manager)
        for name in sorted(TEMPLATE_REFUSED):
            with self.subTest(field=name):
                values = {name: self._other_value(self.template, name)}
                self.assertRefused(self.template, name, values, self.sales_manager)

    def test_other_roles_write_no_template_field(self):
        users = (self.salesman, self.invoicing_user, self.project_user)
        for user in (*users, self.portal_user):
            for name in sorted({*TEMPLATE_WRITABLE, *TEMPLATE_REFUSED}):
                with self.subTest(user=user.login, field=name):
                    values = (
                        TEMPLATE_WRITABLE.get(name)
                        or self._writable_values(name)
                        or {name: self._other_value(self.template, name)}
                    )
                    self.assertRefused(self.template, name, values, user)

    def test_a_refused_field_is_refused_on_create_too(self):
        with self.assertRaisesRule(
            UserError, r"Billing Milestone: Due cannot be written"
        ):
            self.env["sale.billing.milestone"].with_user(self.salesman).create(
                {
                    "sale_line_id": self.other_line.id,
                    "name": "M3",
                    "kind": "date",
                    "date": "2030-01-01",
                    "percent": 10,
                    "is_due": True,
                }
            )


@tagged("post_install", "-at_install")
class TestFieldAccessOverRpc(HttpCase, BillingMilestoneCommon):
    def test_a_forged_fact_sent_over_json_rpc_is_refused(self):
        salesman = new_test_user(
            self.env,
            "smb_rpc_salesman",
            password="smb_rpc_salesman",
            groups="sales_team.group_sale_salesman",
        )
        order = self._create_order(user_id=salesman.id)
        milestone = self._add_milestones(
            order.order_line, {"kind": "date", "date": "2030-01-01", "percent": 50}
        )
        order.action_confirm()
        self.authenticate("smb_rpc_salesman", "smb_rpc_salesman")
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": "sale.billing.milestone",
                "method": "write",
                "args": [milestone.ids, {"is_billable_now": True, "is_due": True}],
                "kwargs": {},
            },
        }
        with mute_logger("odoo.http"):
            response = self.url_open(
                "/web/dataset/call_kw/sale.billing.milestone/write",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        error = response.json()["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertRegex(error["message"], r"Billable Now, Due cannot be written")
        milestone.invalidate_recordset()
        self.assertFalse(milestone.is_billable_now)
