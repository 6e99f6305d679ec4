# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LedgerCase

# CI runs at least 200 sequences of up to 10 steps, in two halves of equal
# size; SMB_LEDGER_EXAMPLES=20 for a quick local run.
EXAMPLES = int(os.environ.get("SMB_LEDGER_EXAMPLES", 200))

INDEX = st.integers(min_value=0, max_value=20)
INTENT = st.sampled_from(["final", "rebill"])


class LedgerMachine(RuleBasedStateMachine):
    """Random sequences of what an accountant does to the invoices of one order
    (see ``LedgerCase``): the ledger invariants hold after each step. Each
    sequence starts from the same confirmed order, in a savepoint rolled back
    after it."""

    def __init__(self, test, order, m1, m2):
        super().__init__()
        self.test = test
        self.savepoint = test.env.cr.savepoint()
        self.order, self.m1, self.m2 = order, m1, m2
        self.milestones = self.m1 | self.m2
        self.moves = self.test.env["account.move"]

    def teardown(self):
        self.savepoint.close(rollback=True)

    def _move(self, index, states, move_type=None):
        candidates = self.moves.filtered(
            lambda m: (
                m.state in states and (move_type is None or m.move_type == move_type)
            )
        )
        return candidates[index % len(candidates)] if candidates else None

    def _attempt(self, operation, *args):
        """Run an accountant's operation; one Odoo or the module
        refuses changes nothing (its savepoint is rolled back)."""
        try:
            with self.test.env.cr.savepoint():
                return operation(*args)
        except (UserError, ValidationError):
            return None

    def _add(self, moves):
        if moves:
            self.moves |= moves

    @initialize(reach=st.booleans(), post=st.booleans())
    def first_invoice(self, reach, post):
        self.m2.is_reached = reach
        self.moves = self.test._invoice(self.order)
        if post:
            self.moves.action_post()

    @rule()
    def create_invoice(self):
        self._add(self._attempt(self.test._invoice, self.order))

    @precondition(lambda self: not self.m2.is_reached)
    @rule()
    def reach_m2(self):
        self.m2.is_reached = True

    @rule(index=INDEX)
    def post(self, index):
        move = self._move(index, ("draft",))
        if move:
            self._attempt(move.action_post)

    @rule(index=INDEX)
    def cancel(self, index):
        move = self._move(index, ("draft",))
        if move:
            self._attempt(move.button_cancel)

    @rule(index=INDEX)
    def reset_to_draft(self, index):
        move = self._move(index, ("posted", "cancel"))
        if move:
            self._attempt(move.button_draft)

    @rule(index=INDEX)
    def delete_draft(self, index):
        move = self._move(index, ("draft",))
        if move and self._attempt(move.unlink) is not None:
            self.moves = self.moves.exists()

    @rule(index=INDEX, intent=INTENT)
    def full_credit_note(self, index, intent):
        move = self._move(index, ("posted",))
        if move:
            self._add(self._attempt(self._credit, move, None, intent))

    @rule(index=INDEX, intent=INTENT)
    def partial_credit_note(self, index, intent):
        move = self._move(index, ("posted",), "out_invoice")
        if move:
            self._add(self._attempt(self._credit, move, 0.5, intent))

    @rule(index=INDEX, intent=INTENT)
    def draft_credit_note(self, index, intent):
        move = self._move(index, ("posted",))
        if move:
            self._add(self._attempt(self.test._reverse, move, False, intent))

    @rule(index=INDEX, intent=INTENT)
    def change_draft_credit_note_intent(self, index, intent):
        move = self._move(index, ("draft",), "out_refund")
        if move:
            self._attempt(move.write, {"billing_credit_intent": intent})

    @rule(index=INDEX)
    def refund_and_new_draft(self, index):
        move = self._move(index, ("posted",), "out_invoice")
        if move:
            self._add(self._attempt(self.test._reverse, move, True))

    @rule(index=INDEX)
    def duplicate(self, index):
        move = self._move(index, ("draft", "posted", "cancel"))
        if move:
            self._add(self._attempt(move.copy))

    @rule(index=INDEX)
    def pay(self, index):
        move = self._move(index, ("posted",), "out_invoice")
        if move and move.payment_state == "not_paid":
            self._attempt(self.test._pay, move)

    @rule(index=INDEX)
    def unreconcile(self, index):
        move = self._move(index, ("posted",))
        partials = move and (
            move.line_ids.matched_credit_ids | move.line_ids.matched_debit_ids
        )
        if partials:
            self._attempt(move.js_remove_outstanding_partial, partials[0].id)

    @rule(index=INDEX, share=st.sampled_from([0.5, 0.9]))
    def edit_draft_line(self, index, share):
        move = self._move(index, ("draft",), "out_invoice")
        lines = move and move.invoice_line_ids.filtered("billing_milestone_id")
        if lines:
            line = lines[index % len(lines)]
            self._attempt(line.write, {"price_unit": line.price_unit * share})

    def _credit(self, move, share, intent):
        credit_note = self.test._reverse(move, intent=intent)
        if share:
            for line in credit_note.invoice_line_ids:
                line.price_unit = line.price_unit * share
        credit_note.action_post()
        return credit_note

    @invariant()
    def ledger_holds(self):
        self.test.env.flush_all()
        currency = self.order.currency_id
        line = self.order.order_line
        milestones = line.billing_milestone_ids
        self.test.assertEqual(milestones & self.milestones, self.milestones)
        # The release bills the retention, not the line's net (see below).
        milestones = milestones._filter_revenue()
        billed_net = finally_credited = open_amount = 0.0
        for milestone in milestones:
            lines = self.test.env["account.move.line"].search(
                [("billing_milestone_id", "=", milestone.id)]
            )
            live = lines.filtered("billing_milestone_live")
            self.test.assertLessEqual(len(live), 1, "billed on two invoices")
            self.test.assertEqual(
                milestone.status == "processed", bool(live), milestone.name
            )
            self.test.assertEqual(milestone.invoice_id, live.move_id)
            if not live:
                open_amount += milestone.amount
                continue
            # Processed for what its invoice bills, net of the credit
            # notes that bill it again later.
            self.test.assertTrue(
                currency.is_zero(
                    live.price_subtotal
                    - live.billing_credited_amount
                    - milestone.amount
                ),
                (milestone.name, live.price_subtotal, milestone.amount),
            )
            self.test.assertTrue(
                currency.is_zero(
                    live.billing_final_credit_amount - milestone.credited_amount
                )
            )
            billed_net += (
                live.price_subtotal
                - live.billing_credited_amount
                - live.billing_final_credit_amount
            )
            finally_credited += live.billing_final_credit_amount
        # Nothing lost, nothing billed twice: billed net of credit
        # notes, open and finally credited make the line's net.
        self.test.assertTrue(
            currency.is_zero(
                billed_net + open_amount + finally_credited - line.price_subtotal
            ),
            (billed_net, open_amount, finally_credited, line.price_subtotal),
        )

    @invariant()
    def what_the_customer_owes_follows_the_posted_moves(self):
        """Posted invoices less posted credit notes never ask more of
        the customer than the live lines bill net of credit notes."""
        currency = self.order.currency_id
        amls = self.test.env["account.move.line"].search(
            [
                (
                    "billing_milestone_id",
                    "in",
                    self.order.billing_milestone_ids.ids,
                ),
                ("parent_state", "=", "posted"),
            ]
        )
        posted_net = sum(
            aml.price_subtotal * (1 if aml.move_type == "out_invoice" else -1)
            for aml in amls
        )
        live = amls.filtered("billing_milestone_live")
        billed = sum(
            aml.price_subtotal
            - aml.billing_credited_amount
            - aml.billing_final_credit_amount
            for aml in live
        )
        self.test.assertLessEqual(
            currency.compare_amounts(posted_net, billed),
            0,
            "posted above billed",
        )

    @invariant()
    def reopened_parts_follow_the_ledger(self):
        milestones = self.order.order_line.billing_milestone_ids
        for milestone in milestones.filtered("invoice_line_id"):
            line = milestone.invoice_line_id
            credits = line.move_id.reversal_move_ids.filtered(
                lambda move: move.billing_credit_intent == "rebill"
            ).line_ids.filtered(
                lambda aml, m=milestone: (
                    aml.billing_milestone_id == m and aml.parent_state == "posted"
                )
            )
            self.test.assertEqual(
                milestone.reopened_ids.reopened_by_line_id & credits,
                credits,
                (milestone.display_name, "a credit to bill again left no part"),
            )
        # An open original has taken its unbilled parts back.
        for part in milestones.filtered(
            lambda m: m.reopened_from_id and m.status != "processed"
        ):
            self.test.assertEqual(
                part.reopened_from_id.status,
                "processed",
                (part.display_name, "an open part of an open milestone"),
            )

    @precondition(lambda self: self.moves)
    @invariant()
    def quantities_follow_the_ledger(self):
        line = self.order.order_line
        share = sum(
            line.billing_milestone_ids._filter_revenue()
            .filtered(lambda m: m.status == "processed")
            .mapped("amount")
        )
        expected = line.product_uom_qty * share / line.price_subtotal
        self.test.assertAlmostEqual(
            line.qty_invoiced, expected, delta=line.product_uom.rounding
        )


