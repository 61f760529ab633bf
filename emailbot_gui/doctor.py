"""`emailbot doctor [--json]`: checks every configured integration from the command line (the original
design's validate-all) and prints a table, or one JSON object. Exit code 0 when every enabled integration
works (warnings allowed), 1 when one fails, 2 when the settings themselves are invalid."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emailbot_gui.config.secrets import SecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.services.checks import FAILING, Check
from emailbot_gui.services.connector_builders import NO_HOOKS, ConnectorHooks
from emailbot_gui.services.health import state_of
from emailbot_gui.services.integrations import INTEGRATIONS, enabled_integrations, integration_label, test_integration

DETAIL_WIDTH = 70


@dataclass
class IntegrationReport:
    name: str
    label: str
    enabled: bool
    state: str  # "ok" | "degraded" | "failing" | "disabled"
    checks: list[Check] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "enabled": self.enabled, "state": self.state,
                "checks": [c.to_json() for c in self.checks]}


async def doctor_report(settings: Settings, secrets: SecretStore, *, hooks: ConnectorHooks = NO_HOOKS,
                        timeout: float = 20) -> list[IntegrationReport]:
    enabled = enabled_integrations(settings)
    results = await asyncio.gather(*(test_integration(n, settings, secrets, timeout=timeout, hooks=hooks)
                                     for n in enabled))
    checked = dict(zip(enabled, results, strict=True))
    reports = []
    for name in INTEGRATIONS:
        label = integration_label(name, settings)
        if name not in checked:
            reports.append(IntegrationReport(name, label, False, "disabled"))
            continue
        state, _ = state_of(checked[name])
        reports.append(IntegrationReport(name, label, True, state.value, checked[name]))
    return reports


def exit_code(reports: list[IntegrationReport]) -> int:
    return 1 if any(r.enabled and any(c.status == FAILING for c in r.checks) for r in reports) else 0


def format_table(reports: list[IntegrationReport]) -> str:
    rows: list[tuple[str, str, str, str]] = []
    fixes: list[str] = []
    for r in reports:
        if not r.enabled:
            rows.append((r.label, "disabled", "", ""))
            continue
        for i, c in enumerate(r.checks):
            rows.append((r.label if i == 0 else "", c.status, c.name, c.detail))
            if c.fix and c.status != "ok":
                fixes.append(f"{r.label} — {c.name}: {c.fix}")
    widths = [max(len(row[i]) for row in [("Integration", "Status", "Check", ""), *rows]) for i in range(3)]
    lines = [f"{'Integration':<{widths[0]}}  {'Status':<{widths[1]}}  {'Check':<{widths[2]}}  Detail",
             "  ".join("-" * w for w in widths) + "  " + "-" * 6]
    indent = sum(widths) + 6
    for label, status, name, detail in rows:
        wrapped = textwrap.wrap(detail, DETAIL_WIDTH) or [""]
        lines.append(f"{label:<{widths[0]}}  {status:<{widths[1]}}  {name:<{widths[2]}}  {wrapped[0]}".rstrip())
        lines += [" " * indent + more for more in wrapped[1:]]
    if fixes:
        lines += ["", "To fix:"] + [textwrap.fill(f, 110, initial_indent="- ", subsequent_indent="  ") for f in fixes]
    return "\n".join(lines)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("doctor", help="check every configured integration and print a table")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS", help="per integration (default 20)")
    p.add_argument("--data-dir", type=Path, metavar="DIR", help="the data folder whose settings to check")


def run(args: argparse.Namespace, *, hooks: ConnectorHooks = NO_HOOKS) -> int:
    from emailbot_gui.config.paths import AppPaths
    from emailbot_gui.config.secrets import open_secret_store_or_env
    from emailbot_gui.config.settings import SettingsError, load_settings

    paths = AppPaths.resolve(args.data_dir)
    try:
        settings = load_settings(paths.settings_file)
    except SettingsError as exc:
        print(f"emailbot doctor: {exc}", file=sys.stderr)
        return 2
    secrets, keyring_problem = open_secret_store_or_env()
    if keyring_problem and not args.json:
        print(f"Note: {keyring_problem}\n", file=sys.stderr)
    reports = asyncio.run(doctor_report(settings, secrets, hooks=hooks, timeout=args.timeout))
    code = exit_code(reports)
    if args.json:
        print(json.dumps({"ok": code == 0, "settings_file": str(paths.settings_file),
                          "keyring": "unavailable" if keyring_problem else "available",
                          "integrations": [r.to_json() for r in reports]}, indent=2))
    else:
        print(f"Settings: {paths.settings_file}\n")
        print(format_table(reports))
        print("\n" + ("Every enabled integration works." if code == 0 else "An enabled integration fails (exit 1)."))
    return code
