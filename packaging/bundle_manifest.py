"""What goes into the frozen app and what stays out, in one place for `emailbot.spec`, the PyInstaller hook in
`packaging/hooks/` and `tests/test_packaging.py`.

Plain Python with no PyInstaller import, so the tests can check the rules without building. Nothing here is a
hand-kept list of the app's modules: the Qt modules to exclude are computed from the installed PySide6, the
resources from the `resources/` tree, the version from `emailbot_gui/__init__.py`.

(`packaging/` has no `__init__.py` on purpose: it must never shadow the `packaging` library on sys.path. Load this
file by path, as the spec and the hook do.)
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import posixpath
import re
import shutil
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "emailbot_gui"
RESOURCES_DIR = ROOT / "resources"
ICONS_DIR = RESOURCES_DIR / "icons"
THIRD_PARTY_FILE = RESOURCES_DIR / "licenses" / "THIRD_PARTY.txt"
BUNDLE_NAME = "emailbot"  # the executable, the one-folder build dist/emailbot/, the .desktop id
APP_ID = "org.emailbot.Console"  # macOS bundle identifier, Windows AppUserModel-ish id

# --- version and name: read from the package's source, never imported, never repeated ----------------------------


def _package_constant(name: str) -> str:
    tree = ast.parse((PACKAGE_DIR / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = ast.literal_eval(node.value)
            if isinstance(value, str):
                return value
    raise LookupError(f"{name} not found in emailbot_gui/__init__.py")


def version() -> str:
    return _package_constant("__version__")


def app_name() -> str:
    return _package_constant("APP_NAME")


def numeric_version(parts: int = 4) -> tuple[int, ...]:
    """`1.2.3` -> (1, 2, 3, 0): what Windows version resources and Inno Setup's VersionInfoVersion want."""
    numbers = []
    for piece in version().split(".")[:parts]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers + [0] * (parts - len(numbers)))


# --- resources: the whole resources/ tree, as resources_dir() expects it (sys._MEIPASS/resources) -----------------

RESOURCE_DEST = "resources"
# Never shipped: editor and OS litter. The .ico/.icns only dress the executable and the .app (EXE/BUNDLE icon=).
_SKIPPED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_SKIPPED_SUFFIXES = {".pyc", ".swp", ".orig", ".rej", ".ico", ".icns"}


def _shipped(path: Path) -> bool:
    return (path.is_file() and path.name not in _SKIPPED_NAMES and path.suffix not in _SKIPPED_SUFFIXES
            and "__pycache__" not in path.parts)


def resource_datas() -> list[tuple[str, str]]:
    """(source file, destination folder) for every shipped resource. The build swaps the checked-in
    THIRD_PARTY.txt for one generated from what it actually collected (see emailbot.spec)."""
    return [(str(path), str(PurePosixPath(RESOURCE_DEST, *path.parent.relative_to(RESOURCES_DIR).parts)))
            for path in sorted(RESOURCES_DIR.rglob("*")) if _shipped(path)]


def bundle_dest(path: Path) -> str:
    """Where a file of resources/ lands inside the bundle, as a TOC destination name."""
    return str(PurePosixPath(RESOURCE_DEST, *path.relative_to(RESOURCES_DIR).parts))


def bundled_resource_paths(datas: Iterable[tuple[str, str]]) -> set[str]:
    """'resources/demo/mail/x.eml'-style paths a datas list puts into the bundle (files only)."""
    out = set()
    for src, dest in datas:
        source = Path(src)
        if source.is_dir():
            out.update(str(PurePosixPath(dest, *p.relative_to(source).parts)) for p in source.rglob("*") if p.is_file())
        else:
            out.add(str(PurePosixPath(dest, source.name)))
    return out


# --- Qt: only the modules the app imports; everything else PySide6 offers is excluded ----------------------------

QT_BINDING = "PySide6"
QT_MODULES_USED = ("QtCore", "QtGui", "QtWidgets")
OTHER_QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2")  # qasync imports whichever it finds


def installed_qt_modules(binding: str = QT_BINDING) -> list[str]:
    """Every Qt module the installed binding offers (from its stubs and extension files, without importing Qt)."""
    spec = importlib.util.find_spec(binding)
    if spec is None or not spec.submodule_search_locations:
        return []
    names = set()
    for folder in spec.submodule_search_locations:
        for entry in Path(folder).iterdir():
            stem = entry.name.split(".")[0]
            if stem.startswith("Qt") and entry.suffix in {".pyi", ".so", ".pyd"}:
                names.add(stem)
    return sorted(names)


