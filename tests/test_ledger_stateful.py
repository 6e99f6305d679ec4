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

from .test_ledger import LedgerCase

# CI runs at least 200 sequences; SMB_LEDGER_EXAMPLES=20 for a quick local run.
EXAMPLES = int(os.environ.get("SMB_LEDGER_EXAMPLES", 200))

INDEX = st.integers(min_value=0, max_value=20)


@tagged("post_install", "-at_install")
class TestLedgerStateMachine(LedgerCase):
    """Random sequences of what an accountant does to invoices: the ledger
    invariants hold after each step."""

    @mute_logger("odoo.models.unlink")
    def test_invariants_hold_under_any_sequence_of_corrections(self):
        test = self

        class Ledger(RuleBasedStateMachine):
            def __init__(self):
                RuleBasedStateMachine.__init__(self)
                self.savepoint = test.env.cr.savepoint()
                self.order, self.m1, self.m2 = test._order()
                self.milestones = self.m1 | self.m2
                self.moves = test.env["account.move"]
                self.short_billed = False

            def teardown(self):
                self.savepoint.close(rollback=True)

            def _move(self, index, states, move_type=None):
                candidates = self.moves.filtered(
                    lambda m: (
                        m.state in states
                        and (move_type is None or m.move_type == move_type)
                    )
                )
                return candidates[index % len(candidates)] if candidates else None

            def _attempt(self, operation, *args):
                """Run an accountant's operation; one Odoo or the module
                refuses changes nothing (its savepoint is rolled back)."""
                try:
                    with test.env.cr.savepoint():
                        return operation(*args)
                except (UserError, ValidationError):
                    return None

            def _add(self, moves):
                if moves:
                    self.moves |= moves

            @initialize(reach=st.booleans(), post=st.booleans())
            def first_invoice(self, reach, post):
                self.m2.is_reached = reach
                self.moves = test._invoice(self.order)
                if post:
                    self.moves.action_post()

            @rule()
            def create_invoice(self):
                self._add(self._attempt(test._invoice, self.order))

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

            def _reversed(self, move, moves):
                """Reversing a credit note bills its milestones again for what
                it credited: after a partial credit, less than they stand for."""
                if moves and move.move_type == "out_refund":
                    self.short_billed = True
                self._add(moves)

            @rule(index=INDEX)
            def full_credit_note(self, index):
                move = self._move(index, ("posted",))
                if move:
                    self._reversed(move, self._attempt(self._credit, move, None))

            @rule(index=INDEX)
            def partial_credit_note(self, index):
                move = self._move(index, ("posted",), "out_invoice")
                if move:
                    self._add(self._attempt(self._credit, move, 0.5))

            @rule(index=INDEX)
            def draft_credit_note(self, index):
                move = self._move(index, ("posted",))
                if move:
                    self._reversed(move, self._attempt(test._reverse, move))

            @rule(index=INDEX)
            def refund_and_new_draft(self, index):
                move = self._move(index, ("posted",), "out_invoice")
                if move:
                    self._add(self._attempt(test._reverse, move, True))

            @rule(index=INDEX)
            def duplicate(self, index):
                move = self._move(index, ("draft", "posted", "cancel"))
                if move:
                    self._add(self._attempt(move.copy))

            @rule(index=INDEX)
            def pay(self, index):
                move = self._move(index, ("posted",), "out_invoice")
                if move and move.payment_state == "not_paid":
                    self._attempt(test._pay, move)

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
                    if self._attempt(
                        line.write, {"price_unit": line.price_unit * share}
                    ):
                        # What a draft line no longer bills is left unscheduled.
                        self.short_billed = True

            def _credit(self, move, share):
                credit_note = test._reverse(move)
                if share:
                    for line in credit_note.invoice_line_ids:
                        line.price_unit = line.price_unit * share
                credit_note.action_post()
                return credit_note

            @invariant()
            def ledger_holds(self):
                test.env.flush_all()
                currency = self.order.currency_id
                line = self.order.order_line
                # With the parts partial credit notes re-open, the schedule
                # still spreads exactly the line's net amount.
                milestones = line.billing_milestone_ids
                test.assertEqual(milestones & self.milestones, self.milestones)
                scheduled = sum(milestones.mapped("amount"))
                test.assertLessEqual(
                    currency.compare_amounts(scheduled, line.price_subtotal), 0
                )
                if not self.short_billed:
                    test.assertTrue(
                        currency.is_zero(scheduled - line.price_subtotal),
                        (milestones.mapped("amount"), line.price_subtotal),
                    )
                processed = milestones.filtered(lambda m: m.status == "processed")
                test.assertLessEqual(
                    currency.compare_amounts(
                        sum(processed.mapped("amount")), line.price_subtotal
                    ),
                    0,
                )
                for milestone in milestones:
                    lines = test.env["account.move.line"].search(
                        [("billing_milestone_id", "=", milestone.id)]
                    )
                    live = lines.filtered("billing_milestone_live")
                    test.assertLessEqual(len(live), 1, "billed on two invoices")
                    # Processed for what its invoice bills net of credit notes.
                    billed = sum(live.mapped("price_subtotal")) - sum(
                        live.mapped("billing_credited_amount")
                    )
                    test.assertTrue(
                        currency.is_zero(billed)
                        or currency.is_zero(billed - milestone.amount),
                        (milestone.name, billed, milestone.amount),
                    )
                    test.assertEqual(
                        milestone.status == "processed", bool(live), milestone.name
                    )
                    test.assertEqual(milestone.invoice_id, live.move_id)
                    posted = lines.filtered(lambda aml: aml.parent_state == "posted")
                    posted_net = sum(
                        aml.price_subtotal
                        * (1 if aml.move_type == "out_invoice" else -1)
                        for aml in posted
                    )
                    billed_posted = sum(
                        live.filtered(lambda aml: aml.parent_state == "posted").mapped(
                            "price_subtotal"
                        )
                    )
                    test.assertLessEqual(
                        currency.compare_amounts(posted_net, billed_posted),
                        0,
                        (milestone.name, "posted net above what is billed"),
                    )

            @invariant()
            def reopened_parts_follow_the_credit_notes(self):
                milestones = self.order.order_line.billing_milestone_ids
                for milestone in milestones.filtered("invoice_line_id"):
                    line = milestone.invoice_line_id
                    credits = line.move_id.reversal_move_ids.line_ids.filtered(
                        lambda aml, m=milestone: (
                            aml.billing_milestone_id == m
                            and aml.parent_state == "posted"
                        )
                    )
                    test.assertEqual(
                        milestone.reopened_ids.reopened_by_line_id & credits,
                        credits,
                        (milestone.display_name, "a partial credit left no part"),
                    )
                for part in milestones.filtered("reopened_from_id"):
                    test.assertEqual(
                        part.reopened_by_line_id.parent_state,
                        "posted",
                        (part.display_name, "a part outlived its credit note"),
                    )

            @precondition(lambda self: self.moves)
            @invariant()
            def quantities_follow_the_ledger(self):
                line = self.order.order_line
                share = sum(
                    line.billing_milestone_ids.filtered(
                        lambda m: m.status == "processed"
                    ).mapped("amount")
                )
                expected = line.product_uom_qty * share / line.price_subtotal
                test.assertAlmostEqual(
                    line.qty_invoiced, expected, delta=line.product_uom.rounding
                )

        run_state_machine_as_test(
            Ledger,
            settings=settings(
                max_examples=EXAMPLES, stateful_step_count=15, deadline=None
            ),
        )
