"""`emailbot config import FILE.env` and `emailbot config show`: the settings from the command line. Both
print names (of settings, keyring entries and variables), never a secret's value."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emailbot_gui.config.secrets import (
    CUSTOMER_DB_PASSWORD,
    DATABASE_PASSWORD,
    HUBSPOT_TOKEN,
    KEYRING_SERVICE,
    OPENAI_API_KEY,
    EnvSecretStore,
    certificate_passphrase_name,
    client_secret_name,
    env_variable_for,
    salesforce_secret_name,
    secret_label,
)
from emailbot_gui.config.settings import Settings, secret_problems, settings_to_json


def add_parser(sub: Any) -> None:
    config = sub.add_parser("config", help="import or show the settings")
    actions = config.add_subparsers(dest="config_command", required=True)
    imp = actions.add_parser("import", help="import the original design's .env template: settings to the settings "
                                            "file, secrets to the OS keyring")
    imp.add_argument("file", type=Path, metavar="FILE.env")
    imp.add_argument("--data-dir", type=Path, metavar="DIR", help="the data folder whose settings to change")
    show = actions.add_parser("show", help="print the settings and which secrets are set (never their values)")
    show.add_argument("--data-dir", type=Path, metavar="DIR")


def run(args: argparse.Namespace, *, keyring_backend: Any = None) -> int:
    """`keyring_backend`: a keyring backend object (tests); None: keyring's configured default."""
    from emailbot_gui.config.env_import import EnvFileError, parse_env_file, plan_import
    from emailbot_gui.config.paths import AppPaths
    from emailbot_gui.config.secrets import open_secret_store_or_env
    from emailbot_gui.config.settings import SettingsError, load_settings, save_settings

    paths = AppPaths.resolve(args.data_dir)
    secrets, keyring_problem = open_secret_store_or_env(backend=keyring_backend)
    try:
        # The file's own values only: an EMAILBOT_* variable of this shell must not end up in the file.
        current = load_settings(paths.settings_file, environ={})
        if args.config_command == "show":
            return _show(paths.settings_file, current, secrets, keyring_problem)
        try:
            env = parse_env_file(args.file.read_text(encoding="utf-8"))
        except OSError as exc:
            print(f"emailbot config import: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
        plan = plan_import(env, current)
        new = plan.apply_to(current)
    except (EnvFileError, SettingsError) as exc:
        print(f"emailbot config: {exc}", file=sys.stderr)
        return 2
    save_settings(paths.settings_file, new, environ={})
    print(f"Settings file {paths.settings_file}:")
    for name in sorted(plan.settings):
        print(f"  {name:<34} <- {plan.setting_sources[name]}")
    if not plan.settings:
        print("  (nothing)")
    code = 0
    stored, failed = _store_secrets(plan.secrets, secrets, keyring_problem)
    if stored:
        print(f"\nOS keyring (service \"{KEYRING_SERVICE}\"):")
        for name in stored:
            print(f"  {name:<34} <- {plan.secret_sources[name]}")
    if failed:
        code = 1
        print("\nNOT stored (no usable OS keyring) — give these as environment variables instead, or start a "
              "Secret Service and import again:", file=sys.stderr)
        for name in failed:
            print(f"  {plan.secret_sources[name]} -> set {env_variable_for(name) or name}", file=sys.stderr)
    if plan.skipped:
        print("\nSkipped:")
        for variable, why in plan.skipped:
            print(f"  {variable:<34} {why}")
    for note in plan.notes:
        print(f"\nNote: {note}")
    print("\nRun `emailbot doctor` to check the connections.")
    return code


def _store_secrets(values: dict[str, str], secrets: EnvSecretStore, keyring_problem: str
                   ) -> tuple[list[str], list[str]]:
    if keyring_problem:
        return [], sorted(values)
    stored, failed = [], []
    for name in sorted(values):
        try:
            secrets.set(name, values[name])
            stored.append(name)
        except Exception as exc:  # a locked keyring, a refused write
            print(f"emailbot config import: the keyring refused {name} ({type(exc).__name__})", file=sys.stderr)
            failed.append(name)
    return stored, failed


def _show(path: Path, settings: Settings, secrets: EnvSecretStore, keyring_problem: str) -> int:
    print(f"Settings file {path}{'' if path.exists() else ' (not created yet: defaults)'}:")
    carrying_secrets = set(secret_problems(settings))
    for name, value in settings_to_json(settings).items():
        shown = "(carries a secret: move it to the keyring with `emailbot config import`)" \
            if name in carrying_secrets else value
        print(f"  {name:<34} {shown!r}" if isinstance(shown, str) else f"  {name:<34} {shown}")
    print(f"\nSecrets ({'environment variables only: ' + keyring_problem if keyring_problem else 'OS keyring'}):")
    for name in _secret_names(settings):
        label = secret_label(name)
        label = label[0].upper() + label[1:]
        where = "not set"
        try:
            if secrets.from_environment(name):
                where = f"set (environment variable {env_variable_for(name)})"
            elif secrets.get(name):
                where = "set (OS keyring)"
        except Exception as exc:
            where = f"unknown ({type(exc).__name__})"
        print(f"  {label:<34} {where}")
    return 0


def _secret_names(settings: Settings) -> list[str]:
    names = [OPENAI_API_KEY, HUBSPOT_TOKEN, CUSTOMER_DB_PASSWORD]
    if settings.database_url:
        names.append(DATABASE_PASSWORD)
    if settings.m365_client_id:
        names.append(client_secret_name(settings.m365_client_id))
    if settings.m365_client_id and settings.m365_certificate_path:
        names.append(certificate_passphrase_name(settings.m365_client_id))
    if settings.salesforce_client_id:
        names.append(salesforce_secret_name(settings.salesforce_client_id))
    return names