class RetentionLedgerMachine(LedgerMachine):
    """The same corrections on an order that withholds 10 % until its Manual
    Retention Release R, which can be reached and invoiced as well."""

    def __init__(self, test, order, m1, m2, release):
        super().__init__(test, order, m1, m2)
        self.release = release

    @precondition(lambda self: not self.release.is_reached)
    @rule()
    def reach_release(self):
        self.release.is_reached = True

    @invariant()
    def retention_follows_the_journal(self):
        """Withheld − released − credited = held ≥ 0, and held is what the
        Retention Receivable account holds for the line."""
        self.test.env.flush_all()
        line = self.order.order_line
        currency = line.currency_id
        held = line.billing_retention_held
        self.test.assertGreaterEqual(currency.compare_amounts(held, 0.0), 0)
        self.test.assertTrue(
            currency.is_zero(
                line.billing_retention_withheld
                - line.billing_retention_released
                - line.billing_retention_credited
                - held
            )
        )
        journal = self.test.env["account.move.line"].search(
            [
                ("billing_retention_line_id", "=", line.id),
                ("parent_state", "=", "posted"),
            ]
        )
        self.test.assertEqual(
            journal.account_id | self.test.env.company.billing_retention_account_id,
            self.test.env.company.billing_retention_account_id,
        )
        self.test.assertTrue(
            currency.is_zero(
                sum(journal.mapped("balance")) - held - line.billing_retention_credited
            ),
            (sum(journal.mapped("balance")), held),
        )
        # An open release bills what is held and what is still to withhold.
        if self.release.status != "processed":
            pending = sum(
                round(m.amount * 0.1, 2)
                for m in line.billing_milestone_ids._filter_revenue()
                if m.invoice_state != "posted"
            )
            self.test.assertTrue(
                currency.is_zero(self.release.amount - held - pending),
                (self.release.amount, held, pending),
            )


