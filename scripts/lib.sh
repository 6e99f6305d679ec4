# shellcheck shell=bash
# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Shared helpers for scripts/test.sh and scripts/run.sh (sourced, not executed).
#
# Environment knobs understood here:
#   PYTHON            interpreter that can `import odoo` (Odoo 18.0); default python3
#   ODOO_ADDONS_PATH  comma-separated Odoo addons dir(s); default: <odoo source>/addons
#                     when it exists (odoo/addons itself is always on Odoo's path)
#   SMB_MODULE        technical name of the module; default sale_milestone_billing
#   SMB_COPY_ADDON=1  copy the checkout instead of symlinking it (see smb_link_addon)
#   PGHOST, PGPORT, PGUSER, ...  the usual libpq variables (Odoo honours them too)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SMB_MODULE="${SMB_MODULE:-sale_milestone_billing}"
PYTHON="${PYTHON:-python3}"

smb_die() {
    echo "error: $*" >&2
    exit 2
}

# Odoo 18.0 must be importable by $PYTHON.
smb_check_odoo() {
    if ! command -v "$PYTHON" >/dev/null 2>&1 ||
        ! "$PYTHON" -c 'import sys, odoo.release as r; sys.exit(tuple(r.version_info[:2]) != (18, 0))' \
            >/dev/null 2>&1; then
        smb_die "Odoo 18.0 is not importable by $PYTHON — install Odoo 18.0 (see README, Requirements) or set PYTHON to its interpreter"
    fi
}

# PostgreSQL must accept a connection with the default libpq environment.
smb_check_postgres() {
    local why
    why="$("$PYTHON" -c 'import psycopg2; psycopg2.connect(dbname="postgres").close()' 2>&1 |
        grep -m 1 -oE '[A-Za-z]+Error: .*' || true)"
    [[ -z "$why" ]] || smb_die "PostgreSQL is not reachable ($why) — start it, or set PGHOST/PGUSER"
}

# The browser tours need Chromium (or Chrome), found the way Odoo 18 looks for
# it. Without one Odoo skips every tour quietly; a skipped tour is no pass.
smb_check_browser() {
    local bin
    for bin in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$bin" >/dev/null 2>&1 && return 0
    done
    smb_die "no Chromium for the browser tours — run: bash scripts/setup.sh (installs Debian's chromium)"
}

# The test and lint tools of test-requirements.txt.
smb_check_test_tools() {
    if ! "$PYTHON" -c 'import ruff, pylint_odoo, pytest_odoo, xdist, hypothesis, pre_commit, whool' \
        >/dev/null 2>&1 || ! command -v checklog-odoo oca-checks-odoo-module >/dev/null 2>&1; then
        smb_die "test tools missing for $PYTHON — run: bash scripts/setup.sh"
    fi
}

smb_fail() {
    echo "FAILED: $*"
    exit 1
}

# smb_check_log BASE RC WHAT: Odoo (output BASE.out, log BASE.log) exited with
# status RC 0, and its log has no WARNING/ERROR/CRITICAL record. A clean Odoo
# 18.0 install of sale_project, with and without demo data, logs none (checked
# 2026-11), so nothing is ignored.
smb_check_log() {
    if [[ "$2" != 0 ]]; then
        echo "FAILED: odoo exited with status $2 ($3)"
        grep -v "^Running as user 'root'" "$1.out" | tail -n 20
        return 1
    fi
    checklog-odoo --no-echo "$1.log" ||
        { echo "FAILED: WARNING/ERROR/CRITICAL records in the log of $3 (above)" && return 1; }
}

# smb_pytest OUT PYTEST...: run pytest-odoo, its output also in OUT.out and
# Odoo's log in OUT.log. A failed or skipped test, no test at all, or a WARNING
# in Odoo's log fails the run.
smb_pytest() {
    local out="$1" rc=0
    "${@:2}" --odoo-extra="logfile=$out.log" 2>&1 | tee "$out.out" || rc=${PIPESTATUS[0]}
    if grep -qE '^=+ .*[0-9]+ skipped' "$out.out"; then
        smb_fail "tests were skipped (see the SKIPPED lines above); a skipped test is not a pass"
    fi
    [[ "$rc" != 5 ]] || smb_fail "pytest collected no tests"
    [[ "$rc" == 0 ]] || smb_fail "pytest exited with status $rc"
    # pytest-odoo imports the tests before it sets Odoo's test mode, which
    # makes Odoo log an ERROR "Importing test framework" once per process.
    if [[ -e "$out.log" ]] && grep -E '^[-0-9]+ [:,0-9]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$out.log" |
        grep -v ' odoo\.tests\.common: Importing test framework'; then
        smb_fail "WARNING/ERROR records in Odoo's log while the tests ran (above; all in $out.log)"
    fi
}

