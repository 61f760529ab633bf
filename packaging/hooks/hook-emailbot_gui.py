"""PyInstaller hook for the app's package: everything `emailbot_gui` needs at run time, computed from the tree.

- hidden imports: every submodule of `emailbot_gui` (connectors and the UI are imported lazily, by the CLI's
  choice of mode), so a new module is collected without anyone editing a list;
- the Alembic migrations: `store/db.py` hands Alembic the folder `Path(__file__).with_name("migrations")`, and
  Alembic loads `env.py` and `versions/*.py` *by path*, so they are shipped as source files next to the
  package (module collection mode "pyz+py") as well as in the archive, with `script.py.mako`;
- every dependency pyproject.toml declares, including the database drivers (aiosqlite, asyncpg) that
  SQLAlchemy imports by name from a URL ("sqlite+aiosqlite://") and so no import statement reveals;
- the shipped resources (`resources/`, found through `config.paths.resources_dir()`);
- the optional integrations when they are installed: httpx, msal, openai, keyring with the backends of the
  platform being built and their own dependencies, and certifi's CA bundle (httpx verifies against it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata, logger

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bundle_manifest as manifest  # packaging/ is not a package: see that module's docstring

MIGRATIONS = "emailbot_gui.store.migrations"

hiddenimports = collect_submodules("emailbot_gui", filter=lambda name: not name.startswith("emailbot_gui.tests"))
hiddenimports += manifest.declared_imports()  # pyproject's dependencies, e.g. the drivers SQLAlchemy loads by name
module_collection_mode = {MIGRATIONS: "pyz+py"}
datas = collect_data_files(MIGRATIONS)  # script.py.mako (the .py files come through the collection mode)
datas += manifest.resource_datas()

for package in manifest.optional_packages_present():
    hiddenimports.append(package)
    logger.info("emailbot: collecting the optional integration %r", package)
    if package == "keyring":
        # keyring picks its backend through entry points: ship the metadata and every backend module,
        # plus what the platform's backend imports only when it is chosen.
        hiddenimports += collect_submodules("keyring.backends")
        hiddenimports += manifest.keyring_platform_dependencies()
        datas += copy_metadata("keyring")
    elif package == "certifi":
        datas += collect_data_files("certifi")  # cacert.pem

missing = [name for name in manifest.OPTIONAL_PACKAGES if name not in manifest.optional_packages_present()]
if missing:
    logger.info("emailbot: optional integrations not installed, not collected: %s", ", ".join(missing))