class LedgerStateMachineCase(LedgerCase):
    """Half of the sequences: the suite runs the two halves side by side."""

    @mute_logger("odoo.models.unlink")
    def _run_half(self):
        order, m1, m2 = self._order()
        run_state_machine_as_test(
            lambda: LedgerMachine(self, order, m1, m2),
            settings=settings(
                max_examples=(EXAMPLES + 1) // 2, stateful_step_count=10, deadline=None
            ),
        )


@tagged("post_install", "-at_install")
class TestLedgerStateMachine(LedgerStateMachineCase):
    def test_invariants_hold_under_any_sequence_of_corrections(self):
        self._run_half()


@tagged("post_install", "-at_install")
class TestRetentionLedgerStateMachine(LedgerCase):
    @mute_logger("odoo.models.unlink")
    def test_retention_holds_under_any_sequence_of_corrections(self):
        order, m1, m2 = self._order()
        order.order_line.billing_retention_percent = 10
        release = self._add_milestones(
            order.order_line, {"kind": "manual", "is_retention_release": True}
        )
        release.name = "R"
        run_state_machine_as_test(
            lambda: RetentionLedgerMachine(self, order, m1, m2, release),
            settings=settings(
                max_examples=(EXAMPLES + 7) // 8, stateful_step_count=10, deadline=None
            ),
        )


@tagged("post_install", "-at_install")
class TestLedgerStateMachineOtherHalf(LedgerStateMachineCase):
    def test_invariants_hold_under_any_other_sequence_of_corrections(self):
        self._run_half()
