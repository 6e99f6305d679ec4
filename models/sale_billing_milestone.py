# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from psycopg2.errors import LockNotAvailable

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date

from ..tools.milestone_fields import field_labels, fields_with
from ..tools.run_state import replanned_lines
from ..tools.schedule import (
    ScheduleEntry,
    exact_quantity_price,
    group_by_due_date,
    milestone_status,
    offset_date,
)

# What the rules say of each field: see tools/milestone_fields.py.
FROZEN_FIELDS = fields_with("frozen")
DERIVED_FIELDS = fields_with("derived")
USER_FIELDS = fields_with("user")


class SaleBillingMilestone(models.Model):
    """A milestone of an order line's billing schedule: when it is billable,
    for how much, and the invoice line that bills it. Holds, re-opened parts,
    customer acceptance and billability extend it, one file each
    (``sale_billing_milestone_*.py``)."""

    _name = "sale.billing.milestone"
    _inherit = "sale.billing.milestone.mixin"
    _description = "Billing Milestone"
    _order = "order_id, sale_line_id, sequence, id"
    _rec_names_search = ["name", "description", "order_id"]

    # Fields

    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('order_id', '=?', order_id), "
        "('product_id.service_type', '=', 'milestones')]",
    )
    order_id = fields.Many2one(
        related="sale_line_id.order_id", store=True, index=True, string="Sales Order"
    )
    partner_id = fields.Many2one(
        related="order_id.partner_id", store=True, index=True, string="Customer"
    )
    company_id = fields.Many2one(
        related="sale_line_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="sale_line_id.currency_id", store=True)
    product_id = fields.Many2one(related="sale_line_id.product_id")
    is_reached = fields.Boolean(string="Reached", copy=False)
    reached_date = fields.Date(
        compute="_compute_reached_date", store=True, readonly=False, copy=False
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        currency_field="currency_id",
        help="Amount to invoice, in the order's currency.",
    )
    amount_total = fields.Monetary(
        string="Amount with Taxes",
        compute="_compute_amount_total",
        store=True,
        currency_field="currency_id",
        help="What the customer pays for the milestone, taxes included: its "
        "invoice line's total once invoiced, else the amount with the order "
        "line's taxes.",
    )
    credited_amount = fields.Monetary(
        string="Credited",
        compute="_compute_credited_amount",
        store=True,
        currency_field="currency_id",
        help="Untaxed amount of the milestone that Final Reduction credit notes "
        "credited: billed, then given up for good.",
    )
    status = fields.Selection(
        selection=[
            ("to_process", "To Process"),
            # Before Processed: the statusbar reads the way a milestone goes.
            ("hold", "Hold"),
            ("processed", "Processed"),
        ],
        compute="_compute_status",
        store=True,
        index=True,
        help="Processed while a live invoice line bills the milestone (its invoice "
        "draft or posted, not cancelled nor fully credited); otherwise Hold when "
        "put on hold, To Process when not.",
    )
    project_milestone_id = fields.Many2one(
        "project.milestone",
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        domain="[('project_id', 'in', allowed_project_ids)]",
        help="Reaching this project milestone reaches the billing milestone. Only "
        "a milestone of the order line's project or of the order's project.",
    )
    allowed_project_ids = fields.Many2many(
        "project.project",
        compute="_compute_allowed_project_ids",
        # Salespeople link milestones of projects they may not open.
        compute_sudo=True,
        help="Projects whose milestones the billing milestone may follow.",
    )
    due_date = fields.Date(
        compute="_compute_due_date",
        store=True,
        readonly=False,
        copy=False,
        help="Due date of the invoice. Milestones with the same due date are "
        "invoiced together; leave empty to let the payment terms decide.",
    )
    expected_payment_date = fields.Date(
        compute="_compute_expected_payment_date",
        store=True,
        help="When the customer should pay: the due date, or the billable date "
        "moved by the order's payment terms.",
    )
    invoice_line_ids = fields.One2many(
        "account.move.line",
        "billing_milestone_id",
        string="Invoice Lines",
        help="Every invoice and credit note line that billed or credited the "
        "milestone.",
    )
    invoice_line_id = fields.Many2one(
        "account.move.line",
        compute="_compute_invoice_line_id",
        store=True,
        help="The live invoice line that bills the milestone now.",
    )
    invoice_id = fields.Many2one(
        "account.move",
        compute="_compute_invoice_line_id",
        store=True,
        index="btree_not_null",
        help="The invoice that bills the milestone now.",
    )
    invoice_state = fields.Selection(
        related="invoice_id.state", string="Invoice Status"
    )
    invoice_payment_state = fields.Selection(
        related="invoice_id.payment_state", string="Payment Status"
    )
    effective_percent = fields.Float(
        string="Effective %",
        compute="_compute_effective_percent",
        digits=(16, 2),
        aggregator=None,
        help="What the amount is, in percent of the line's untaxed net amount now: "
        "a processed milestone keeps the amount it was billed for, and the last "
        "open percent milestone takes the remainder of a complete schedule.",
    )
    customer_status = fields.Selection(
        selection=[
            ("upcoming", "Upcoming"),
            ("invoiced", "Invoiced"),
            ("paid", "Paid"),
            ("credited", "Credited"),
        ],
        compute="_compute_customer_wording",
        help="The status as the customer reads it on the portal and the PDF.",
    )
    customer_amount = fields.Monetary(
        string="Amount to Pay",
        compute="_compute_customer_wording",
        currency_field="currency_id",
        help="The amount as the customer reads it: what is billed or to be "
        "billed, net of Final Reduction credit notes.",
    )
    calendar_name = fields.Char(
        string="Calendar Title",
        compute="_compute_calendar_name",
        help="The order, the customer and the milestone, as a calendar event reads.",
    )
    customer_trigger = fields.Char(
        string="When",
        compute="_compute_customer_wording",
        help="When the milestone is billed, in the customer's words.",
    )

    # Compute methods

    @api.depends("name", "description")
    def _compute_display_name(self):
        for milestone in self:
            parts = [milestone.name, milestone.description]
            milestone.display_name = " - ".join(part for part in parts if part)

    @api.depends("display_name", "order_id.name", "partner_id.name")
    def _compute_calendar_name(self):
        for milestone in self:
            parts = [
                milestone.order_id.name,
                milestone.partner_id.name,
                milestone.display_name,
            ]
            milestone.calendar_name = " \u00b7 ".join(part for part in parts if part)

    @api.depends(
        "sale_line_id.project_id",
        "sale_line_id.task_id.project_id",
        "order_id.project_id",
    )
    def _compute_allowed_project_ids(self):
        for milestone in self:
            milestone.allowed_project_ids = milestone._get_allowed_projects()

    @api.depends("is_reached")
    def _compute_reached_date(self):
        today = fields.Date.context_today(self)
        for milestone in self:
            if milestone.is_reached:
                milestone.reached_date = milestone.reached_date or today
            else:
                milestone.reached_date = False

    @api.depends("billable_date", "due_days")
    def _compute_due_date(self):
        for milestone in self:
            if milestone.due_days:
                milestone.due_date = offset_date(
                    milestone.billable_date, milestone.due_days
                )
            else:
                milestone.due_date = milestone.due_date

    @api.depends("due_date", "billable_date", "order_id.payment_term_id")
    def _compute_expected_payment_date(self):
        for milestone in self:
            term_lines = milestone.order_id.payment_term_id.line_ids
            billable_on = milestone.billable_date
            if milestone.due_date or not billable_on or not term_lines:
                milestone.expected_payment_date = milestone.due_date or billable_on
            else:
                milestone.expected_payment_date = max(
                    line._get_due_date(billable_on) for line in term_lines
                )

    @api.depends("invoice_line_ids.billing_milestone_live")
    def _compute_invoice_line_id(self):
        for milestone in self:
            live = milestone.invoice_line_ids.filtered("billing_milestone_live")
            milestone.invoice_line_id = live[:1]
            milestone.invoice_id = live[:1].move_id

    @api.depends(
        "amount",
        "sale_line_id.tax_id",
        "invoice_line_id.price_total",
        "order_id.partner_shipping_id",
    )
    def _compute_amount_total(self):
        # One edit recomputes every amount of its line's schedule: the taxes of
        # an amount are worked out once, and not at all for an untaxed line.
        for order_line, milestones in self.grouped("sale_line_id").items():
            invoiced = milestones.filtered("invoice_line_id")
            for milestone in invoiced:
                line = milestone.invoice_line_id
                milestone.amount_total = milestone._to_milestone_currency(
                    line.price_total, line
                )
            to_invoice = milestones - invoiced
            amounts = to_invoice.mapped("amount")
            taxes = order_line.tax_id
            if taxes:
                with_taxes = {
                    # The amount is untaxed, whether the line's price includes
                    # its taxes or not.
                    amount: taxes.compute_all(
                        amount,
                        currency=order_line.currency_id,
                        product=order_line.product_id,
                        partner=order_line.order_id.partner_shipping_id,
                        handle_price_include=False,
                    )["total_included"]
                    for amount in set(amounts)
                }
                amounts = [with_taxes[amount] for amount in amounts]
            to_invoice._assign_by_value("amount_total", amounts)

    @api.depends("invoice_line_id.billing_final_credit_amount")
    def _compute_credited_amount(self):
        for milestone in self:
            line = milestone.invoice_line_id
            milestone.credited_amount = (
                milestone._to_milestone_currency(line.billing_final_credit_amount, line)
                if line
                else 0.0
            )

    @api.depends("invoice_line_id", "on_hold")
    def _compute_status(self):
        for milestone in self:
            milestone.status = milestone_status(
                bool(milestone.invoice_line_id), milestone.on_hold
            )

    @api.depends(
        "fixed_amount",
        "percent",
        "sequence",
        "reopened_ids.fixed_amount",
        "sale_line_id.price_subtotal",
        "sale_line_id.billing_milestone_ids.fixed_amount",
        "sale_line_id.billing_milestone_ids.percent",
        "sale_line_id.billing_milestone_ids.sequence",
        "sale_line_id.billing_milestone_ids.invoice_line_id.price_subtotal",
        "sale_line_id.billing_milestone_ids.invoice_line_id.billing_credited_amount",
        "sale_line_id.billing_milestone_ids.reopened_from_id",
        # A Retention Release bills what the line's invoices withhold.
        "is_retention_release",
        "sale_line_id.billing_retention_percent",
        # Posting moves a milestone's retention from to come to held: the
        # release's amount follows what is held.
        "sale_line_id.billing_retention_held",
    )
    def _compute_amount(self):
        # Rows added in the order's Billing Schedule tab are not in the line's
        # schedule until saved: they count with it.
        for line, edited in self.grouped("sale_line_id").items():
            if not line:
                edited.amount = 0.0
                continue
            schedule = line._get_billing_schedule_amounts(edited)
            edited._assign_by_value("amount", [schedule[m] for m in edited])

    @api.depends("amount", "sale_line_id.price_subtotal")
    def _compute_effective_percent(self):
        for milestone in self:
            net = milestone.sale_line_id.price_subtotal
            milestone.effective_percent = 100.0 * milestone.amount / net if net else 0.0

    @api.depends(
        "status",
        "amount",
        "credited_amount",
        "invoice_state",
        "invoice_payment_state",
        "kind",
        "days",
        "date",
        "latest_kind",
        "latest_days",
        "latest_date",
        "name",
        "description",
        "requires_acceptance",
        "acceptance_deemed",
        "accepted_date",
    )
    def _compute_customer_wording(self):
        for milestone in self:
            # The customer has an invoice once it is posted, not while drafted.
            invoiced = milestone.invoice_state == "posted"
            amount = milestone.amount - milestone.credited_amount
            if not invoiced:
                milestone.customer_status = "upcoming"
            elif milestone.currency_id.is_zero(amount):
                milestone.customer_status = "credited"
            elif milestone.invoice_payment_state in ("paid", "in_payment"):
                milestone.customer_status = "paid"
            else:
                milestone.customer_status = "invoiced"
            milestone.customer_amount = amount
            milestone.customer_trigger = milestone._get_customer_trigger()

    # Constraints

    @api.constrains("sale_line_id")
    def _check_milestone_product(self):
        for milestone in self:
            if not milestone.sale_line_id.is_billing_milestone_line:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": order line "%(line)s" is not '
                        "sold based on milestones, so it cannot have a billing "
                        "schedule.",
                        milestone=milestone._milestone_label(),
                        line=milestone.sale_line_id.display_name,
                    )
                )

    @api.constrains("project_milestone_id", "sale_line_id")
    def _check_project_milestone_project(self):
        # The rule compares projects, which a salesperson may not be allowed to read.
        for milestone in self.sudo().filtered("project_milestone_id"):
            project_milestone = milestone.project_milestone_id
            if project_milestone.project_id in milestone._get_allowed_projects():
                continue
            raise ValidationError(
                self.env._(
                    'Milestone "%(milestone)s" cannot follow project milestone '
                    '"%(project_milestone)s" of project "%(project)s": a billing '
                    "milestone follows only a project milestone of its order "
                    "line's project or of its order's project.",
                    milestone=milestone._milestone_label(),
                    project_milestone=project_milestone.display_name,
                    project=project_milestone.project_id.display_name,
                )
            )

    # Not on the status: a milestone turns Processed with its amount recomputed
    # to what its invoice bills, which checks the caps already.
    @api.constrains("amount", "percent", "fixed_amount", "sale_line_id")
    def _check_schedule_totals(self):
        # A re-plan rewrites several milestones of a line one by one and checks
        # the line's caps once they are all written (see its wizard).
        lines = self.sale_line_id - (replanned_lines() or self.sale_line_id.browse())
        lines._check_billing_schedule_totals()

    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        # New records of a form or an order line come with what they computed.
        given = [
            {name: vals[name] for name in DERIVED_FIELDS.intersection(vals)}
            for vals in vals_list
        ]
        vals_list = [
            {name: value for name, value in vals.items() if name not in DERIVED_FIELDS}
            for vals in vals_list
        ]
        self._check_order_of_lines(vals_list)
        milestones = super().create(vals_list)
        for milestone, values in zip(milestones, given, strict=True):
            milestone._check_derived_values(values)
        milestones._follow_project_milestone()
        # A Manual milestone added once the order is confirmed (a re-plan's new
        # milestone) gets a project milestone, as the confirmation gave the
        # others; a re-opened part follows its original instead.
        added = milestones.filtered(
            lambda m: m.order_id.state == "sale" and not m.reopened_from_id
        )
        # As Odoo's confirmation makes the line's project milestones: a
        # salesperson may not create them in the project.
        added.sale_line_id.sudo()._create_billing_project_milestones(added.sudo())
        return milestones

    def write(self, vals):
        if "order_id" in vals:
            raise UserError(
                self.env._(
                    "The Sales Order of a billing milestone follows its order line; "
                    "change the Order Line instead."
                )
            )
        derived = {name: vals[name] for name in DERIVED_FIELDS.intersection(vals)}
        for milestone in self:
            milestone._check_derived_values(derived)
        vals = {name: value for name, value in vals.items() if name not in derived}
        self._check_processed_frozen(vals)
        res = super().write(vals)
        if vals.get("project_milestone_id"):
            self._follow_project_milestone()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_processed(self):
        processed = self._filter_processed()
        if processed:
            raise UserError(
                self.env._(
                    "Milestone %(milestones)s is already processed and cannot be "
                    "deleted.",
                    milestones=processed._milestone_labels(),
                )
            )

    # Actions

    def action_reach(self):
        self.write({"is_reached": True})

    # Business methods

    def _filter_processed(self):
        """The milestones a live invoice line bills."""
        return self._filter_by_value("status", lambda status: status == "processed")

    def _assign_by_value(self, fname, values):
        """Assign ``values``, in the order of the milestones, to the field
        ``fname`` of milestones of one order line being computed.

        An edit of a 200-milestone schedule recomputes every amount, and most
        come out as they were: a saved milestone keeps the value it holds
        already, and the others are assigned one distinct value at a time, as
        Odoo assigns a value to many records at the cost of one (and compares
        each monetary value with the one it holds at the cost of a conversion).
        """
        # What the milestones hold in memory; not what the database holds, as
        # a new milestone's column is still empty there.
        missing = set(self.env.cache.get_missing_ids(self, self._fields[fname]))
        held_ids = [id_ for id_ in self._ids if id_ and id_ not in missing]
        held = dict(zip(held_ids, self.browse(held_ids).mapped(fname), strict=True))
        groups = defaultdict(list)
        for milestone_id, value in zip(self._ids, values, strict=True):
            if held.get(milestone_id) != value:
                groups[value].append(milestone_id)
        for value, ids in groups.items():
            self.browse(ids)[fname] = value

    def _filter_by_value(self, fname, test):
        """The milestones whose scalar field ``fname`` passes ``test``. The
        field is read for all of them at once, not record by record: a line's
        totals filter all its milestones on every edit."""
        values = self.mapped(fname)
        return self.browse(
            milestone_id
            for milestone_id, value in zip(self._ids, values, strict=True)
            if test(value)
        )

    def _get_allowed_projects(self):
        """The order line's project (the one its product creates or fills) and
        the order's project: a project milestone of another one, another
        customer's maybe, must not reach the billing milestone."""
        self.ensure_one()
        line = self.sale_line_id
        return line.project_id | line.task_id.project_id | line.order_id.project_id

    def _get_customer_trigger(self):
        """When the milestone is billed, as a customer reads it."""
        self.ensure_one()
        if self.kind == "days":
            if not self.days:
                return self.env._("At signature")
            return self.env._("%(days)s days after signature", days=self.days)
        if self.kind == "date":
            return self.env._("On %(date)s", date=format_date(self.env, self.date))
        milestone = self.description or self.name
        days = self.latest_days
        date = format_date(self.env, self.latest_date)
        if self.requires_acceptance and self.acceptance_deemed:
            return self.env._(
                "%(milestone)s was reached and deemed accepted on %(date)s, as "
                "no answer came in time",
                milestone=milestone,
                date=format_date(self.env, self.accepted_date),
            )
        if self.requires_acceptance and self.latest_kind == "days":
            return self.env._(
                "When %(milestone)s is reached and you accept it, or %(days)s days "
                "after signature at the latest",
                milestone=milestone,
                days=days,
            )
        if self.requires_acceptance and self.latest_kind == "date":
            return self.env._(
                "When %(milestone)s is reached and you accept it, or on %(date)s at "
                "the latest",
                milestone=milestone,
                date=date,
            )
        if self.requires_acceptance:
            return self.env._(
                "When %(milestone)s is reached and you accept it", milestone=milestone
            )
        if self.latest_kind == "days":
            return self.env._(
                "When %(milestone)s is reached, or %(days)s days after signature at "
                "the latest",
                milestone=milestone,
                days=days,
            )
        if self.latest_kind == "date":
            return self.env._(
                "When %(milestone)s is reached, or on %(date)s at the latest",
                milestone=milestone,
                date=date,
            )
        return self.env._("When %(milestone)s is reached", milestone=milestone)

    def _get_customer_trigger_date(self):
        """The date the customer's words already say, so that it is not shown
        twice: a Date milestone's, a deemed acceptance's, an "at the latest"
        date's."""
        self.ensure_one()
        if self.kind == "date":
            return self.date
        if self.kind != "manual":
            return False
        if self.requires_acceptance and self.acceptance_deemed:
            return self.accepted_date
        return self.latest_kind == "date" and self.latest_date

    def _get_schedule_entry(self, reopened_amount=0.0):
        """The milestone in its line's plan. A processed one holds what its
        invoice bills, net of the credit notes that bill it again later, plus
        ``reopened_amount``, what the ledger re-opened as parts of it."""
        self.ensure_one()
        billed = self._get_billed_amount()
        if billed is not None:
            billed += reopened_amount
        return ScheduleEntry(self.percent, self.fixed_amount, billed)

    def _get_plan_entries(self):
        """The milestones as entries of their line's plan, without what their
        invoices bill: enough for the share the plan covers
        (``scheduled_percent``), read for all of them at once."""
        return [
            ScheduleEntry(percent, fixed_amount, None)
            for percent, fixed_amount in zip(
                self.mapped("percent"), self.mapped("fixed_amount"), strict=True
            )
        ]

    def _get_billed_amount(self):
        """Untaxed amount the live invoice line bills, net of the Bill Again
        Later credit notes of its invoice, in the order's currency; None when
        no invoice bills the milestone. Final Reduction credit notes do not
        lower it: what they credit is settled, not open."""
        self.ensure_one()
        line = self.invoice_line_id
        if not line:
            return None
        return self._to_milestone_currency(
            line.price_subtotal - line.billing_credited_amount, line
        )

    def _get_user_fields(self):
        return super()._get_user_fields() | USER_FIELDS

    def _check_order_of_lines(self, vals_list):
        """The order is the line's: refuse an order given for another order's line.

        The order's schedule tab creates milestones with its own order in the
        values; writing it through the related field would move the line.
        """
        with_order = [vals for vals in vals_list if vals.get("order_id")]
        lines = self.env["sale.order.line"].browse(
            {vals.get("sale_line_id") for vals in with_order} - {None, False}
        )
        order_of_line = {line.id: line.order_id.id for line in lines}
        for vals in with_order:
            order_id = vals.pop("order_id")
            if order_of_line.get(vals.get("sale_line_id"), order_id) != order_id:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": its Order Line belongs to '
                        "another sales order.",
                        milestone=vals.get("name") or self.env._("(unnamed)"),
                    )
                )

    def _check_derived_values(self, values):
        """Refuse values of derived fields unless they are what the milestone
        already has: the invoices and the order line decide them."""
        self.ensure_one()
        differ = sorted(
            name for name, value in values.items() if not self._is_current(name, value)
        )
        if not differ:
            return
        raise UserError(
            self.env._(
                'Milestone "%(milestone)s": %(fields)s cannot be written. A '
                "milestone is Processed, for the amount of its invoice line, while "
                "a draft or posted invoice bills it; invoice it, or cancel or credit "
                "its invoice, and use Hold and Release to hold it.",
                milestone=self._milestone_label(),
                fields=", ".join(
                    self._fields[name]._description_string(self.env) for name in differ
                ),
            )
        )

    def _is_current(self, name, value):
        field = self._fields[name]
        if field.type == "monetary":
            return not self.currency_id.compare_amounts(value or 0.0, self[name])
        return field.convert_to_cache(value, self, validate=False) == (
            field.convert_to_cache(self[name], self, validate=False)
        )

    def _check_processed_frozen(self, vals):
        frozen = FROZEN_FIELDS.intersection(vals)
        processed = self._filter_processed()
        if not frozen or not processed:
            return
        field_names = field_labels(self, frozen)
        raise UserError(
            self.env._(
                "Milestone %(milestones)s is already processed: its %(fields)s can "
                "no longer be changed.",
                milestones=processed._milestone_labels(),
                fields=field_names,
            )
        )

    def _lock_for_invoicing(self, skip_locked=False):
        """Lock the milestones until the end of the transaction.

        A milestone another transaction is invoicing refuses at once, or, with
        ``skip_locked`` (scheduled jobs), is left out of what is returned.
        """
        if not self:
            return self
        # Read before locking: a failed NOWAIT lock aborts the transaction.
        orders = ", ".join(self.order_id.mapped("name"))
        try:
            self.env.cr.execute(
                SQL(
                    # NO KEY UPDATE: a second invoicing of the milestone still
                    # waits for (refuses) this one, but what only refers to it
                    # (the foreign key of a preview's or a hold wizard's row)
                    # does not, as FOR UPDATE would make it.
                    "SELECT id FROM sale_billing_milestone "
                    "WHERE id IN %s FOR NO KEY UPDATE %s",
                    tuple(self.ids),
                    SQL("SKIP LOCKED" if skip_locked else "NOWAIT"),
                ),
                # A row changed since this transaction began raises a
                # serialization failure: Odoo retries the request, the
                # scheduled job leaves the order for its next call.
                log_exceptions=False,
            )
        except LockNotAvailable:
            raise UserError(
                self.env._(
                    "Billing milestones of %(orders)s are being invoiced by "
                    "someone else right now. Try again in a moment.",
                    orders=orders,
                )
            ) from None
        locked = {row[0] for row in self.env.cr.fetchall()}
        return self.filtered(lambda m: m.id in locked)

    def _get_invoice_plan(self):
        """The invoices that bill these milestones, in the order they are made.

        A list of ``(due_date, {key: milestones})``: one invoicing run per due
        date (those without one first), and within it one invoice per value of
        Odoo's invoice grouping keys. ``sale.order._invoice_billing_milestones``
        creates exactly these; the batch wizard previews them.
        """
        plan = []
        for due_date, milestones in group_by_due_date(self, lambda m: m.due_date):
            invoices = {}
            for milestone in milestones:
                key = (due_date, *milestone.order_id._get_invoice_grouping_values())
                invoices.setdefault(key, self.browse())
                invoices[key] |= milestone
            plan.append((due_date, invoices))
        return plan

    def _prepare_invoice_line_values(self, base_values):
        """The invoice line of this milestone, from its order line's values: the
        milestone's amount exactly, in every currency, posted to its income
        account and analytic distribution when it names them."""
        self.ensure_one()
        price_values = self._get_invoice_price_values(
            self.amount, self.sale_line_id.tax_id
        )
        name = self.display_name
        acceptance = self.acceptance_id
        if acceptance.state == "accepted" and acceptance.is_deemed:
            name = self.env._(
                "%(milestone)s (deemed accepted on %(date)s)",
                milestone=name,
                date=format_date(self.env, self.accepted_date),
            )
        elif acceptance.state == "accepted":
            name = self.env._(
                "%(milestone)s (accepted by %(name)s on %(date)s)",
                milestone=name,
                name=acceptance.signer_name,
                date=format_date(self.env, self.accepted_date),
            )
        values = {
            **base_values,
            "name": name,
            **price_values,
            "discount": 0.0,
            "billing_milestone_id": self.id,
        }
        if self.income_account_id:
            # The invoice's fiscal position, as sale's _prepare_invoice gives
            # it, maps the account as it maps a product's.
            order = self.order_id
            fiscal_position = (
                order.fiscal_position_id
                or order.fiscal_position_id._get_fiscal_position(
                    order.partner_invoice_id
                )
            )
            values["account_id"] = fiscal_position.map_account(
                self.income_account_id
            ).id
        if self.analytic_distribution:
            values["analytic_distribution"] = self.analytic_distribution
        return values

    def _get_invoice_price_values(self, amount, taxes):
        """Quantity and unit price of an invoice line of the milestone worth
        ``amount`` untaxed exactly, in every currency, under ``taxes``."""
        self.ensure_one()
        price = amount
        if any(taxes.mapped("price_include")):
            price = taxes.compute_all(
                amount,
                self.currency_id,
                1.0,
                self.product_id,
                self.partner_id,
                handle_price_include=False,
            )["total_included"]
        quantity, price_unit = exact_quantity_price(
            price,
            self.currency_id.decimal_places,
            self.env["decimal.precision"].precision_get("Product Price"),
        )
        return {"quantity": quantity, "price_unit": price_unit}

    def _follow_project_milestone(self):
        """Reached as their project milestone is; processed ones stay as billed."""
        for reached in (True, False):
            milestones = self.filtered(
                lambda m, r=reached: (
                    m.project_milestone_id
                    and not m._filter_processed()
                    and m.project_milestone_id.is_reached == r
                    and m.is_reached != r
                )
            )
            # Project users reach project milestones but may not edit billing ones.
            milestones.sudo().write({"is_reached": reached})

    @api.model
    def _cron_billing_housekeeping(self, batch_size=500):
        """Record what comes with the date, whether or not automatic invoicing
        is on (daily job): holds whose release date has come are released,
        acceptance requests left unanswered past their days deemed accepted,
        those soon deemed accepted reminded to the customer, and milestones
        whose billable date has come turn due.

        One batch of each per call; the scheduler commits after each call and
        calls again while records remain. Once none remain, the invoicing job
        runs, on what these facts now say is billable.
        """
        released = self._release_expired_holds(limit=batch_size)
        accepted = self._apply_deemed_acceptance()
        # After deeming: a request deemed accepted today is not reminded.
        reminded = self._send_acceptance_reminders(limit=batch_size)
        due = self._record_due_milestones(limit=batch_size)
        today = fields.Date.context_today(self)
        Acceptance = self.env["sale.billing.milestone.acceptance"]
        remaining = (
            self.search_count(self._get_expired_hold_domain(today))
            + Acceptance.search_count(Acceptance._get_reminder_domain(today))
            + self.search_count(self._get_due_changed_domain(today))
        )
        self.env["ir.cron"]._notify_progress(
            done=len(released) + len(accepted) + len(reminded) + len(due),
            remaining=remaining,
        )
        invoicing = self.env.ref(
            "sale_milestone_billing.ir_cron_invoice_billing_milestones",
            raise_if_not_found=False,
        )
        if invoicing and not remaining:
            invoicing._trigger()

    def _to_milestone_currency(self, amount, line):
        """``amount`` of invoice line ``line`` in the milestone's currency."""
        self.ensure_one()
        if line.currency_id == self.currency_id:
            return amount
        return line.currency_id._convert(
            amount,
            self.currency_id,
            line.company_id,
            line.move_id.invoice_date or line.date,
        )
