# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What each field of a billing milestone is to the module's rules, said once.

Roles:

- ``schedule``: the schedule as a user writes it, on a product's template (which
  gives these values to each new order line) or on an order line;
- ``user``: besides the schedule, what users write on an order line's
  milestone; every field without ``schedule`` or ``user`` is refused
  (``_check_user_fields``), unless the module writes it itself;
- ``trigger``: what makes it billable, which a re-opened part copies so that
  it is billable as soon as the original was;
- ``frozen``: kept as it was invoiced once the milestone is processed;
- ``derived``: follows from the invoices and the order line; a form may send
  it back unchanged, any other value is refused naming it;
- ``hold``: given with Put on Hold and Release, never written apart;
- ``acceptance``: decided by the customer's acceptance requests only.
"""

MILESTONE_FIELDS = {
    "sequence": {"schedule", "trigger"},
    "name": {"schedule", "trigger"},
    "description": {"schedule", "trigger"},
    "kind": {"schedule", "trigger", "frozen"},
    "days": {"schedule", "trigger", "frozen"},
    "date": {"schedule", "trigger", "frozen"},
    "fixed_amount": {"schedule", "frozen"},
    "percent": {"schedule", "frozen"},
    "latest_kind": {"schedule", "trigger", "frozen"},
    "latest_days": {"schedule", "trigger", "frozen"},
    "latest_date": {"schedule", "trigger", "frozen"},
    "requires_acceptance": {"schedule", "frozen"},
    "acceptance_days": {"schedule"},
    "due_days": {"schedule", "trigger", "frozen"},
    "is_retention_release": {"schedule", "trigger", "frozen"},
    "income_account_id": {"schedule", "frozen"},
    "analytic_distribution": {"schedule", "frozen"},
    "sale_line_id": {"user", "frozen"},
    "is_reached": {"user", "trigger", "frozen"},
    "reached_date": {"user", "trigger", "frozen"},
    "due_date": {"user", "frozen"},
    "project_milestone_id": {"user", "frozen"},
    "on_hold": {"user"},
    "hold_reason": {"user", "hold"},
    "hold_release_date": {"user", "hold"},
    "release_reason": {"user", "hold"},
    "status": {"derived"},
    "amount": {"derived"},
    "amount_total": {"derived"},
    "invoice_line_id": {"derived"},
    "invoice_id": {"derived"},
    "invoice_line_ids": {"derived"},
    "billable_date": {"derived"},
    "expected_payment_date": {"derived"},
    "partner_id": {"derived"},
    "company_id": {"derived"},
    "currency_id": {"derived"},
    "acceptance_ids": {"acceptance"},
    "acceptance_id": {"acceptance"},
    "acceptance_state": {"acceptance"},
    "acceptance_requested_date": {"acceptance"},
    "accepted_date": {"acceptance", "frozen"},
    "accepted_by": {"acceptance"},
    "acceptance_signature": {"acceptance"},
    "acceptance_deemed": {"acceptance"},
}


def fields_with(role):
    """The names of the milestone's fields that have ``role``."""
    return frozenset(name for name, roles in MILESTONE_FIELDS.items() if role in roles)


def field_labels(records, names):
    """The labels of fields ``names`` of ``records``' model in the user's
    language, by technical name, as a rule's message lists them."""
    return ", ".join(
        records._fields[name]._description_string(records.env) for name in sorted(names)
    )
