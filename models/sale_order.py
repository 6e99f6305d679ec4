# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import threading
import time
from collections import defaultdict

from psycopg2.errors import SerializationFailure

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.float_utils import float_compare
from odoo.tools.misc import format_date

from ..tools.run_state import billing_run, current_billing_run
from ..tools.schedule import (
    PERCENT_DIGITS,
    format_percent,
    next_group_size,
    scheduled_percent,
)

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # Fields

    contract_date = fields.Date(
        copy=False,
        tracking=True,
        help="Base date of Days billing milestones. Set to the confirmation date "
        "when left empty; locked once a milestone of the order is processed.",
    )
    billing_milestone_ids = fields.One2many(
        "sale.billing.milestone", "order_id", string="Billing Milestones"
    )
    billing_milestone_count = fields.Integer(compute="_compute_billing_milestones")
    has_processed_billing_milestone = fields.Boolean(
        compute="_compute_billing_milestones"
    )
    billing_scheduled_amount = fields.Monetary(
        string="Scheduled",
        compute="_compute_billing_progress",
        help="Untaxed amount the billing schedules of the order cover.",
    )
    billing_invoiced_amount = fields.Monetary(
        string="Invoiced",
        compute="_compute_billing_progress",
        help="Untaxed amount of the milestones a draft or posted invoice bills.",
    )
    billing_credited_amount = fields.Monetary(
        string="Credited",
        compute="_compute_billing_progress",
        help="Untaxed amount of the milestones that Final Reduction credit notes "
        "credited for good.",
    )
    billing_paid_amount = fields.Monetary(
        string="Paid",
        compute="_compute_billing_progress",
        help="Untaxed amount of the milestones whose invoice is paid.",
    )
    billing_remaining_amount = fields.Monetary(
        string="Remaining",
        compute="_compute_billing_progress",
        help="Untaxed amount of the milestone lines neither invoiced nor credited yet.",
    )
    billing_billable_amount = fields.Monetary(
        string="Billable Now",
        compute="_compute_billing_progress",
        help="Untaxed amount of the milestones Create Invoice would bill today.",
    )
    billing_progress = fields.Float(
        string="% Billed",
        compute="_compute_billing_progress",
        aggregator=None,
        help="Share of the milestone lines' untaxed amount invoiced so far, what "
        "Final Reduction credit notes credited included.",
    )
    billing_overscheduled_message = fields.Char(
        string="Schedules above 100 %",
        compute="_compute_billing_schedule_warnings",
        help="The order lines whose billing schedule, as being edited, covers "
        "more than their untaxed net amount.",
    )
    billing_replan_needed = fields.Boolean(
        string="Re-plan Needed",
        compute="_compute_billing_schedule_warnings",
        help="The net amount of an order line changed after milestones were "
        "invoiced: its open milestones wait until its schedule is re-planned.",
    )
    billing_default_line_id = fields.Many2one(
        "sale.order.line",
        string="Default Scheduled Line",
        compute="_compute_billing_schedule_warnings",
        help="The order line a milestone added in the Billing Schedule tab gets: "
        "the order's only line sold based on milestones.",
    )
    billing_auto_invoice_failed_date = fields.Date(
        string="Automatic Invoicing Failed On",
        copy=False,
        readonly=True,
        help="Last day the daily job failed to invoice the billing milestones of "
        "the order; it tries again the next day.",
    )

    # Compute methods

    @api.depends("order_line.product_id")
    def _compute_is_product_milestone(self):
        # Odoo's own compute declares no dependency: the Billing Schedule tab and
        # the lines' Schedule column would wait for the quotation to be saved.
        return super()._compute_is_product_milestone()

    @api.depends("billing_milestone_ids.status")
    def _compute_billing_milestones(self):
        saved = self.filtered("id")
        counts = {
            (order.id, status): count
            for order, status, count in self.env["sale.billing.milestone"]._read_group(
                [("order_id", "in", saved.ids)], ["order_id", "status"], ["__count"]
            )
        }
        for order in saved:
            order.billing_milestone_count = sum(
                counts.get((order.id, status), 0)
                for status in ("to_process", "processed", "hold")
            )
            order.has_processed_billing_milestone = bool(
                counts.get((order.id, "processed"))
            )
        # An order being edited in a form has no id to count by: what the form
        # holds counts, so the smart button and the contract date lock stay.
        for order in self - saved:
            milestones = order.billing_milestone_ids
            order.billing_milestone_count = len(milestones)
            order.has_processed_billing_milestone = bool(milestones._filter_processed())

    @api.depends(
        "billing_milestone_ids.percent",
        "billing_milestone_ids.fixed_amount",
        "billing_milestone_ids.sale_line_id",
        "order_line.price_subtotal",
        "order_line.billing_replan_needed",
        "order_line.product_id",
    )
    def _compute_billing_schedule_warnings(self):
        for order in self:
            # The milestones as the form holds them: rows added or changed in
            # the Billing Schedule tab count before they are saved. A saved
            # order has none above 100 %: its lines' caps refused them.
            editing = order.billing_milestone_ids.browse()
            if not order.id:
                editing = order.billing_milestone_ids
            entries = {
                line: milestones._get_plan_entries()
                for line, milestones in editing.filtered(
                    lambda m: not m.reopened_from_id
                )
                .grouped("sale_line_id")
                .items()
            }
            over = []
            for line, line_entries in entries.items():
                percent = scheduled_percent(line.price_subtotal, line_entries)
                if float_compare(percent, 100.0, precision_digits=PERCENT_DIGITS) > 0:
                    over.append((line, percent))
            order.billing_overscheduled_message = " ".join(
                self.env._(
                    "The schedule of %(line)s covers %(percent)s %% of the line's "
                    "untaxed net amount: lower a percent or an amount before saving.",
                    line=(line.name or "").split("\n")[0],
                    percent=format_percent(percent),
                )
                for line, percent in over
            )
            order.billing_replan_needed = any(
                order.order_line.mapped("billing_replan_needed")
            )
            scheduled = order.order_line.filtered("is_billing_milestone_line")
            order.billing_default_line_id = (
                scheduled._origin if len(scheduled) == 1 else False
            )

    @api.depends(
        "billing_milestone_ids.amount",
        "order_line.billing_scheduled_amount",
        "order_line.billing_invoiced_amount",
        "order_line.billing_credited_amount",
        "order_line.billing_paid_amount",
        "order_line.billing_remaining_amount",
        "order_line.billing_billable_amount",
    )
    def _compute_billing_progress(self):
        for order in self:
            # What is saved: reading the schedules of lines being edited in a
            # form would add their new milestones to the order's tab as well.
            lines = order._origin.order_line.filtered("is_billing_milestone_line")
            totals = {
                name: sum(lines.mapped(name))
                for name in (
                    "billing_scheduled_amount",
                    "billing_invoiced_amount",
                    "billing_credited_amount",
                    "billing_paid_amount",
                    "billing_remaining_amount",
                    "billing_billable_amount",
                )
            }
            # The tab's rows as the form holds them, unsaved ones included; a
            # saved order's are its lines' schedules.
            if not order.id:
                totals["billing_scheduled_amount"] = sum(
                    order.billing_milestone_ids._filter_revenue().mapped("amount")
                )
            order.update(totals)
            net = sum(lines.mapped("price_subtotal"))
            settled = (
                totals["billing_invoiced_amount"] + totals["billing_credited_amount"]
            )
            order.billing_progress = 100.0 * settled / net if net else 0.0

    # CRUD

    def write(self, vals):
        if "contract_date" in vals:
            self._check_contract_date_unlocked(vals["contract_date"])
        return super().write(vals)

    # Actions

    def action_confirm(self):
        today = fields.Date.context_today(self)
        self.filtered(
            lambda order: not order.contract_date and order.state in ("draft", "sent")
        ).contract_date = today
        return super().action_confirm()

    def action_view_billing_milestones(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_milestone_billing.sale_billing_milestone_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"default_order_id": self.id}
        return action

    # Business methods

    def _check_contract_date_unlocked(self, new_date):
        locked = self.filtered(
            lambda order: (
                order.has_processed_billing_milestone
                and order.contract_date != fields.Date.to_date(new_date)
            )
        )
        if locked:
            raise UserError(
                self.env._(
                    "The Contract Date of %(orders)s is locked: some of its billing "
                    "milestones are already processed.",
                    orders=", ".join(locked.mapped("name")),
                )
            )

    def _create_invoices(self, grouped=False, final=False, date=None):
        """Odoo's Create Invoice bills what is billable today, whole orders."""
        if current_billing_run() is not None:
            # One run of _invoice_billing_milestones: Odoo's own invoicing.
            return super()._create_invoices(grouped=grouped, final=final, date=date)
        return self._invoice_billing_milestones(
            fields.Date.context_today(self), grouped=grouped, final=final, date=date
        )

    def _invoice_billing_milestones(
        self,
        as_of,
        milestones=None,
        whole_orders=True,
        post=False,
        skip_locked=False,
        grouped=False,
        final=False,
        date=None,
    ):
        """The one invoicing path of the orders: Create Invoice, the batch wizard
        and the daily job all come here.

        :param as_of: milestones billable on this date are invoiced; None:
            those billable now, as their stored facts say (the daily job)
        :param milestones: only these (all must be billable), else all billable
        :param whole_orders: also the orders' other lines, as Odoo invoices them
        :param post: post the invoices
        :param skip_locked: leave out milestones another transaction is
            invoicing, instead of refusing
        :return: the invoices created

        Milestones sharing a due date go on the same invoices, never with those of
        another date (``_get_invoice_plan``); the orders' other lines go with the
        milestones without one. Nothing is invoiced when anything is refused.
        """
        if post and not self.env.su:
            if not self.env.user.has_group("account.group_account_invoice"):
                raise AccessError(
                    self.env._("You don't have the access rights to post an invoice.")
                )
        billable = self._get_billable_milestones(as_of, milestones)
        if milestones is not None and milestones - billable:
            raise UserError(self._billing_changed_message(milestones - billable, as_of))
        billable = billable._lock_for_invoicing(skip_locked=skip_locked)
        runs = [
            (due_date, self.env["sale.billing.milestone"].union(*invoices.values()))
            for due_date, invoices in billable._get_invoice_plan()
        ]
        if whole_orders and (not runs or runs[0][0]):
            runs.insert(0, (None, billable.browse()))
        moves = self.env["account.move"]
        orders = self.with_context(raise_if_nothing_to_invoice=False)
        for due_date, run_milestones in runs:
            with billing_run(run_milestones, due_date, whole_orders and not due_date):
                moves |= orders._create_invoices(
                    grouped=grouped, final=final, date=date
                )
        if not moves and self.env.context.get("raise_if_nothing_to_invoice", True):
            raise UserError(self._nothing_to_invoice_error_message())
        if post:
            moves.action_post()
        return moves

    def _get_billable_milestones(self, as_of, milestones=None):
        """Milestones of the orders billable on ``as_of`` (None: now), among
        ``milestones`` when given."""
        Milestone = self.env["sale.billing.milestone"]
        domain = [("order_id", "in", self.ids), *Milestone._get_billable_domain(as_of)]
        if milestones is not None:
            domain.append(("id", "in", milestones.ids))
        # Each line's milestones in schedule order, without joining the orders.
        return Milestone.search(domain, order="sequence, id")

    def _billing_changed_message(self, missed, as_of):
        return self.env._(
            "Billing milestone %(milestones)s of %(orders)s cannot be invoiced as of "
            "%(date)s: it is not billable on that date, or it changed since it was "
            "listed. Open Invoice Milestones again.",
            milestones=", ".join(missed._sorted_by_schedule().mapped("display_name")),
            orders=", ".join(missed.order_id.mapped("name")),
            date=format_date(self.env, as_of),
        )

    def _get_invoice_grouping_values(self):
        """The values of Odoo's invoice grouping keys for the order's invoice."""
        self.ensure_one()
        # _prepare_invoice bills the invoice address, not the order's customer.
        values = {"partner_id": self.partner_invoice_id}
        return tuple(
            values[key] if key in values else self[key]
            for key in self._get_invoice_grouping_keys()
        )

    def _get_invoiceable_lines(self, final=False):
        lines = super()._get_invoiceable_lines(final)
        run = current_billing_run()
        scheduled = self.order_line.filtered("billing_milestone_ids")
        if run is None:
            # Milestones are billed through _invoice_billing_milestones only.
            return lines - scheduled
        billed = scheduled & run.milestones.sale_line_id
        if not run.whole_orders:
            return billed
        others = lines - scheduled
        down_payments = others.filtered("is_downpayment")
        return (others - down_payments) | billed | down_payments

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        run = current_billing_run()
        if run and run.due_date:
            # The milestones' due date, not one the payment terms would compute.
            values.update(
                {"invoice_date_due": run.due_date, "invoice_payment_term_id": False}
            )
        return values

    def _create_account_invoices(self, invoice_vals_list, final):
        """One invoice line per billed milestone, in place of its order line's."""
        run = current_billing_run()
        if run is None or not run.milestones:
            return super()._create_account_invoices(invoice_vals_list, final)
        milestones_of_line = defaultdict(list)
        for milestone in run.milestones:
            milestones_of_line[milestone.sale_line_id.id].append(milestone)
        for invoice_vals in invoice_vals_list:
            commands = []
            for command in invoice_vals["invoice_line_ids"]:
                values = command[2]
                # Odoo links each invoice line to its order line: a scheduled
                # line billed in this run stands for one line per milestone.
                line_ids = [link[1] for link in values.get("sale_line_ids", [])]
                if len(line_ids) != 1 or line_ids[0] not in milestones_of_line:
                    commands.append(command)
                    continue
                for milestone in milestones_of_line[line_ids[0]]:
                    line_values = milestone._prepare_invoice_line_values(values)
                    commands.append(Command.create(line_values))
                    retention = milestone._prepare_retention_line_values(line_values)
                    if retention:
                        commands.append(Command.create(retention))
            invoice_vals["invoice_line_ids"] = commands
        return super()._create_account_invoices(invoice_vals_list, final)

    def _nothing_to_invoice_error_message(self):
        message = super()._nothing_to_invoice_error_message()
        waiting = self.billing_milestone_ids.filtered(lambda m: not m.is_billable_now)
        if not waiting:
            return message
        reasons = self.env._(
            "Nothing to invoice yet. Billing milestones not billable now:\n%(reasons)s",
            reasons="\n".join(
                self.env._(
                    "   \u2022 %(order)s, %(milestone)s: %(reason)s",
                    order=milestone.order_id.name,
                    milestone=milestone.display_name,
                    reason=milestone.billable_reason,
                )
                for milestone in waiting
            ),
        )
        other_lines = self.order_line.filtered(
            lambda line: not line.display_type and not line.billing_milestone_ids
        )
        if not other_lines:
            # Odoo's advice (deliver, or switch to prepaid) is wrong for schedules.
            return reasons
        return reasons + "\n\n" + message

    def _get_billing_acceptance_requests(self, user, token=None):
        """Pending acceptance requests of the order that ``user`` may answer:
        all of them for the customer's portal contacts, else only the one
        ``token`` was sent for; none for internal users, who never answer for
        the customer. Call it as superuser: it reads the tokens' hashes."""
        self.ensure_one()
        Acceptance = self.env["sale.billing.milestone.acceptance"]
        if not user.share:
            return Acceptance
        pending = self.billing_milestone_ids.acceptance_id.filtered(
            lambda a: a._is_pending()
        )
        customer = self.partner_id.commercial_partner_id
        if not user._is_public() and user.partner_id.commercial_partner_id == customer:
            return pending
        return pending.filtered(lambda a: a._check_token(token))

    def _get_billing_milestones_to_accept(self, user, token=None):
        """Milestones of the order ``user`` may still accept or reject: those
        of their pending requests not invoiced meanwhile."""
        requests = self._get_billing_acceptance_requests(user, token)
        milestones = requests.milestone_id
        return milestones - milestones._filter_processed()

    def _cron_invoice_billing_milestones(
        self, batch_size=200, time_budget=30.0, lock_budget=0.5, count_limit=10000
    ):
        """Invoice the billing milestones billable now of the companies that ask
        for it (Sales settings), a batch of orders per call (daily job, run
        once the housekeeping job has recorded the day's facts).

        The batch is invoiced in small groups, each committed at once: a group
        holds its orders' locks about ``lock_budget`` seconds, so that their
        users never wait for the rest of the batch. A call takes no new group
        once it has run ``time_budget`` seconds, far from Odoo's limit for a
        scheduled job; the scheduler calls again while the job reports orders
        remaining. An order that fails is left for the next day, so it is tried
        once a day; one whose milestones another transaction is invoicing
        stays for the next call. Each call starts with a group of one order
        and grows it to what ``lock_budget`` allows, so a call takes a batch of
        200 orders: fewer calls start over. The orders remaining are counted up to
        ``count_limit``: the scheduler only needs to know that some are left,
        and a count of the whole backlog would cost each call more as it grows.
        """
        batch = self.search(
            self._get_auto_invoice_domain(), limit=batch_size, order="id"
        )
        # Odoo's idiom: a test runs the job inside its own transaction.
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        deadline = time.monotonic() + time_budget
        done, size = 0, 1
        while batch:
            group, batch = batch[:size], batch[size:]
            started = time.monotonic()
            invoiced, failed = group._auto_invoice_billing_milestones()
            done += len(invoiced) + len(failed)
            if auto_commit:
                # A scheduled job's batch: the group's locks go with the commit.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            size = next_group_size(size, time.monotonic() - started, lock_budget)
            if time.monotonic() >= deadline:
                break
        # Orders skipped because they are locked are no progress: a batch of
        # them only ends the run instead of spinning on them.
        self.env["ir.cron"]._notify_progress(
            done=done,
            remaining=self.search_count(
                self._get_auto_invoice_domain(), limit=count_limit
            ),
        )

    @api.model
    def _get_auto_invoice_domain(self):
        """Orders the invoicing job bills: billable milestones in a company
        that invoices automatically, not failed today already."""
        Milestone = self.env["sale.billing.milestone"]
        return [
            (
                "billing_milestone_ids",
                "any",
                [
                    *Milestone._get_billable_domain(),
                    ("company_id.billing_milestone_auto_invoice", "!=", "off"),
                ],
            ),
            "|",
            ("billing_auto_invoice_failed_date", "=", False),
            ("billing_auto_invoice_failed_date", "<", fields.Date.context_today(self)),
        ]

    def _auto_invoice_billing_milestones(self, as_of=None):
        """Invoice the milestones of the orders billable now (or on ``as_of``),
        one invoice per order and due date, and post them if the company says so.

        The orders of a company are invoiced together, in one savepoint. When
        that fails they are invoiced one by one, each in its own savepoint: the
        one that fails is rolled back whole, logged and told in its chatter,
        and the others go on. Return the orders invoiced and the orders that
        failed; an order another transaction is invoicing is in neither.
        """
        invoiced, failed = self.browse(), self.browse()
        for company in self.company_id:
            orders = self.filtered(lambda order, c=company: order.company_id == c)
            if len(orders) > 1:
                try:
                    invoiced |= orders._auto_invoice_in_savepoint(as_of)
                    continue
                except Exception:  # noqa: BLE001 - tried again order by order below
                    _logger.info(
                        "Automatic invoicing of %s orders failed together, trying "
                        "them one by one",
                        len(orders),
                    )
            for order in orders:
                try:
                    invoiced |= order._auto_invoice_in_savepoint(as_of)
                except SerializationFailure:
                    # Another transaction invoiced the order since this one
                    # began: not a failure, the next call sees what it did.
                    _logger.info(
                        "Billing milestones of %s changed meanwhile, left for later",
                        order.name,
                    )
                except Exception as error:  # noqa: BLE001 - the order's failure
                    order._notify_auto_invoice_failure(error)
                    failed |= order
        failed.billing_auto_invoice_failed_date = fields.Date.context_today(self)
        return invoiced, failed

    def _auto_invoice_in_savepoint(self, as_of):
        """The orders (of one company) invoiced in a savepoint: those invoiced."""
        company = self.company_id
        with self.env.cr.savepoint():
            invoices = (
                self.with_company(company)
                .with_context(raise_if_nothing_to_invoice=False)
                ._invoice_billing_milestones(
                    as_of,
                    whole_orders=False,
                    post=company.billing_milestone_auto_invoice == "post",
                    skip_locked=True,
                    grouped=True,
                )
            )
        return invoices.invoice_line_ids.sale_line_ids.order_id & self

    def _notify_auto_invoice_failure(self, error):
        # A user error is the order's business; anything else is a bug whose
        # traceback is needed.
        _logger.warning(
            "Automatic invoicing of the billing milestones of %s failed: %s",
            self.name,
            error,
            exc_info=not isinstance(error, UserError),
        )
        self.message_post(
            body=self.env._(
                "Automatic invoicing of the billing milestones failed, nothing "
                "was invoiced: %(error)s",
                error=str(error),
            )
        )
