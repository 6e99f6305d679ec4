from markupsafe import Markup
from psycopg2.errors import LockNotAvailable

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.misc import format_date

from ..tools.schedule import (
    ScheduleEntry,
    billable_date,
    billing_block,
    credited_flags,
    is_allowed_transition,
    offset_date,
    schedule_amounts,
)

# What a processed milestone keeps as it was invoiced.
FROZEN_FIELDS = {
    "sale_line_id",
    "kind",
    "days",
    "date",
    "is_reached",
    "reached_date",
    "fixed_amount",
    "percent",
    "due_days",
    "due_date",
}


class SaleBillingMilestone(models.Model):
    _name = "sale.billing.milestone"
    _inherit = "sale.billing.milestone.mixin"
    _description = "Billing Milestone"
    _order = "order_id, sale_line_id, sequence, id"
    _rec_names_search = ["name", "description", "order_id"]

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
    billable_date = fields.Date(
        compute="_compute_billable_date",
        store=True,
        help="Contract date plus the days, the fixed date, or the date reached.",
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        currency_field="currency_id",
        help="Amount to invoice, in the order's currency.",
    )
    status = fields.Selection(
        selection=[
            ("to_process", "To Process"),
            ("processed", "Processed"),
            ("hold", "Hold"),
        ],
        required=True,
        default="to_process",
        copy=False,
        index=True,
    )
    hold_reason = fields.Char(copy=False, help="Why the milestone is on hold.")
    hold_release_date = fields.Date(
        copy=False,
        help="The daily job releases the milestone from hold on this date.",
    )
    release_reason = fields.Char(
        copy=False, help="Why the milestone was last released from hold."
    )
    project_milestone_id = fields.Many2one(
        "project.milestone",
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="Reaching this project milestone reaches the billing milestone.",
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
        "account.move.line", "billing_milestone_id", string="Invoice Lines"
    )
    invoice_id = fields.Many2one(
        "account.move",
        compute="_compute_invoice_id",
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
    is_billable_now = fields.Boolean(
        string="Billable Now",
        compute="_compute_billable_now",
        search="_search_is_billable_now",
    )
    billable_reason = fields.Char(
        string="Why Not Billable", compute="_compute_billable_now"
    )

    @api.depends("name", "description")
    def _compute_display_name(self):
        for milestone in self:
            parts = [milestone.name, milestone.description]
            milestone.display_name = " - ".join(part for part in parts if part)

    @api.depends("is_reached")
    def _compute_reached_date(self):
        today = fields.Date.context_today(self)
        for milestone in self:
            if milestone.is_reached:
                milestone.reached_date = milestone.reached_date or today
            else:
                milestone.reached_date = False

    @api.depends("kind", "days", "date", "reached_date", "order_id.contract_date")
    def _compute_billable_date(self):
        for milestone in self:
            milestone.billable_date = billable_date(
                milestone.kind,
                milestone.order_id.contract_date,
                milestone.days,
                milestone.date,
                milestone.reached_date,
            )

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

    @api.depends(
        "invoice_line_ids.parent_state", "invoice_line_ids.billing_milestone_credited"
    )
    def _compute_invoice_id(self):
        for milestone in self:
            live = milestone.invoice_line_ids.filtered(
                lambda line: (
                    line.parent_state != "cancel"
                    and not line.billing_milestone_credited
                )
            )
            milestone.invoice_id = live[-1:].move_id

    @api.depends(
        "fixed_amount",
        "percent",
        "status",
        "sequence",
        "sale_line_id.price_subtotal",
        "sale_line_id.billing_milestone_ids.fixed_amount",
        "sale_line_id.billing_milestone_ids.percent",
        "sale_line_id.billing_milestone_ids.status",
        "sale_line_id.billing_milestone_ids.sequence",
    )
    def _compute_amount(self):
        amounts = {}
        for line in self.sale_line_id:
            milestones = line.billing_milestone_ids.sorted("sequence")
            entries = [milestone._get_schedule_entry() for milestone in milestones]
            amounts.update(
                zip(
                    milestones,
                    schedule_amounts(
                        line.price_subtotal, entries, line.currency_id.rounding
                    ),
                    strict=True,
                )
            )
        for milestone in self:
            milestone.amount = amounts.get(milestone, 0.0)

    def _get_schedule_entry(self):
        self.ensure_one()
        frozen = self.amount if self.status == "processed" else None
        return ScheduleEntry(self.percent, self.fixed_amount, frozen)

    @api.depends(
        "status", "billable_date", "kind", "order_id.state", "order_id.contract_date"
    )
    @api.depends_context("tz")
    def _compute_billable_now(self):
        today = fields.Date.context_today(self)
        reasons = {
            "processed": self.env._("Already processed"),
            "hold": self.env._("On hold"),
            "unconfirmed": self.env._("Order not confirmed"),
            "no_contract_date": self.env._("The order has no contract date yet"),
            "not_reached": self.env._("Not reached yet"),
        }
        for milestone in self:
            block = billing_block(
                milestone.status,
                milestone.order_id.state == "sale",
                milestone.kind,
                milestone.billable_date,
                today,
            )
            milestone.is_billable_now = not block
            if block == "not_due":
                milestone.billable_reason = self.env._(
                    "Not due until %(date)s",
                    date=format_date(self.env, milestone.billable_date),
                )
            else:
                milestone.billable_reason = reasons.get(block, False)

    @api.model
    def _get_billable_domain(self, as_of):
        """Milestones that can be invoiced on ``as_of``."""
        return [
            ("status", "=", "to_process"),
            ("order_id.state", "=", "sale"),
            ("billable_date", "<=", as_of),
        ]

    def _search_is_billable_now(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._("Billable Now can only be searched as true or false.")
            )
        today = fields.Date.context_today(self)
        if (operator == "=") == value:
            return self._get_billable_domain(today)
        return expression.OR(
            [
                [("status", "!=", "to_process")],
                [("order_id.state", "!=", "sale")],
                [("billable_date", "=", False)],
                [("billable_date", ">", today)],
            ]
        )

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

    @api.constrains("amount", "percent", "fixed_amount", "sale_line_id", "status")
    def _check_schedule_totals(self):
        self.sale_line_id._check_billing_schedule_totals()

    @api.model_create_multi
    def create(self, vals_list):
        self._check_order_of_lines(vals_list)
        milestones = super().create(vals_list)
        milestones._follow_project_milestone()
        return milestones

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

    def write(self, vals):
        if "order_id" in vals:
            raise UserError(
                self.env._(
                    "The Sales Order of a billing milestone follows its order line; "
                    "change the Order Line instead."
                )
            )
        self._check_processed_frozen(vals)
        held, released = self.browse(), self.browse()
        if "status" in vals:
            self._check_status_transition(vals["status"])
            on_hold = self.filtered(lambda m: m.status == "hold")
            if vals["status"] == "hold":
                held = self - on_hold
            else:
                released = on_hold
            (held | released)._check_hold_change(vals)
        res = super().write(vals)
        if vals.get("project_milestone_id"):
            self._follow_project_milestone()
        held._notify_hold(
            self.env._("put on hold: %(reason)s", reason=vals.get("hold_reason"))
        )
        released._notify_hold(
            self.env._("released: %(reason)s", reason=vals.get("release_reason"))
        )
        return res

    def _check_hold_change(self, vals):
        """Hold and release: sales managers and billing administrators only, and
        each with its reason."""
        if not self:
            return
        user = self.env.user
        if not self.env.su and not (
            user.has_group("sales_team.group_sale_manager")
            or user.has_group("account.group_account_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only sales managers and billing administrators can put billing "
                    "milestones on hold or release them (milestone %(milestones)s).",
                    milestones=", ".join(self.mapped("display_name")),
                )
            )
        field = "hold_reason" if vals["status"] == "hold" else "release_reason"
        if not (vals.get(field) or "").strip():
            raise UserError(
                self.env._(
                    "Milestone %(milestones)s: give a %(field)s to %(action)s it.",
                    milestones=", ".join(self.mapped("display_name")),
                    field=self._fields[field]._description_string(self.env),
                    action=self.env._("put on hold")
                    if vals["status"] == "hold"
                    else self.env._("release"),
                )
            )

    def _notify_hold(self, what):
        for order in self.order_id:
            names = ", ".join(
                self.filtered(lambda m, o=order: m.order_id == o).mapped("display_name")
            )
            # A manager holding a milestone may not follow the order's chatter rights.
            order.sudo().message_post(
                body=self.env._(
                    "Billing milestone %(milestones)s %(what)s",
                    milestones=names,
                    what=what,
                )
            )

    def _put_on_hold(self, reason, release_date=False):
        self.write(
            {
                "status": "hold",
                "hold_reason": reason,
                "hold_release_date": release_date,
                "release_reason": False,
            }
        )

    def _release_hold(self, reason):
        self.write(
            {
                "status": "to_process",
                "release_reason": reason,
                "hold_release_date": False,
            }
        )

    @api.model
    def _release_expired_holds(self):
        """Release the milestones whose hold release date has come (daily job)."""
        expired = self.search(
            [
                ("status", "=", "hold"),
                ("hold_release_date", "<=", fields.Date.context_today(self)),
            ]
        )
        expired.sudo()._release_hold(self.env._("release date reached"))
        return expired

    def _check_processed_frozen(self, vals):
        frozen = FROZEN_FIELDS.intersection(vals)
        processed = self.filtered(lambda m: m.status == "processed")
        if not frozen or not processed:
            return
        field_names = ", ".join(
            self._fields[name]._description_string(self.env) for name in sorted(frozen)
        )
        raise UserError(
            self.env._(
                "Milestone %(milestones)s is already processed: its %(fields)s can "
                "no longer be changed.",
                milestones=", ".join(m._milestone_label() for m in processed),
                fields=field_names,
            )
        )

    def _check_status_transition(self, new_status):
        selection = dict(self._fields["status"]._description_selection(self.env))
        for milestone in self:
            if not is_allowed_transition(milestone.status, new_status):
                raise UserError(
                    self.env._(
                        'Milestone "%(milestone)s": its Status cannot go from '
                        "%(old)s to %(new)s.",
                        milestone=milestone._milestone_label(),
                        old=selection[milestone.status],
                        new=selection[new_status],
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_processed(self):
        processed = self.filtered(lambda m: m.status == "processed")
        if processed:
            raise UserError(
                self.env._(
                    "Milestone %(milestones)s is already processed and cannot be "
                    "deleted.",
                    milestones=", ".join(m._milestone_label() for m in processed),
                )
            )

    def _sync_invoice_status(self):
        """Processed while on a live invoice, To Process once none is left.

        Called whenever an invoice line of the milestones is created, deleted,
        cancelled, posted or credited. Credit notes reverse the oldest lines first;
        a line they cover in full no longer counts, so the milestone can be billed
        again. Each change of status is told in the order's chatter.
        """
        if not self:
            return
        # Every invoice and credit note line counts, also those the user may not
        # read (a salesman sees only his own invoices).
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    "|",
                    ("billing_milestone_id", "in", self.ids),
                    ("reversed_billing_milestone_id", "in", self.ids),
                ],
                order="id",
            )
        )
        changed = {}
        credited_lines = lines.browse()
        for milestone in self:
            invoiced = lines.filtered(
                lambda line, m=milestone: (
                    line.billing_milestone_id == m and line.parent_state != "cancel"
                )
            )
            credited_total = sum(
                lines.filtered(
                    lambda line, m=milestone: (
                        line.reversed_billing_milestone_id == m
                        and line.parent_state == "posted"
                    )
                ).mapped("price_subtotal")
            )
            flags = credited_flags(
                invoiced.mapped("price_subtotal"),
                credited_total,
                milestone.currency_id.rounding,
            )
            credited_lines |= invoiced.browse(
                line.id
                for line, credited in zip(invoiced, flags, strict=True)
                if credited
            )
            live = not all(flags)
            status = milestone.status
            if live and status != "processed":
                changed[milestone] = "processed"
            elif not live and status == "processed":
                changed[milestone] = "to_process"
        invoiced_lines = lines.filtered("billing_milestone_id")
        (invoiced_lines - credited_lines).filtered(
            "billing_milestone_credited"
        ).billing_milestone_credited = False
        credited_lines.filtered(
            lambda line: not line.billing_milestone_credited
        ).billing_milestone_credited = True
        for status in ("processed", "to_process"):
            self.browse(m.id for m, s in changed.items() if s == status).write(
                {"status": status}
            )
        self.browse(m.id for m in changed)._notify_status_change()

    def _notify_status_change(self):
        selection = dict(self._fields["status"]._description_selection(self.env))
        draft = self.env._("draft invoice")
        for order in self.order_id:
            lines = []
            for milestone in self.filtered(lambda m, o=order: m.order_id == o):
                status = selection[milestone.status]
                invoice = milestone.invoice_id
                if invoice:
                    label = invoice.name if invoice.state == "posted" else draft
                    status = f"{status} ({label})"
                lines.append(
                    self.env._(
                        "Billing milestone %(milestone)s: %(status)s",
                        milestone=milestone.display_name,
                        status=status,
                    )
                )
            # Whoever changed the invoice may not have write access to the order.
            order.sudo().message_post(body=Markup("<br/>").join(lines))

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
                    "SELECT id FROM sale_billing_milestone "
                    "WHERE id IN %s FOR UPDATE %s",
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

    def _prepare_invoice_line_values(self, base_values):
        """The invoice line of this milestone, from its order line's values."""
        self.ensure_one()
        taxes = self.sale_line_id.tax_id
        price_unit = self.amount
        if any(taxes.mapped("price_include")):
            price_unit = taxes.compute_all(
                self.amount,
                self.currency_id,
                1.0,
                self.product_id,
                self.partner_id,
                handle_price_include=False,
            )["total_included"]
        return {
            **base_values,
            "name": self.display_name,
            "quantity": 1.0,
            "price_unit": price_unit,
            "discount": 0.0,
            "billing_milestone_id": self.id,
        }

    def action_hold(self):
        return self._action_open_hold_wizard("hold")

    def action_release(self):
        return self._action_open_hold_wizard("release")

    def _action_open_hold_wizard(self, action):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Put on Hold")
            if action == "hold"
            else self.env._("Release from Hold"),
            "res_model": "sale.billing.milestone.hold",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_milestone_ids": self.ids,
                "default_action": action,
            },
        }

    def _follow_project_milestone(self):
        """Reached as their project milestone is; processed ones stay as billed."""
        for reached in (True, False):
            milestones = self.filtered(
                lambda m, r=reached: (
                    m.project_milestone_id
                    and m.status != "processed"
                    and m.project_milestone_id.is_reached == r
                    and m.is_reached != r
                )
            )
            # Project users reach project milestones but may not edit billing ones.
            milestones.sudo().write({"is_reached": reached})

    def action_reach(self):
        self.write({"is_reached": True})
