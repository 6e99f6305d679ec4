# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.float_utils import float_compare
from odoo.tools.misc import format_amount

from ..tools.schedule import (
    PERCENT_DIGITS,
    format_percent,
    schedule_amounts,
    scheduled_percent,
)

# Milestones a line's schedule summary names before it counts the others.
SUMMARY_MILESTONES = 6


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # Fields

    billing_milestone_ids = fields.One2many(
        "sale.billing.milestone",
        "sale_line_id",
        string="Billing Schedule",
        compute="_compute_billing_milestone_ids",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
    )
    billing_scheduled_amount = fields.Monetary(
        string="Scheduled",
        compute="_compute_billing_totals",
        help="Untaxed amount the billing schedule covers.",
    )
    billing_unscheduled_amount = fields.Monetary(
        string="Unscheduled",
        compute="_compute_billing_totals",
        help="Untaxed amount of the line that no billing milestone covers yet.",
    )
    billing_billable_amount = fields.Monetary(
        string="Billable Now",
        compute="_compute_billing_totals",
        help="Untaxed amount of the milestones that can be invoiced today.",
    )
    billing_scheduled_percent = fields.Float(
        string="Scheduled %",
        compute="_compute_billing_totals",
        digits=(16, 2),
        aggregator=None,
        help="Share of the line's untaxed net amount the schedule covers; above "
        "100 % the schedule cannot be saved.",
    )
    billing_invoiced_amount = fields.Monetary(
        string="Invoiced",
        compute="_compute_billing_totals",
        help="Untaxed amount of the milestones a draft or posted invoice bills.",
    )
    billing_credited_amount = fields.Monetary(
        string="Credited",
        compute="_compute_billing_totals",
        help="Untaxed amount of the milestones that Final Reduction credit notes "
        "credited for good.",
    )
    billing_paid_amount = fields.Monetary(
        string="Paid",
        compute="_compute_billing_totals",
        help="Untaxed amount of the milestones whose invoice is paid.",
    )
    billing_remaining_amount = fields.Monetary(
        string="Remaining",
        compute="_compute_billing_totals",
        help="Untaxed amount of the line neither invoiced nor credited yet.",
    )
    billing_progress = fields.Float(
        string="% Billed",
        compute="_compute_billing_totals",
        aggregator=None,
        help="Share of the line's untaxed amount invoiced so far, what Final "
        "Reduction credit notes credited included.",
    )

    # A fact, not a copy: the net the first invoice of the schedule was made on,
    # or the one it was last re-planned on. Odoo keeps no other record of it.
    billing_planned_net = fields.Monetary(
        string="Planned Net",
        compute="_compute_billing_planned_net",
        store=True,
        copy=False,
        readonly=True,
        help="Untaxed net amount the billing schedule was invoiced on, or last "
        "re-planned on.",
    )
    billing_replan_needed = fields.Boolean(
        string="Re-plan Needed",
        compute="_compute_billing_replan_needed",
        store=True,
        help="The line's net amount changed after milestones were invoiced: its "
        "open milestones wait until the schedule is re-planned.",
    )
    billing_schedule_summary = fields.Char(
        string="Schedule",
        compute="_compute_billing_schedule_summary",
        help="The line's billing milestones and their shares, shown as soon as "
        "the product brings its schedule template.",
    )

    is_billing_milestone_line = fields.Boolean(
        compute="_compute_is_billing_milestone_line",
        help="The line's product is a service invoiced based on milestones.",
    )

    # Compute methods

    @api.depends("product_id.type", "product_id.service_type")
    def _compute_is_billing_milestone_line(self):
        for line in self:
            product = line.product_id
            line.is_billing_milestone_line = (
                product.type == "service" and product.service_type == "milestones"
            )

    @api.depends_context("billing_line_short_name")
    def _compute_display_name(self):
        if not self.env.context.get("billing_line_short_name"):
            return super()._compute_display_name()
        # In its order's Billing Schedule tab a line needs no order name.
        for line in self:
            line.display_name = (line.name or "").split("\n")[0] or (
                line.product_id.display_name
            )
        return None

    @api.depends("product_id")
    def _compute_billing_milestone_ids(self):
        for line in self:
            if line._has_processed_billing_milestone():
                continue
            templates = (
                line.product_id.billing_milestone_template_ids
                if line.is_billing_milestone_line
                else []
            )
            line.billing_milestone_ids = [Command.clear()] + [
                Command.create(
                    template._prepare_billing_milestone_values(
                        line.currency_id or line.company_id.currency_id,
                        line.company_id,
                        line.order_id.date_order or fields.Date.context_today(line),
                    )
                )
                for template in templates
            ]

    @api.depends("price_subtotal", "billing_milestone_ids.status")
    def _compute_billing_planned_net(self):
        # The net follows the line until a milestone of it is processed; from
        # then on it stays what it was, until a re-plan records the new one.
        for line in self:
            if not line._has_processed_billing_milestone():
                line.billing_planned_net = line.price_subtotal

    @api.depends(
        "price_subtotal", "billing_planned_net", "billing_milestone_ids.status"
    )
    def _compute_billing_replan_needed(self):
        for line in self:
            # No planned net: invoiced before the module recorded it.
            line.billing_replan_needed = bool(
                line.billing_planned_net
                and line.currency_id.compare_amounts(
                    line.billing_planned_net, line.price_subtotal
                )
                and line._has_processed_billing_milestone()
            )

    @api.depends(
        "billing_milestone_ids.name",
        "billing_milestone_ids.sequence",
        "billing_milestone_ids.percent",
        "billing_milestone_ids.fixed_amount",
        "billing_milestone_ids.is_retention_release",
    )
    @api.depends_context("lang")
    def _compute_billing_schedule_summary(self):
        for line in self:
            milestones = line.billing_milestone_ids.sorted(
                lambda m: (m.sequence, m._origin.id or 0)
            )
            # A long schedule reads as its first milestones and a count: a
            # column cannot show 200 of them, and the tab lists them all.
            shown = milestones
            if len(milestones) > SUMMARY_MILESTONES:
                shown = milestones[: SUMMARY_MILESTONES - 1]
            parts = [
                f"{milestone.name} {line._get_billing_share_label(milestone)}"
                for milestone in shown
            ]
            if shown != milestones:
                parts.append(
                    self.env._("%(count)s more", count=len(milestones) - len(shown))
                )
            line.billing_schedule_summary = " · ".join(parts)

    @api.depends(
        "price_subtotal",
        "billing_milestone_ids.amount",
        "billing_milestone_ids.status",
        "billing_milestone_ids.is_billable_now",
        "billing_milestone_ids.invoice_payment_state",
        "billing_milestone_ids.credited_amount",
        "billing_milestone_ids.percent",
        "billing_milestone_ids.fixed_amount",
        "qty_invoiced",
        "invoice_lines.move_id.payment_state",
    )
    def _compute_billing_totals(self):
        unscheduled = self.filtered(lambda line: not line.billing_milestone_ids)
        unscheduled._compute_billing_totals_from_invoices()
        for line in self - unscheduled:
            milestones = line.billing_milestone_ids._filter_revenue()
            processed = milestones._filter_processed()
            paid = processed._filter_by_value(
                "invoice_payment_state", lambda state: state in ("paid", "in_payment")
            )
            scheduled = sum(milestones.mapped("amount"))
            credited = sum(processed.mapped("credited_amount"))
            invoiced_amount = sum(processed.mapped("amount")) - credited
            line.billing_scheduled_amount = scheduled
            line.billing_scheduled_percent = scheduled_percent(
                line.price_subtotal,
                milestones.filtered(
                    lambda m: not m.reopened_from_id
                )._get_plan_entries(),
            )
            line.billing_unscheduled_amount = line.price_subtotal - scheduled
            line.billing_billable_amount = sum(
                milestones._filter_by_value("is_billable_now", bool).mapped("amount")
            )
            line.billing_invoiced_amount = invoiced_amount
            line.billing_credited_amount = credited
            line.billing_paid_amount = sum(paid.mapped("customer_amount"))
            line._set_billing_progress(invoiced_amount + credited)

    @api.depends(
        "billing_milestone_ids.status",
        "billing_milestone_ids.amount",
        "billing_milestone_ids.is_billable_now",
    )
    def _compute_qty_delivered(self):
        scheduled = self.filtered("billing_milestone_ids")
        res = super(SaleOrderLine, self - scheduled)._compute_qty_delivered()
        for line in scheduled:
            milestones = line.billing_milestone_ids._filter_revenue()
            processed = milestones._filter_processed()
            line.qty_delivered = line._get_billing_share(
                milestones.filtered(lambda m, p=processed: m in p or m.is_billable_now)
            )
        return res

    # From what the invoices bill, not the milestones' amounts: Odoo reads the
    # invoiced quantity while it computes the line's price, and the amounts
    # computed then would read the net amount before it changes.
    @api.depends(
        "price_subtotal",
        "billing_milestone_ids.status",
        "billing_milestone_ids.invoice_line_id.price_subtotal",
        "billing_milestone_ids.invoice_line_id.billing_credited_amount",
    )
    def _compute_qty_invoiced(self):
        scheduled = self.filtered("billing_milestone_ids")
        res = super(SaleOrderLine, self - scheduled)._compute_qty_invoiced()
        for line in scheduled:
            processed = line.billing_milestone_ids._filter_revenue()._filter_processed()
            line.qty_invoiced = line._get_billing_share(
                processed, sum(m._get_billed_amount() for m in processed)
            )
        return res

    @api.depends("billing_milestone_ids.invoice_state", "billing_milestone_ids.amount")
    def _compute_qty_invoiced_posted(self):
        scheduled = self.filtered("billing_milestone_ids")
        res = super(SaleOrderLine, self - scheduled)._compute_qty_invoiced_posted()
        for line in scheduled:
            line.qty_invoiced_posted = line._get_billing_share(
                line.billing_milestone_ids._filter_revenue()
                ._filter_processed()
                .filtered(lambda m: m.invoice_state == "posted")
            )
        return res

    # Constraints

    @api.constrains("product_id")
    def _check_billing_schedule_product(self):
        for line in self:
            if line.billing_milestone_ids and not line.is_billing_milestone_line:
                raise ValidationError(
                    self.env._(
                        'Order line "%(line)s" has a billing schedule, so its '
                        "product must be a service invoiced based on milestones.",
                        line=line.display_name,
                    )
                )

    @api.constrains("price_subtotal")
    def _check_billing_net_amount(self):
        # Only what is processed: open milestone amounts may still be awaiting
        # their recompute here, and their own constraint checks the other caps.
        self._check_billing_processed_amount()

    # CRUD

    @api.ondelete(at_uninstall=False)
    def _unlink_except_processed_milestones(self):
        lines = self.filtered(lambda line: line._has_processed_billing_milestone())
        if lines:
            raise UserError(
                self.env._(
                    "Order line %(lines)s has processed billing milestones and "
                    "cannot be deleted.",
                    lines=", ".join(lines.mapped("display_name")),
                )
            )

    # Actions

    def action_open_billing_replan(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Re-plan Billing Schedule"),
            "res_model": "sale.billing.milestone.replan",
            "view_mode": "form",
            "target": "new",
            "context": {"default_sale_line_id": self.id},
        }

    def action_open_billing_schedule(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Billing Schedule"),
            "res_model": "sale.order.line",
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "sale_milestone_billing.sale_order_line_view_form_billing"
                    ).id,
                    "form",
                )
            ],
            "target": "new",
            # Fifteen columns: Amount, Due Date, status and invoice stay in view.
            "context": {"dialog_size": "extra-large"},
        }

    # Business methods

    def _has_processed_billing_milestone(self):
        """Whether a live invoice line bills one of the line's milestones."""
        self.ensure_one()
        return bool(self.billing_milestone_ids._filter_processed())

    def _get_billing_share_label(self, milestone):
        if milestone.is_retention_release:
            return self.env._("Retention")
        if milestone.percent:
            return f"{format_percent(milestone.percent)} %"
        return format_amount(self.env, milestone.fixed_amount, self.currency_id)

    def _compute_billing_totals_from_invoices(self):
        """Lines without a schedule, sold based on milestones or not: what
        Odoo's invoiced quantity says is invoiced, and what paid invoices bill."""
        for line in self:
            net = line.price_subtotal
            quantity = line.product_uom_qty
            invoiced = net * line.qty_invoiced / quantity if quantity else 0.0
            paid = 0.0
            for aml in line.invoice_lines:
                move = aml.move_id
                if move.state == "posted" and move.payment_state in (
                    "paid",
                    "in_payment",
                ):
                    sign = -1 if move.move_type == "out_refund" else 1
                    paid += sign * aml.currency_id._convert(
                        aml.price_subtotal,
                        line.currency_id,
                        aml.company_id,
                        move.invoice_date or aml.date,
                    )
            line.update(
                {
                    "billing_scheduled_amount": 0.0,
                    "billing_scheduled_percent": 0.0,
                    "billing_unscheduled_amount": net,
                    "billing_billable_amount": 0.0,
                    "billing_invoiced_amount": line.currency_id.round(invoiced),
                    "billing_credited_amount": 0.0,
                    "billing_paid_amount": paid,
                }
            )
            line._set_billing_progress(line.billing_invoiced_amount)

    def _set_billing_progress(self, settled):
        """Remaining and % Billed of the line, ``settled`` being what is
        invoiced or credited for good."""
        self.ensure_one()
        net = self.price_subtotal
        self.billing_remaining_amount = net - settled
        self.billing_progress = 100.0 * settled / net if net else 0.0

    def _get_billing_share(self, milestones, amount=None):
        """Part of the ordered quantity that ``milestones`` of the line (or
        ``amount``) stand for."""
        self.ensure_one()
        if not milestones:
            return 0.0
        if amount is None:
            amount = sum(milestones.mapped("amount"))
        net = self._get_billing_net()
        if self.currency_id.compare_amounts(amount, net) >= 0:
            return self.product_uom_qty
        return self.product_uom_qty * amount / net

    def _get_billing_net(self):
        """The line's untaxed net amount. Odoo reads the invoiced quantity while
        it computes that amount (to decide whether to re-price the line): then
        the field still holds the old amount, so it is worked out from the
        price, as Odoo does."""
        self.ensure_one()
        if not self.env.is_protected(self._fields["price_subtotal"], self):
            return self.price_subtotal
        price = self.price_unit * (1 - (self.discount or 0.0) / 100.0)
        return self.tax_id.compute_all(
            price,
            self.currency_id,
            self.product_uom_qty,
            product=self.product_id,
            partner=self.order_id.partner_shipping_id,
        )["total_excluded"]

    def _check_billing_processed_amount(self):
        for line in self.filtered("billing_milestone_ids"):
            currency = line.currency_id
            processed = line.billing_milestone_ids._filter_revenue()._filter_processed()
            processed_amount = sum(m._get_billed_amount() for m in processed)
            if currency.compare_amounts(processed_amount, line.price_subtotal) > 0:
                raise ValidationError(
                    self.env._(
                        'Order line "%(line)s": its untaxed net amount %(net)s '
                        "cannot go below the %(processed)s already processed "
                        "(milestones %(milestones)s).",
                        line=line.display_name,
                        net=format_amount(self.env, line.price_subtotal, currency),
                        processed=format_amount(self.env, processed_amount, currency),
                        milestones=processed._milestone_labels(),
                    )
                )

    def _check_billing_schedule_totals(self):
        """Caps of a schedule: what is processed, 100 %, the line's net amount."""
        self._check_billing_processed_amount()
        for line in self.filtered("billing_milestone_ids"):
            milestones = line.billing_milestone_ids
            currency = line.currency_id
            percent = sum(milestones.mapped("percent"))
            # Reading the amounts computes those an edit left to compute.
            total = sum(milestones._filter_revenue().mapped("amount"))
            if float_compare(percent, 100.0, precision_digits=PERCENT_DIGITS) > 0:
                raise ValidationError(
                    self.env._(
                        'Order line "%(line)s": the Percent of milestones '
                        "%(milestones)s adds up to %(percent)s %%, above 100 %%.",
                        **line._get_billing_error_values(),
                        percent=round(percent, PERCENT_DIGITS),
                    )
                )
            if currency.compare_amounts(total, line.price_subtotal) > 0:
                raise ValidationError(
                    self.env._(
                        'Order line "%(line)s": milestones %(milestones)s add up '
                        "to %(total)s, above the line's untaxed net amount %(net)s.",
                        **line._get_billing_error_values(),
                        total=format_amount(self.env, total, currency),
                        net=format_amount(self.env, line.price_subtotal, currency),
                    )
                )

    def _get_billing_error_values(self):
        """The line and its milestones, as the schedule's errors name them."""
        self.ensure_one()
        return {
            "line": self.display_name,
            "milestones": self.billing_milestone_ids._milestone_labels(),
        }

    def _get_billing_schedule_amounts(self, edited=None, net=None):
        """Amount of each milestone of the line, as the schedule computes it.

        The plan spreads the line's net over the milestones; the parts partial
        credit notes re-opened are billed on their own, out of the amount of the
        milestone they came from. ``edited``: milestones of the line as a form
        holds them, in place of the saved ones they stand for.
        """
        self.ensure_one()
        edited = edited or self.env["sale.billing.milestone"]
        replaced = set(edited._origin.ids)
        milestones = (
            edited
            | self.billing_milestone_ids.filtered(
                lambda m: m._origin.id not in replaced
            )
        ).sorted(lambda m: (m.sequence, m._origin.id or 0))
        # What each milestone's parts re-opened, from the line's milestones
        # rather than each one's parts: no query per milestone.
        reopened = defaultdict(float)
        for part in milestones.filtered("reopened_from_id"):
            reopened[part.reopened_from_id] += part.fixed_amount
        entries = {
            milestone: milestone._get_schedule_entry(reopened[milestone])
            for milestone in milestones
        }
        # The release bills the retention withheld, not a share of the net.
        planned = milestones.filtered(
            lambda m: not m.reopened_from_id and not m.is_retention_release
        )
        releases = milestones._filter_releases()
        amounts = dict(
            zip(
                planned,
                schedule_amounts(
                    self.price_subtotal if net is None else net,
                    [entries[milestone] for milestone in planned],
                    self.currency_id.rounding,
                ),
                strict=True,
            )
        )
        for part in milestones - planned - releases:
            frozen = entries[part].frozen_amount
            amounts[part] = part.fixed_amount if frozen is None else frozen
        # The plan's own amounts are rounded already; what invoices billed, the
        # parts and what they re-opened are rounded here.
        amounts = {
            milestone: (
                amount
                if entries[milestone].frozen_amount is None
                and milestone in planned
                and not reopened[milestone]
                else self.currency_id.round(amount - reopened[milestone])
            )
            for milestone, amount in amounts.items()
        }
        for release in releases:
            frozen = entries[release].frozen_amount
            amounts[release] = (
                self._get_billing_retention_expected(amounts)
                if frozen is None
                else self.currency_id.round(frozen - reopened[release])
            )
        return amounts

    def _timesheet_service_generation(self):
        res = super()._timesheet_service_generation()
        self._create_billing_project_milestones()
        return res

    def _handle_milestones(self, project):
        # A scheduled line gets one project milestone per Manual billing milestone
        # instead of Odoo's single one (see _create_billing_project_milestones).
        if self.billing_milestone_ids:
            return None
        return super()._handle_milestones(project)

    def _create_billing_project_milestones(self, milestones=None):
        """A project milestone for each Manual billing milestone not linked yet
        (among ``milestones`` when given), in the project the line's product
        creates or fills, so that reaching it there reaches the billing
        milestone."""
        values = []
        for line in self.filtered("billing_milestone_ids"):
            project = line.project_id or line.task_id.project_id
            if not project:
                continue
            candidates = line.billing_milestone_ids
            if milestones is not None:
                candidates &= milestones
            for milestone in candidates.filtered(
                lambda m: m.kind == "manual" and not m.project_milestone_id
            ):
                values.append(
                    {
                        "name": milestone.display_name,
                        "project_id": project.id,
                        "sale_line_id": line.id,
                        "deadline": milestone.due_date,
                        "quantity_percentage": line.price_subtotal
                        and milestone.amount / line.price_subtotal,
                        "billing_milestone_ids": [Command.link(milestone.id)],
                    }
                )
        return self.env["project.milestone"].create(values)