# Optional imports of the libraries the app uses that pull in large unrelated trees. Each line says who imports
# it and why the app can do without; excluded_modules() never excludes what the package itself imports (or names
# as a dependency in pyproject.toml), so a new integration cannot be broken by this list, only made bigger.
_UNUSED_OPTIONAL_IMPORTS = (
    "tkinter", "_tkinter",  # the GUI is Qt
    "sqlalchemy.testing", "alembic.testing",  # test harnesses of libraries
    # SQLAlchemy's dialects (all imported by Alembic) name these drivers; only the URLs' drivers are needed
    "asyncpg", "psycopg", "psycopg2", "pg8000", "pymysql", "MySQLdb", "aiomysql", "asyncmy", "mysql.connector",
    "oracledb", "cx_Oracle", "pyodbc", "aioodbc", "pymssql",
    "numpy.f2py", "numpy.distutils",  # build tools, not runtime
    "yaml",  # numpy.__config__.show_config() only
    "httpx._main", "pygments", "rich", "click",  # httpx's command-line client (httpx guards the import)
    "trio", "IPython", "jedi", "parso", "prompt_toolkit", "matplotlib_inline",  # anyio/httpx's optional trio
    "mypy", "pydantic.mypy", "ast_serialize",  # pydantic's mypy plugin (openai imports pydantic)
    "botocore", "boto3",  # openai's AWS Bedrock provider, which the app does not use
    "pydoc_data",  # help() texts
)


def package_imports() -> set[str]:
    """Every module name the package's source imports (absolute imports, as written)."""
    names: set[str] = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def excluded_modules() -> list[str]:
    """Module excludes for Analysis: the Qt modules the app does not use (computed from the installed PySide6),
    the other Qt bindings, and the unused optional imports above minus anything the package uses."""
    used = package_imports() | set(declared_imports())

    def wanted(module: str) -> bool:
        return any(name == module or name.startswith(module + ".") for name in used)

    unused_qt = [f"{QT_BINDING}.{m}" for m in installed_qt_modules() if m not in QT_MODULES_USED]
    return sorted({*unused_qt, *OTHER_QT_BINDINGS, *(m for m in _UNUSED_OPTIONAL_IMPORTS if not wanted(m))})


# Qt plugins: dest paths look like PySide6/Qt/plugins/<type>/<lib>. A desktop console on Linux needs xcb and
# wayland (and offscreen/minimal for headless runs and the smoke test); eglfs/linuxfb/vnc are for kiosks.
_DROPPED_PLUGIN_TYPES = {
    "designer", "qmltooling", "qmllint", "sqldrivers",  # no Qt Designer, QML or QtSql here
    "egldeviceintegrations",  # only the eglfs platform loads these
    "generic",  # evdev/tuio input for kiosks, loaded only on request (QT_QPA_GENERIC_PLUGINS)
    "networkinformation", "tls",  # QtNetwork is not used (httpx does the networking)
    "printsupport",  # nothing prints
}
_DROPPED_PLUGINS = {
    "platforms": ("eglfs", "linuxfb", "vnc", "minimalegl", "vkkhrdisplay"),
    # The console draws with Fusion and its own palette, so the GTK theme would only bring its own copies of
    # cairo, pango, gdk-pixbuf... (mixing them with the desktop's GTK is a classic crash); the XDG portal
    # theme stays for sandboxed desktops.
    "platformthemes": ("gtk3",),
}
SYMLINK = "SYMLINK"


def _parts(dest: str) -> tuple[str, ...]:
    return PurePosixPath(dest.replace("\\", "/")).parts


def keep_qt_file(dest: str) -> bool:
    """False for a Qt plugin or translation the app never loads (dest: the path inside the bundle)."""
    parts = _parts(dest)
    if parts[:1] != (QT_BINDING,):
        return True
    if "translations" in parts:
        return False  # the UI is English and installs no QTranslator: Qt would never load them
    if "plugins" in parts:
        at = parts.index("plugins")
        plugin_type = parts[at + 1] if len(parts) > at + 2 else ""
        if plugin_type in _DROPPED_PLUGIN_TYPES:
            return False
        return not any(word in parts[-1] for word in _DROPPED_PLUGINS.get(plugin_type, ()))
    return True