# smb_odoo_module_dir NAME: the directory of Odoo module NAME on $ADDONS_PATH.
smb_odoo_module_dir() {
    local dir
    for dir in ${ADDONS_PATH//,/ }; do
        [[ -d "$dir/$1" ]] && echo "$dir/$1" && return
    done
    smb_die "no module $1 on the addons path $ADDONS_PATH"
}

# Comma-separated addons path of Odoo itself (may be empty).
smb_odoo_addons_path() {
    if [[ -n "${ODOO_ADDONS_PATH:-}" ]]; then
        echo "$ODOO_ADDONS_PATH"
        return
    fi
    local root
    root="$("$PYTHON" -c 'import odoo, os; print(os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__))))')"
    if [[ -d "$root/addons" ]]; then
        echo "$root/addons"
    fi
}

# smb_copy_addon DIR: copy the checkout (without .git) to DIR/<module>.
smb_copy_addon() {
    local dir="$1"
    rm -rf "${dir:?}/$SMB_MODULE"
    mkdir -p "$dir/$SMB_MODULE"
    (cd "$REPO_ROOT" && tar --exclude=./.git --exclude=__pycache__ -cf - .) |
        tar -xf - -C "$dir/$SMB_MODULE"
}

# smb_link_addon DIR: make DIR an addons directory holding the checkout under
# the module's technical name.  Odoo and pytest-odoo both derive the module
# name from that directory name, so this lets the repository be cloned into a
# directory of any name.  pytest (9.x) keeps the symlinked path as given, so
# tests are imported as odoo.addons.<module>.tests...; SMB_COPY_ADDON=1 copies
# the tree instead, should a pytest/Odoo version ever resolve the symlink.
smb_link_addon() {
    local dir="$1"
    mkdir -p "$dir"
    if [[ "${SMB_COPY_ADDON:-0}" == 1 ]]; then
        smb_copy_addon "$dir"
    else
        rm -rf "${dir:?}/$SMB_MODULE" # a symlink, or a copy from SMB_COPY_ADDON=1
        ln -s "$REPO_ROOT" "$dir/$SMB_MODULE"
    fi
}

# smb_run_with_addon PREFIX SCRIPT [ARGS...]: check Odoo and PostgreSQL, link
# the checkout into a scratch addons directory ($SMB_WORK, named PREFIX.XXXXXX,
# removed on exit) and run scripts/SCRIPT with $PYTHON, in UTC, with that
# directory and Odoo's own in --addons-path, then ARGS.
smb_run_with_addon() {
    local prefix="$1" script="$2" odoo_path
    shift 2
    smb_check_odoo
    smb_check_postgres
    SMB_WORK="$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX")"
    export SMB_WORK
    trap 'rm -rf "$SMB_WORK"' EXIT
    smb_link_addon "$SMB_WORK/addons"
    odoo_path="$(smb_odoo_addons_path)"
    env TZ=UTC "$PYTHON" "$REPO_ROOT/scripts/$script" \
        --addons-path="$SMB_WORK/addons${odoo_path:+,$odoo_path}" "$@"
}

# Command line of the Odoo server CLI run with $PYTHON (in UTC, like odoo-bin).
# An array rather than a function so that `"${SMB_ODOO[@]}" ... &` makes $! the
# Odoo process itself.
SMB_ODOO=(env TZ=UTC "$PYTHON" -m odoo)

# smb_wheel_venv DIR DATA_DIR: build the add-on's wheel (whool, as OCA packages
# add-ons) from a copy of the checkout named after the module (whool names the
# distribution after its directory), install it into a throwaway virtual
# environment DIR/venv and check it there; $PYTHON's own site-packages stay
# untouched. The venv sees $PYTHON's packages (Odoo, its requirements) and
# gets a path entry for the Odoo in use: the wheel makes a directory odoo/
# (without __init__.py) in the venv's site-packages, and a path entry is what
# makes Odoo's regular package win over that namespace directory; an Odoo
# installed by pip's default editable mode (an import finder, consulted after
# the path scan) would be shadowed and `import odoo` would fail. Checks that
# `import odoo` there is this Odoo 18.0 and that Odoo finds the add-on in the
# venv with DIR/odoo.conf, whose addons path is Odoo's own (filestores in DATA_DIR).
smb_wheel_venv() {
    local dir="$1" conf="$1/odoo.conf" venv="$1/venv" odoo_root site odoo_path
    echo "==> wheel: build it, install it into a throwaway venv, check import odoo and the add-on there"
    mkdir -p "$dir" && odoo_path="$(smb_odoo_addons_path)"
    printf '[options]\ndata_dir = %s\n%s' "$2" "${odoo_path:+addons_path = $odoo_path
}" >"$conf"
    smb_copy_addon "$dir/src"
    "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-index --no-deps \
        --no-build-isolation --wheel-dir="$dir/dist" "$dir/src/$SMB_MODULE" ||
        smb_fail "building the wheel (pip wheel with whool)"
    "$PYTHON" -m venv --system-site-packages --without-pip "$venv" || smb_fail "creating a venv"
    odoo_root="$("$PYTHON" -c 'import odoo, os; print(os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__))))')"
    site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
    echo "$odoo_root" >"$site/odoo-path.pth"
    # $PYTHON's pip, seen through the system site packages, installs into the venv.
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps \
        "$dir"/dist/odoo_addon_"$SMB_MODULE"-*.whl || smb_fail "installing the wheel into $venv"
    "$venv/bin/python" - "$conf" "$site" "$odoo_root" "$SMB_MODULE" <<'PY' || smb_fail "the wheel (above)"
import os, sys
conf, site, odoo_root, module = sys.argv[1:]
import odoo

# A namespace package (no __file__) would still import odoo.release, while
# the rest of Odoo fails on the missing odoo/__init__.py.
init = os.path.join(odoo_root, "odoo", "__init__.py")
assert odoo.__file__ == init, f"import odoo gives {odoo.__file__ or odoo.__path__}, not {init}"
import odoo.release
from odoo.modules.module import get_module_path
from odoo.tools import config

assert odoo.release.version_info[:2] == (18, 0), f"import odoo gives {odoo.release.version}"
config.parse_config(["-c", conf])
path = get_module_path(module, display_warning=False)
assert path == os.path.join(site, "odoo", "addons", module), f"Odoo finds {module} at {path}"
print(f"wheel: import odoo gives Odoo {odoo.release.version} at {odoo_root}; Odoo finds {path}")
PY
}
