# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The pure arithmetic of tools/schedule.py: plain unittest cases, no database.
pytest collects them; Odoo's runner does not (tests/__init__.py leaves them out)."""

from datetime import date
from unittest import TestCase

from hypothesis import given
from hypothesis import strategies as st

from odoo.tools.float_utils import float_round

from ..tools.schedule import (
    ScheduleEntry,
    billable_date,
    billing_block,
    exact_quantity_price,
    format_percent,
    latest_date,
    milestone_status,
    next_group_size,
    offset_date,
    replan_amounts,
    schedule_amounts,
)

ROUNDINGS = [0.01, 1.0, 0.001]


def percent_split(draw_parts):
    """Integer basis points adding up to 100 %, as percents with two decimals."""
    cuts = sorted(draw_parts)
    bounds = [0, *cuts, 10000]
    return [
        (high - low) / 100
        for low, high in zip(bounds, bounds[1:], strict=False)
        if high > low
    ]


class TestScheduleMath(TestCase):
    def test_days_milestone_counts_from_the_contract_date(self):
        self.assertEqual(
            billable_date("days", date(2026, 1, 31), 30, None, None), date(2026, 3, 2)
        )
        self.assertIsNone(billable_date("days", None, 30, None, None))

    def test_date_and_manual_milestones(self):
        self.assertEqual(
            billable_date("date", None, 0, date(2026, 2, 1), None), date(2026, 2, 1)
        )
        self.assertIsNone(billable_date("manual", date(2026, 1, 1), 3, None, None))
        self.assertEqual(
            billable_date("manual", None, 0, None, date(2026, 5, 5)), date(2026, 5, 5)
        )

    def test_manual_milestone_is_billable_reached_or_at_the_latest(self):
        reached, latest = date(2026, 5, 5), date(2026, 4, 1)
        self.assertEqual(
            billable_date("manual", None, 0, None, reached, latest), latest
        )
        self.assertEqual(billable_date("manual", None, 0, None, None, latest), latest)
        self.assertEqual(
            billable_date("manual", None, 0, None, date(2026, 3, 1), latest),
            date(2026, 3, 1),
        )
        self.assertEqual(
            latest_date("days", date(2026, 1, 31), 30, None), date(2026, 3, 2)
        )
        self.assertIsNone(latest_date("days", None, 30, None))
        self.assertIsNone(latest_date("none", date(2026, 1, 31), 30, None))

    def test_offset_date(self):
        self.assertEqual(offset_date(date(2026, 1, 1), 10), date(2026, 1, 11))
        self.assertIsNone(offset_date(None, 10))
        self.assertIsNone(offset_date(date(2026, 1, 1), 0))

    def test_a_percent_reads_without_useless_decimals(self):
        self.assertEqual(format_percent(30.0), "30")
        self.assertEqual(format_percent(12.5), "12.5")
        self.assertEqual(format_percent(33.3333), "33.33")
        self.assertEqual(format_percent(110.0), "110")

    def test_the_daily_jobs_groups_follow_its_pace(self):
        # Fast orders: the group doubles, up to 20.
        self.assertEqual(next_group_size(1, 0.05, 0.5), 2)
        self.assertEqual(next_group_size(16, 0.1, 0.5), 20)
        # A slow group shrinks to what the budget allows, never below 1.
        self.assertEqual(next_group_size(8, 2.0, 0.5), 2)
        self.assertEqual(next_group_size(4, 30.0, 0.5), 1)
        self.assertEqual(next_group_size(3, 0.0, 0.5), 6)

    def test_status_is_processed_while_billed_whatever_the_hold(self):
        self.assertEqual(milestone_status(True, False), "processed")
        self.assertEqual(milestone_status(True, True), "processed")
        self.assertEqual(milestone_status(False, True), "hold")
        self.assertEqual(milestone_status(False, False), "to_process")

    def test_three_decimal_amount_keeps_its_last_decimal(self):
        self.assertEqual(exact_quantity_price(333.334, 3, 2), (0.1, 3333.34))
        self.assertEqual(exact_quantity_price(333.33, 2, 2), (1.0, 333.33))
        self.assertEqual(exact_quantity_price(333.0, 0, 2), (1.0, 333.0))

    @given(
        st.integers(min_value=1, max_value=10**9),
        st.sampled_from([(0, 2), (2, 2), (3, 2), (3, 3), (4, 2)]),
    )
    def test_quantity_times_price_is_the_amount(self, units, digits):
        currency_digits, price_digits = digits
        amount = units / 10**currency_digits
        quantity, price_unit = exact_quantity_price(
            amount, currency_digits, price_digits
        )
        self.assertEqual(round(price_unit, price_digits), price_unit)
        self.assertEqual(
            float_round(quantity * price_unit, precision_digits=currency_digits),
            amount,
        )

    def test_billing_block_order(self):
        today = date(2026, 3, 1)
        self.assertEqual(billing_block("hold", True, "date", today, True), "hold")
        self.assertEqual(
            billing_block("to_process", False, "date", today, True), "unconfirmed"
        )
        self.assertEqual(
            billing_block("to_process", True, "days", None, False), "no_contract_date"
        )
        self.assertEqual(
            billing_block("to_process", True, "manual", None, False), "not_reached"
        )
        self.assertEqual(
            billing_block("to_process", True, "date", date(2026, 3, 2), False),
            "not_due",
        )
        self.assertIsNone(billing_block("to_process", True, "date", today, True))

    def test_thirds_add_up_to_the_net_amount(self):
        entries = [ScheduleEntry(p, 0, None) for p in (33.33, 33.33, 33.34)]
        self.assertEqual(schedule_amounts(100.0, entries, 0.01), [33.33, 33.33, 33.34])
        self.assertEqual(schedule_amounts(0.05, entries, 0.01), [0.02, 0.01, 0.02])

    def test_rounding_never_goes_above_the_percents(self):
        entries = [ScheduleEntry(30, 0, None)] * 3
        amounts = schedule_amounts(5.0, entries, 1.0)
        self.assertEqual(amounts, [2.0, 1.0, 2.0])
        self.assertLessEqual(sum(amounts), 5.0)

    def test_remainder_goes_to_the_last_open_percent_milestone(self):
        entries = [
            ScheduleEntry(50, 0, 500.0),
            ScheduleEntry(25, 0, None),
            ScheduleEntry(25, 0, None),
        ]
        self.assertEqual(schedule_amounts(1200.0, entries, 0.01), [500.0, 300.0, 400.0])

    def test_fixed_amounts_complete_a_schedule(self):
        entries = [ScheduleEntry(0, 100.0, None), ScheduleEntry(90, 0, None)]
        self.assertEqual(schedule_amounts(1000.0, entries, 0.01), [100.0, 900.0])

    @given(
        net_units=st.integers(min_value=0, max_value=10**9),
        rounding=st.sampled_from(ROUNDINGS),
        cuts=st.lists(st.integers(min_value=1, max_value=9999), max_size=12),
        frozen_count=st.integers(min_value=0, max_value=3),
    )
    def test_full_schedule_adds_up_to_the_net_amount(
        self, net_units, rounding, cuts, frozen_count
    ):
        net = float_round(net_units * rounding, precision_rounding=rounding)
        percents = percent_split(cuts)
        entries = [ScheduleEntry(p, 0, None) for p in percents]
        first = schedule_amounts(net, entries, rounding)
        # Freeze the first ones as they were billed, then grow the net amount.
        frozen = [
            ScheduleEntry(e.percent, 0, amount if i < frozen_count else None)
            for i, (e, amount) in enumerate(zip(entries, first, strict=True))
        ]
        for net_amount, schedule in ((net, entries), (net * 2, frozen)):
            net_amount = float_round(net_amount, precision_rounding=rounding)
            amounts = schedule_amounts(net_amount, schedule, rounding)
            if any(entry.frozen_amount is None for entry in schedule):
                self.assertAlmostEqual(sum(amounts), net_amount, delta=rounding / 10)
            for amount in amounts:
                self.assertAlmostEqual(
                    amount,
                    float_round(amount, precision_rounding=rounding),
                    delta=rounding / 1000,
                )

    @given(
        net_units=st.integers(min_value=0, max_value=10**9),
        rounding=st.sampled_from(ROUNDINGS),
        cuts=st.lists(st.integers(min_value=1, max_value=9999), max_size=12),
        kept=st.lists(st.booleans(), min_size=13, max_size=13),
    )
    def test_partial_schedule_never_exceeds_its_percents(
        self, net_units, rounding, cuts, kept
    ):
        net = float_round(net_units * rounding, precision_rounding=rounding)
        percents = [
            p for p, keep in zip(percent_split(cuts), kept, strict=False) if keep
        ]
        total = sum(percents)
        amounts = schedule_amounts(
            net, [ScheduleEntry(p, 0, None) for p in percents], rounding
        )
        self.assertLessEqual(sum(amounts), net * total / 100 + rounding / 2 + 1e-9)
        self.assertLessEqual(sum(amounts), net + 1e-9)