def unused_binaries(binaries: list[tuple[str, str, str]], needed_by: Callable[[str], Iterable[str]]) -> set[str]:
    """Destination names of the dropped Qt plugins and of the libraries only they needed.

    PyInstaller collected each plugin's link-time dependencies (libQt6EglFSDeviceIntegration for eglfs,
    libQt6Network for the tuio plugin, GTK's cairo and pango for the gtk3 theme...). A library goes when a dropped
    plugin needs it, directly or not, and nothing kept does. `needed_by(path)` gives a binary's link-time
    dependencies (PyInstaller's bindepend.get_imports in the spec)."""
    files = {_parts(dest)[-1]: (dest, src) for dest, src, kind in binaries if kind != SYMLINK}

    def closure(start: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(start)
        while todo:
            for needed in needed_by(files[todo.pop()][1]):
                base = _parts(needed)[-1]
                if base in files and base not in seen:
                    seen.add(base)
                    todo.append(base)
        return seen

    dropped = {base for base, (dest, _src) in files.items() if not keep_qt_file(dest)}
    candidates = closure(dropped) - dropped
    kept_roots = [base for base in files if base not in dropped and base not in candidates]
    return {files[base][0].replace("\\", "/") for base in dropped | (candidates - closure(kept_roots))}


def without(toc: list[tuple[str, str, str]], removed: set[str]) -> list[tuple[str, str, str]]:
    """`toc` minus the removed files and the symbolic links to them (PyInstaller files those under datas)."""
    def target(dest: str, src: str, kind: str) -> str:
        if kind != SYMLINK:
            return dest.replace("\\", "/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(dest.replace("\\", "/")), src.replace("\\", "/")))

    return [entry for entry in toc if target(*entry) not in removed]


# --- stripping: everything but the libraries auditwheel vendored ----------------------------------------------------


def strippable(dest: str) -> bool:
    """Whether to strip a collected binary's symbols (dest: its path inside the bundle).

    Most wheels' extension modules and Qt's libraries keep their symbol tables (and a pyenv libpython is 23 MB
    unstripped, 5 MB stripped), but stripping the libraries auditwheel vendored into `<package>.libs/` breaks
    them: patchelf rewrote them, and strip leaves "ELF load command address/offset not page-aligned"
    (numpy.libs/libscipy_openblas64_). PyInstaller's strip=True is all or nothing, hence this choice."""
    return not _parts(dest)[0].endswith(".libs")


def strip_binaries(binaries: list[tuple[str, str, str]], workdir: Path,
                   strip: Callable[[Path], bool]) -> list[tuple[str, str, str]]:
    """Point the strippable binaries at stripped copies under `workdir` (`strip(copy)` strips in place; a copy
    that fails to strip is dropped and the original kept)."""
    out = []
    for dest, src, kind in binaries:
        if kind != SYMLINK and strippable(dest):
            copy = workdir / dest
            if not copy.exists() or copy.stat().st_mtime < Path(src).stat().st_mtime:
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, copy)
                if not strip(copy):
                    copy.unlink()
                    out.append((dest, src, kind))
                    continue
            src = str(copy)
        out.append((dest, src, kind))
    return out


# --- declared dependencies: the project says it needs them, so they are always in ----------------------------------


def declared_dependencies() -> list[str]:
    """Distribution names of pyproject.toml's runtime dependencies (extras and markers ignored)."""
    from packaging.requirements import Requirement  # the PyPA library (pip, pytest and PyInstaller bring it)

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(line).name for line in project.get("dependencies", [])]


def declared_imports() -> list[str]:
    """The top-level modules of the declared dependencies: hidden imports, and never excluded. This is what
    brings in the drivers SQLAlchemy imports by name when connecting ("sqlite+aiosqlite://", asyncpg)."""
    normal = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
    by_distribution: dict[str, set[str]] = {}
    for module, distributions in importlib.metadata.packages_distributions().items():
        for distribution in distributions:
            by_distribution.setdefault(normal(distribution), set()).add(module)
    modules = set()
    for name in declared_dependencies():
        found = {m for m in by_distribution.get(normal(name), set())
                 if m.isidentifier() and not m.startswith("_") and importable(m)}
        modules |= found or {normal(name).replace("-", "_")}
    return sorted(modules)


# --- optional integrations: collected when importable, so the build works with or without them -------------------

OPTIONAL_PACKAGES = ("httpx", "msal", "keyring", "openai", "certifi")
KEYRING_PLATFORM_DEPENDENCIES = {
    "linux": ("secretstorage", "jeepney"),  # SecretService over D-Bus
    "win32": ("win32ctypes.core",),  # Windows Credential Manager
    "darwin": (),  # macOS Keychain goes through ctypes
}


def importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def optional_packages_present() -> list[str]:
    return [name for name in OPTIONAL_PACKAGES if importable(name)]


def keyring_platform_dependencies(platform: str = sys.platform) -> list[str]:
    key = "linux" if platform.startswith("linux") else platform
    return [name for name in KEYRING_PLATFORM_DEPENDENCIES.get(key, ()) if importable(name.split(".")[0])]


if __name__ == "__main__":  # for the platform scripts: python packaging/bundle_manifest.py version|name|app-id
    print({"version": version, "name": app_name, "app-id": lambda: APP_ID}[sys.argv[1]]())
