# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os

from hypothesis import HealthCheck, settings

from odoo.tests.common import TransactionCase

from . import test_product
from . import test_billing_schedule
from . import test_billing_rules
from . import test_exact_money
from . import test_security
from . import test_invoicing
from . import test_invoicing_flows
from . import test_invoicing_race
from . import test_invoice_wizard
from . import test_project_milestones
from . import test_hold
from . import test_reports_portal
from . import test_auto_invoicing
from . import test_ledger
from . import test_ledger_stateful
from . import test_query_counts
from . import test_latest
from . import test_calendar
from . import test_display
from . import test_reopen
from . import test_credit_intent
from . import test_field_access
from . import test_tours
from . import test_replan
from . import test_acceptance
from . import test_acceptance_reminder
from . import test_i18n
from . import test_screens
from . import test_retention
from . import test_post_to_account

# A loaded machine generates inputs slowly and runs the ORM slowly: neither is
# a failure of the code under test.
settings.register_profile(
    "sale_milestone_billing",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("sale_milestone_billing")

# pytest-odoo gives each xdist worker its own copy of the database, but one
# filestore. The filestore garbage collection Odoo runs after each test class
# keeps only the files its own database refers to: it deleted the files a test
# of the other worker had written and not committed (a portal signature then
# read back empty). The test databases are thrown away after the run.
if os.getenv("PYTEST_XDIST_WORKER"):
    TransactionCase._gc_filestore = classmethod(lambda cls: None)