class TestReplanMath(TestCase):
    def test_proportional_example_of_the_readme(self):
        amounts, new = replan_amounts(17000, [4000, 3000], "proportional", 0.01)
        self.assertEqual((amounts, new), ([9714.29, 7285.71], 0.0))

    def test_last_and_new(self):
        self.assertEqual(
            replan_amounts(17000, [4000, 3000], "last", 0.01), ([4000, 13000], 0.0)
        )
        self.assertEqual(
            replan_amounts(17000, [4000, 3000], "new", 0.01), ([4000, 3000], 10000)
        )

    def test_below_zero_is_refused(self):
        for method in ("last", "new"):
            with self.subTest(method=method), self.assertRaises(ValueError):
                replan_amounts(2000, [4000, 3000], method, 0.01)

    @given(
        target=st.integers(min_value=0, max_value=10**9),
        planned=st.lists(st.integers(min_value=0, max_value=10**8), min_size=1),
        method=st.sampled_from(["proportional", "last", "new"]),
        rounding=st.sampled_from(ROUNDINGS),
    )
    def test_spread_covers_the_target_exactly_or_refuses(
        self, target, planned, method, rounding
    ):
        digits = {0.01: 2, 1.0: 0, 0.001: 3}[rounding]
        target = target / 10**digits
        planned = [amount / 10**digits for amount in planned]
        try:
            amounts, new = replan_amounts(target, planned, method, rounding)
        except ValueError:
            # Refused only when a method would need a negative amount.
            self.assertNotEqual(method, "proportional")
            return
        self.assertEqual(len(amounts), len(planned))
        self.assertTrue(all(amount >= 0 for amount in [*amounts, new]))
        self.assertAlmostEqual(sum(amounts) + new, target, delta=rounding / 2)
        for amount in [*amounts, new]:
            self.assertEqual(amount, float_round(amount, precision_rounding=rounding))
