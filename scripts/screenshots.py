# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Screenshots of the module's screens, taken in headless Chromium.

    python3 scripts/screenshots.py [--url http://localhost:8069] [--db DB]
        [--login admin --password admin] [--out DIR]

Start Odoo with the demo data first (``bash scripts/run.sh``). Logs in through
JSON-RPC, hands the session cookie to Chromium over the DevTools protocol
(websocket-client) and saves one PNG per screen, 1440 x 900.
"""

import argparse
import base64
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests
import websocket

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Just enough of the DevTools protocol to navigate and take screenshots."""

    def __init__(self):
        executable = next(filter(None, map(shutil.which, BROWSERS)), None)
        if not executable:
            raise SystemExit("error: no Chromium found; run: bash scripts/setup.sh")
        port = free_port()
        self.profile = tempfile.mkdtemp(prefix="smb_chromium_")
        self.process = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--window-size=1440,900",
                f"--user-data-dir={self.profile}",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                pages = requests.get(f"http://127.0.0.1:{port}/json", timeout=1).json()
                break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise SystemExit("error: Chromium did not start")
        page = next(page for page in pages if page["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"])
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def screenshot(self, url, path, wait=4.0, click=None):
        self.call("Page.navigate", url=url)
        time.sleep(wait)
        if click:
            found = self.call(
                "Runtime.evaluate",
                expression=f"""(() => {{
                    const node = document.querySelector({json.dumps(click)});
                    if (node) node.click();
                    return Boolean(node);
                }})()""",
                returnByValue=True,
            )
            if not found.get("result", {}).get("value"):
                print(f"warning: nothing matches {click} on {url}")
            time.sleep(wait)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        print(f"saved {path}")

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def json_rpc(session, url, route, **params):
    response = session.post(
        f"{url}{route}",
        json={"jsonrpc": "2.0", "method": "call", "params": params},
        timeout=60,
    ).json()
    if "error" in response:
        raise SystemExit(f"error: {route}: {response['error']['data']['message']}")
    return response["result"]


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
        return json_rpc(
            session,
            args.url,
            "/web/dataset/call_kw",
            model=model,
            method="search_read",
            args=[domain, list(fields)],
            kwargs={"limit": 1, "order": "id desc"},
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
    portal_orders = json_rpc(
        session,
        args.url,
        "/web/dataset/call_kw",
        model="sale.order",
        method="search_read",
        args=[
            [
                ("partner_id.user_ids.login", "=", "portal"),
                ("billing_milestone_ids.acceptance_state", "=", "requested"),
            ],
            ["id"],
        ],
        kwargs={"order": "id"},
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

    browser = Browser()
    try:
        browser.call(
            "Network.setCookie",
            name="session_id",
            value=session.cookies["session_id"],
            url=args.url,
        )
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            width=1440,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        odoo = f"{args.url}/odoo"
        screens = [
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
            ("portal_order.png", f"{args.url}/my/orders/{order['id']}", None),
            (
                "credit_note_intent.png",
                f"{odoo}/action-account.action_move_out_invoice_type/{invoice['id']}",
                "button[name='action_reverse']",
            ),
        ]
        # The first page builds the web client's assets: not one to keep.
        browser.screenshot(odoo, Path(tempfile.mkdtemp()) / "warm-up.png", wait=20)
        for name, url, click in screens:
            browser.screenshot(url, out / name, click=click)
        browser.call(
            "Network.setCookie",
            name="session_id",
            value=portal.cookies["session_id"],
            url=args.url,
        )
        if len(portal_orders) >= 2:
            portal_answers(browser, portal, args.url, out, portal_orders[:2])
        else:
            print("warning: the demo portal user's orders were answered already")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
