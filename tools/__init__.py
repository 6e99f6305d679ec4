# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import milestone_fields
from . import run_state
from . import schedule
