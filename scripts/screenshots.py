# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Screenshots of the module's screens, taken in headless Chromium.

    python3 scripts/screenshots.py [--url http://localhost:8069] [--db DB]
        [--login admin --password admin] [--out DIR]

Start Odoo with the demo data first (``bash scripts/run.sh``). Logs in through
JSON-RPC, hands the session cookie to the system's Chromium, driven by
Playwright (never a browser of Playwright's own: nothing is downloaded), and
saves one PNG per screen, 1440 x 900.
"""

import argparse
import re
import shutil
import tempfile
from pathlib import Path

import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class Browser:
    """One headless Chromium page, 1440 x 900, that shows Odoo as a session."""

    def __init__(self, playwright, url):
        executable = next(filter(None, map(shutil.which, BROWSERS)), None)
        if not executable:
            raise SystemExit("error: no Chromium found; run: bash scripts/setup.sh")
        self.url = url
        self.browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--hide-scrollbars"],
        )
        self.context = self.browser.new_context(
            viewport={"width": 1440, "height": 900}, device_scale_factor=1
        )
        self.page = self.context.new_page()

    def login(self, session):
        """Browse as the user of a logged-in requests session."""
        self.context.add_cookies(
            [
                {
                    "name": "session_id",
                    "value": session.cookies["session_id"],
                    "url": self.url,
                }
            ]
        )

    def screenshot(self, url, path, wait=4.0, click=None):
        self.page.goto(url)
        self.page.wait_for_timeout(wait * 1000)
        if click:
            try:
                self.page.click(click, timeout=wait * 1000)
            except PlaywrightError:
                print(f"warning: nothing to click matches {click} on {url}")
            self.page.wait_for_timeout(wait * 1000)
        self.page.screenshot(path=path)
        print(f"saved {path}")

    def close(self):
        self.browser.close()


def json_rpc(session, url, route, **params):
    response = session.post(
        f"{url}{route}",
        json={"jsonrpc": "2.0", "method": "call", "params": params},
        timeout=60,
    ).json()
    if "error" in response:
        raise SystemExit(f"error: {route}: {response['error']['data']['message']}")
    return response["result"]


def call_kw(session, url, model, method, *args, **kwargs):
    """``method`` of ``model`` called as the web client calls it."""
    return json_rpc(
        session,
        url,
        "/web/dataset/call_kw",
        model=model,
        method=method,
        args=list(args),
        kwargs=kwargs,
    )


# A 1x1 PNG, as the portal's signature widget sends it (base64).
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)


def portal_answers(browser, portal, url, out, orders):
    """The portal customer's page while M2 awaits acceptance, then after
    accepting it on the first order and rejecting it on the second."""
    accepted, rejected = (order["id"] for order in orders)
    browser.screenshot(
        f"{url}/my/orders/{accepted}#billing_acceptance", out / "portal_acceptance.png"
    )
    page = portal.get(f"{url}/my/orders/{accepted}", timeout=60).text
    milestone = re.search(r'billing_accept_(\d+)"', page).group(1)
    result = json_rpc(
        portal,
        url,
        f"/my/orders/{accepted}/billing_milestone/{milestone}/accept",
        name="Joel Willis",
        signature=SIGNATURE,
    )
    browser.screenshot(url + result["redirect_url"], out / "portal_accepted.png")
    page = portal.get(f"{url}/my/orders/{rejected}", timeout=60).text
    milestone = re.search(r'billing_reject_(\d+)"', page).group(1)
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = portal.post(
        f"{url}/my/orders/{rejected}/billing_milestone/{milestone}/reject",
        data={"reason": "The design misses the new logo.", "csrf_token": csrf_token},
        timeout=60,
    )
    browser.screenshot(response.url, out / "portal_rejected.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="milestone_billing_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default="static/description/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    session = requests.Session()
    json_rpc(
        session,
        args.url,
        "/web/session/authenticate",
        db=args.db,
        login=args.login,
        password=args.password,
    )

    def search(model, domain, fields=("id",)):
        return call_kw(
            session,
            args.url,
            model,
            "search_read",
            domain,
            list(fields),
            limit=1,
            order="id desc",
        )

    [order] = search(
        "sale.order",
        [
            ("billing_milestone_ids.acceptance_state", "=", "requested"),
            ("state", "=", "sale"),
            ("partner_id.user_ids", "=", False),
        ],
    )
    [replan] = search("sale.order", [("order_line.billing_replan_needed", "=", True)])
    [invoice] = search(
        "account.move",
        [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("invoice_line_ids.billing_milestone_id", "!=", False),
        ],
    )
    # The demo portal user's two orders, each with M2 awaiting acceptance.
    portal_orders = call_kw(
        session,
        args.url,
        "sale.order",
        "search_read",
        [
            ("partner_id.user_ids.login", "=", "portal"),
            ("billing_milestone_ids.acceptance_state", "=", "requested"),
        ],
        ["id"],
        order="id",
    )

    portal = requests.Session()
    json_rpc(
        portal,
        args.url,
        "/web/session/authenticate",
        db=args.db,
        login="portal",
        password="portal",
    )

    [product] = search(
        "product.template", [("billing_milestone_template_ids", "!=", False)]
    )
    [retention_order] = search(
        "sale.order", [("order_line.billing_retention_percent", ">", 0)]
    )
    [retention_invoice] = search(
        "account.move",
        [("invoice_line_ids.billing_retention_role", "=", "withhold")],
    )
    [posted_to] = search("sale.billing.milestone", [("income_account_id", "!=", False)])
    long_order = long_schedule_order(session, args.url)

    with sync_playwright() as playwright:
        browser = Browser(playwright, args.url)
        try:
            browser.login(session)
            take_screenshots(browser, args.url, out, order, replan, invoice, long_order)
            take_retention_screenshots(
                browser, args.url, out, retention_order, retention_invoice, posted_to
            )
            # The screens whose words matter, once more in German.
            set_language(session, args.url, "de_DE")
            try:
                take_language_screenshots(
                    browser, args.url, out, "de", order, replan, product, long_order
                )
            finally:
                set_language(session, args.url, "en_US")
            browser.login(portal)
            if len(portal_orders) >= 2:
                portal_answers(browser, portal, args.url, out, portal_orders[:2])
            else:
                print("warning: the demo portal user's orders were answered already")
        finally:
            browser.close()


def take_retention_screenshots(browser, url, out, order, invoice, milestone):
    """Retention and the post-to account of the demo's office fit-out."""
    odoo = f"{url}/odoo"
    screens = [
        (
            "order_retention.png",
            f"{odoo}/sales/{order['id']}",
            ".o_notebook_headers a[name='billing_schedule']",
        ),
        (
            "retention_invoice.png",
            f"{odoo}/action-account.action_move_out_invoice_type/{invoice['id']}",
            None,
        ),
        (
            "retention_report.png",
            f"{odoo}/action-sale_milestone_billing.sale_order_line_action_retention",
            None,
        ),
        (
            "milestone_income_account.png",
            f"{odoo}/action-sale_milestone_billing.sale_billing_milestone_action"
            f"/{milestone['id']}",
            None,
        ),
    ]
    for name, page_url, click in screens:
        browser.screenshot(page_url, out / name, click=click)


def long_schedule_order(session, url):
    """A quotation of one line billed over 20 sprints: its Schedule column
    names the first five and counts the others. Made once, then found."""

    def call(model, method, *args, **kwargs):
        return call_kw(session, url, model, method, *args, **kwargs)

    reference = "Long schedule (screenshots)"
    found = call("sale.order", "search", [("client_order_ref", "=", reference)])
    if found:
        return {"id": found[0]}
    [product] = call(
        "product.product",
        "search",
        [("type", "=", "service"), ("service_type", "=", "milestones")],
        limit=1,
    )
    [partner] = call("res.partner", "search", [("is_company", "=", True)], limit=1)
    [order] = call(
        "sale.order",
        "create",
        [
            {
                "partner_id": partner,
                "client_order_ref": reference,
                "order_line": [(0, 0, {"product_id": product, "price_unit": 24000})],
            }
        ],
    )
    [line] = call("sale.order", "read", [order], ["order_line"])[0]["order_line"]
    template = call("sale.order.line", "read", [line], ["billing_milestone_ids"])
    call("sale.billing.milestone", "unlink", template[0]["billing_milestone_ids"])
    call(
        "sale.billing.milestone",
        "create",
        [
            {
                "sale_line_id": line,
                "name": f"S{sprint}",
                "description": f"Sprint {sprint}",
                "kind": "days",
                "days": 14 * sprint,
                "percent": 5,
            }
            for sprint in range(1, 21)
        ],
    )
    return {"id": order}


def set_language(session, url, code):
    """Install ``code`` if needed and make it the session user's language."""

    def call(model, method, *args):
        return call_kw(session, url, model, method, *args)

    if code != "en_US":
        [lang] = call(
            "res.lang",
            "search_read",
            [("code", "=", code), ("active", "in", [True, False])],
            ["active"],
        )
        if not lang["active"]:
            wizard = call(
                "base.language.install", "create", {"lang_ids": [(6, 0, [lang["id"]])]}
            )
            call("base.language.install", "lang_install", [wizard])
    uid = json_rpc(session, url, "/web/session/get_session_info")["uid"]
    call("res.users", "write", [uid], {"lang": code})


def take_language_screenshots(
    browser, url, out, suffix, order, replan, product, long_order
):
    """The schedules, their editor and the wizards, in the user's language."""
    odoo = f"{url}/odoo"
    screens = [
        ("order_long_schedule", f"{odoo}/sales/{long_order['id']}", None),
        (
            "order_billing_schedule",
            f"{odoo}/sales/{order['id']}",
            ".o_notebook_headers a[name='billing_schedule']",
        ),
        (
            "schedule_editor",
            f"{odoo}/sales/{replan['id']}",
            "button[name='action_open_billing_schedule']",
        ),
        (
            "product_schedule_template",
            f"{odoo}/action-sale.product_template_action/{product['id']}",
            ".o_notebook_headers a[name='billing_schedule']",
        ),
        (
            "invoice_milestones_wizard",
            f"{odoo}/action-sale_milestone_billing."
            "sale_billing_milestone_invoice_action",
            None,
        ),
    ]
    for name, page_url, click in screens:
        browser.screenshot(page_url, out / f"{name}_{suffix}.png", click=click)


def take_screenshots(browser, url, out, order, replan, invoice, long_order):
    """The back office's screens, as the session's user."""
    odoo = f"{url}/odoo"
    screens = [
        ("order_long_schedule.png", f"{odoo}/sales/{long_order['id']}", None),
        (
            "order_billing_schedule.png",
            f"{odoo}/sales/{order['id']}",
            ".o_notebook_headers a[name='billing_schedule']",
        ),
        (
            "schedule_editor.png",
            f"{odoo}/sales/{order['id']}",
            "button[name='action_open_billing_schedule']",
        ),
        (
            "invoice_milestones_wizard.png",
            f"{odoo}/action-sale_milestone_billing."
            "sale_billing_milestone_invoice_action",
            None,
        ),
        (
            "billing_milestones_pivot.png",
            f"{odoo}/action-sale_milestone_billing.sale_billing_milestone_action"
            "?view_type=pivot",
            None,
        ),
        (
            "cash_in_forecast.png",
            f"{odoo}/action-sale_milestone_billing."
            "sale_billing_milestone_action_forecast",
            None,
        ),
        (
            "replan_wizard.png",
            f"{odoo}/sales/{replan['id']}",
            "button[name='action_open_billing_replan']",
        ),
        (
            "order_replan_banner.png",
            f"{odoo}/sales/{replan['id']}",
            ".o_notebook_headers a[name='billing_schedule']",
        ),
        (
            "create_invoice_open_milestones.png",
            f"{odoo}/sales/{order['id']}",
            "button#create_invoice:visible, button#create_invoice_percentage:visible",
        ),
        (
            "billing_milestones_calendar.png",
            f"{odoo}/action-sale_milestone_billing.sale_billing_milestone_action"
            "?view_type=calendar",
            None,
        ),
        ("portal_order.png", f"{url}/my/orders/{order['id']}", None),
        (
            "credit_note_intent.png",
            f"{odoo}/action-account.action_move_out_invoice_type/{invoice['id']}",
            "button[name='action_reverse']",
        ),
    ]
    # The first page builds the web client's assets: not one to keep.
    with tempfile.TemporaryDirectory() as warm_up:
        browser.screenshot(odoo, Path(warm_up) / "warm-up.png", wait=20)
    for name, page_url, click in screens:
        browser.screenshot(page_url, out / name, click=click)


if __name__ == "__main__":
    main()
