"""Packaging checks that need no build: the spec and the hook collect what the frozen app needs, every resource the
app loads is shipped, the Qt trimming rules keep what the app uses, the desktop entry and icons are sound, the
version has one source, and the About dialog shows the licences shipped. (The build itself and the frozen binary
are checked by packaging/smoke_test.py, which .ci/run runs.)"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import re
import runpy
import shutil
import struct
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGING = REPO / "packaging"
SPEC = REPO / "emailbot.spec"
HOOK = PACKAGING / "hooks" / "hook-emailbot_gui.py"
sys.path.insert(0, str(PACKAGING))  # packaging/ is not a package: it must not shadow the `packaging` library
import bundle_manifest as manifest  # noqa: E402
import smoke_test  # noqa: E402

import emailbot_gui  # noqa: E402
from emailbot_gui.config import paths  # noqa: E402

USED_QT = {f"PySide6.{m}" for m in manifest.QT_MODULES_USED}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _package_modules() -> set[str]:
    modules = set()
    for path in (REPO / "emailbot_gui").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


# --- the spec -------------------------------------------------------------------------------------------------------


def test_the_spec_compiles():
    compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec")


def _run_spec(tmp_path: Path, binaries: list[tuple[str, str, str]], datas: list[tuple[str, str, str]]) -> dict:
    """Execute emailbot.spec with stand-ins for PyInstaller's build classes; returns what each was given."""
    calls: dict[str, list] = {}

    def stand_in(kind: str):
        class StandIn:
            def __init__(self, *args, **kwargs):
                self.args, self.kwargs = args, kwargs
                calls.setdefault(kind, []).append(self)
                if kind == "Analysis":
                    self.pure, self.scripts = [("sqlalchemy.orm", "x.py", "PYMODULE")], []
                    self.binaries, self.datas = list(binaries), list(datas)
        return StandIn

    namespace = {name: stand_in(name) for name in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    namespace.update(SPECPATH=str(REPO), workpath=str(tmp_path), __file__=str(SPEC), __name__="__main__")
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return {"calls": calls, "a": calls["Analysis"][0]}


@pytest.mark.slow
def test_the_spec_builds_one_folder_emailbot_trimmed_and_with_the_shipped_licences(tmp_path, monkeypatch):
    pytest.importorskip("PyInstaller.depend.bindepend")
    monkeypatch.delenv("EMAILBOT_ONEFILE", raising=False)
    licences = manifest.bundle_dest(manifest.THIRD_PARTY_FILE)
    qt = Path(importlib.util.find_spec("PySide6").submodule_search_locations[0]) / "Qt"
    binaries = []
    if sys.platform.startswith("linux"):  # real files, so the spec's dependency walk and strip run for real
        for rel in ("plugins/platforms/libqeglfs.so", "plugins/platforms/libqxcb.so",
                    "lib/libQt6EglFSDeviceIntegration.so.6", "lib/libQt6XcbQpa.so.6"):
            if (qt / rel).exists():
                binaries.append((f"PySide6/Qt/{rel}", str(qt / rel), "BINARY"))
    datas = [(licences, str(manifest.THIRD_PARTY_FILE), "DATA"),
             ("PySide6/Qt/translations/qtbase_de.qm", "/x/qtbase_de.qm", "DATA")]
    result = _run_spec(tmp_path, binaries, datas)
    calls, a = result["calls"], result["a"]

    assert Path(a.args[0][0]) == REPO / "emailbot_gui" / "__main__.py"
    assert str(PACKAGING / "hooks") in a.kwargs["hookspath"]
    excludes = set(a.kwargs["excludes"])
    assert not USED_QT & excludes and {"PyQt5", "PyQt6", "PySide2"} <= excludes
    assert calls["EXE"][0].kwargs["name"] == "emailbot"
    assert calls["EXE"][0].kwargs["exclude_binaries"] is True
    assert calls["COLLECT"][0].kwargs["name"] == "emailbot"
    # the licence list is this build's, the translations are gone
    shipped = {dest: src for dest, src, _ in a.datas}
    assert Path(shipped[licences]) == tmp_path / "licenses" / "THIRD_PARTY.txt"
    assert "Name: SQLAlchemy" in Path(shipped[licences]).read_text(encoding="utf-8")
    assert not any("translations" in dest for dest in shipped)
    kept = {dest: src for dest, src, _ in a.binaries}
    if binaries:
        assert "PySide6/Qt/plugins/platforms/libqxcb.so" in kept
        assert "PySide6/Qt/plugins/platforms/libqeglfs.so" not in kept
        assert "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6" not in kept  # only eglfs needed it
        if shutil.which("strip"):
            assert Path(kept["PySide6/Qt/plugins/platforms/libqxcb.so"]).is_relative_to(tmp_path / "stripped")


@pytest.mark.slow
def test_one_file_mode_puts_everything_in_the_executable(tmp_path, monkeypatch):
    pytest.importorskip("PyInstaller.depend.bindepend")
    monkeypatch.setenv("EMAILBOT_ONEFILE", "1")
    calls = _run_spec(tmp_path, [], [])["calls"]
    assert "COLLECT" not in calls
    exe = calls["EXE"][0]
    assert exe.kwargs["name"] == "emailbot" and exe.kwargs["exclude_binaries"] is False and len(exe.args) == 4


# --- the hook -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hook() -> dict:
    pytest.importorskip("PyInstaller.utils.hooks")
    return runpy.run_path(str(HOOK))


@pytest.mark.slow
def test_the_hook_collects_every_module_of_the_package(hook):
    missing = _package_modules() - set(hook["hiddenimports"])
    assert not missing, f"modules the frozen app would lack: {sorted(missing)}"


@pytest.mark.slow
def test_the_hook_ships_the_migrations_as_files_and_as_modules(hook):
    migrations = "emailbot_gui.store.migrations"
    assert hook["module_collection_mode"][migrations] == "pyz+py"  # Alembic loads env.py and versions/ by path
    assert f"{migrations}.env" in hook["hiddenimports"]
    versions = [p.stem for p in (REPO / "emailbot_gui/store/migrations/versions").glob("[0-9]*.py")]
    assert versions and all(f"{migrations}.versions.{v}" in hook["hiddenimports"] for v in versions)
    assert any(src.endswith("script.py.mako") and PurePosixPath(dest) == PurePosixPath(*migrations.split("."))
               for src, dest in hook["datas"])


@pytest.mark.slow
def test_the_hook_ships_templates_model_and_demo_and_the_declared_drivers(hook):
    shipped = manifest.bundled_resource_paths(hook["datas"])
    assert manifest.bundled_resource_paths(manifest.resource_datas()) <= shipped  # all of resources/, as checked above
    assert "resources/model/local_model.npz" in shipped
    templates = {f"resources/templates/replies/{p.name}" for p in (REPO / "resources/templates/replies").iterdir()}
    assert templates and templates <= shipped
    assert len([p for p in shipped if p.startswith("resources/demo/mail/")]) == len(
        list((REPO / "resources/demo/mail").iterdir()))
    assert "aiosqlite" in hook["hiddenimports"]  # SQLAlchemy imports it by name, from "sqlite+aiosqlite://"


@pytest.mark.slow
def test_the_hook_collects_keyring_backends_and_certifi_when_installed(hook):
    if manifest.importable("keyring"):
        backends = [m for m in hook["hiddenimports"] if m.startswith("keyring.backends.")]
        assert any("SecretService" in m for m in backends) and any("Windows" in m for m in backends)
        assert any("keyring" in src and ".dist-info" in src for src, _ in hook["datas"])  # entry points
    if manifest.importable("certifi"):
        assert any(src.endswith("cacert.pem") for src, _ in hook["datas"])


# --- resources ------------------------------------------------------------------------------------------------------


def _resource_references() -> set[str]:
    """'a/b' for every `resources_dir() / "a" / "b"` and `resource_path("a", "b")` in the package."""
    found = set()

    def chain(node: ast.AST) -> list[str] | None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left = chain(node.left)
            if left is not None and isinstance(node.right, ast.Constant) and isinstance(node.right.value, str):
                return [*left, node.right.value]
            return left
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "resources_dir":
            return []
        return None

    for path in (REPO / "emailbot_gui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            parts = chain(node)
            if parts:
                found.add("/".join(parts))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "resource_path":
                found.add("/".join(arg.value for arg in node.args if isinstance(arg, ast.Constant)))
    return found


def test_every_resource_the_app_loads_is_shipped():
    references = _resource_references()
    assert {"model/local_model.npz", "templates/replies", "demo/mail", "icons/emailbot.svg",
            "style/console.qss", "licenses/THIRD_PARTY.txt"} <= references  # the scanner sees them at all
    shipped = manifest.bundled_resource_paths(manifest.resource_datas())
    for reference in sorted(references):
        source = REPO / "resources" / reference
        assert source.exists(), f"the app loads resources/{reference}, which does not exist"
        files = [source] if source.is_file() else [p for p in source.rglob("*") if p.is_file()]
        for file in files:
            assert manifest.bundle_dest(file) in shipped, f"{file} is loaded by the app but not shipped"


def test_the_frozen_app_looks_for_resources_where_the_bundle_puts_them(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resources_dir() == tmp_path / manifest.RESOURCE_DEST


# --- what is left out -----------------------------------------------------------------------------------------------


def test_only_the_qt_modules_the_app_uses_are_kept():
    excluded = set(manifest.excluded_modules())
    assert not USED_QT & excluded
    for module in manifest.installed_qt_modules():
        assert (f"PySide6.{module}" in excluded) == (f"PySide6.{module}" not in USED_QT)
    imported_qt = {n for n in manifest.package_imports() if n.startswith("PySide6.") and n.count(".") == 1}
    assert imported_qt <= USED_QT, f"the app imports Qt modules the build excludes: {imported_qt - USED_QT}"


def test_nothing_the_package_imports_or_declares_is_excluded():
    used = manifest.package_imports() | set(manifest.declared_imports())
    clashes = [m for m in manifest.excluded_modules() if any(u == m or u.startswith(m + ".") for u in used)]
    assert not clashes


@pytest.mark.parametrize(("dest", "kept"), [
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
    ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
    ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
    ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
    ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
    ("PySide6/Qt/translations/qtbase_fr.qm", False),
    ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
    ("numpy/_core/_multiarray_umath.so", True),
])
def test_qt_plugin_and_translation_rules(dest, kept):
    assert manifest.keep_qt_file(dest) is kept


def test_libraries_only_dropped_plugins_need_go_with_them_and_their_links():
    binaries = [("PySide6/Qt/plugins/platforms/libqeglfs.so", "/q/libqeglfs.so", "BINARY"),
                ("PySide6/Qt/plugins/platforms/libqxcb.so", "/q/libqxcb.so", "BINARY"),
                ("PySide6/Qt/lib/libQt6EglFS.so.6", "/q/libQt6EglFS.so.6", "BINARY"),
                ("PySide6/Qt/lib/libQt6Gui.so.6", "/q/libQt6Gui.so.6", "BINARY"),
                ("libegl-only.so.1", "/usr/lib/libegl-only.so.1", "BINARY")]
    links = [("libQt6EglFS.so.6", "PySide6/Qt/lib/libQt6EglFS.so.6", "SYMLINK"),
             ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK")]
    needs = {"/q/libqeglfs.so": ["libQt6EglFS.so.6", "libQt6Gui.so.6"], "/q/libQt6EglFS.so.6": ["libegl-only.so.1"],
             "/q/libqxcb.so": ["libQt6Gui.so.6"]}
    removed = manifest.unused_binaries(binaries + links, lambda path: needs.get(path, []))
    assert removed == {"PySide6/Qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/lib/libQt6EglFS.so.6",
                       "libegl-only.so.1"}
    assert [d for d, _, _ in manifest.without(links, removed)] == ["libQt6Gui.so.6"]


def test_auditwheel_vendored_libraries_are_not_stripped():
    assert not manifest.strippable("numpy.libs/libscipy_openblas64_-32a4b2a6.so")
    assert manifest.strippable("PySide6/Qt/lib/libQt6Core.so.6")
    assert manifest.strippable("libpython3.11.so.1.0")


def test_the_smoke_test_recognises_an_elf_file_the_loader_would_refuse(tmp_path):
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 32, 64)  # program headers right after the ELF header
    struct.pack_into("<HH", header, 54, 56, 1)
    good, bad = bytearray(56), bytearray(56)
    struct.pack_into("<IIQQ", good, 0, 1, 5, 0x1000, 0x401000)
    struct.pack_into("<IIQQ", bad, 0, 1, 5, 0x1234, 0x401000)
    for segment in (good, bad):
        struct.pack_into("<Q", segment, 48, 0x1000)
    (tmp_path / "good.so").write_bytes(bytes(header + good))
    (tmp_path / "bad.so").write_bytes(bytes(header + bad))
    assert smoke_test.elf_segments_aligned(tmp_path / "good.so")
    assert not smoke_test.elf_segments_aligned(tmp_path / "bad.so")


# --- identity: version, desktop entry, icons, licences --------------------------------------------------------------


def test_the_version_has_one_source():
    assert manifest.version() == emailbot_gui.__version__
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"] and "version" not in project["project"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "emailbot_gui.__version__"}
    literal = re.compile(rf"(?<![\d.]){re.escape(emailbot_gui.__version__)}(?![\d.])")
    written_down = [str(p.relative_to(REPO)) for p in [SPEC, *PACKAGING.rglob("*")]
                    if p.is_file() and p.suffix in {".spec", ".py", ".sh", ".iss", ".ps1", ".plist", ".desktop", ""}
                    and literal.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert not written_down, f"the version is repeated in {written_down}: read it from emailbot_gui/__init__.py"


def test_the_desktop_entry_is_valid():
    path = PACKAGING / "linux" / "emailbot.desktop"
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(path, encoding="utf-8")
    main = entry["Desktop Entry"]
    assert main["Type"] == "Application" and main["Name"] == emailbot_gui.APP_NAME
    assert main["Exec"].split()[0] == main["TryExec"] == manifest.BUNDLE_NAME
    assert main["Icon"] == "emailbot" and main["Terminal"] == "false"
    categories = main["Categories"]
    assert categories.endswith(";") and {"Office", "Network"} & set(categories.split(";"))
    for action in filter(None, main["Actions"].split(";")):
        assert entry[f"Desktop Action {action}"]["Exec"].startswith(manifest.BUNDLE_NAME)
    assert not re.search(r"\d+\.\d+\.\d+", path.read_text(encoding="utf-8"))
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True, check=False)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_the_icon_set_is_complete():
    icons = REPO / "resources" / "icons"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert _png_size(icons / f"emailbot-{size}.png") == (size, size)
    ico = (icons / "emailbot.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    sizes = {struct.unpack_from("<B", ico, 6 + 16 * i)[0] or 256 for i in range(count)}
    assert (reserved, kind) == (0, 1) and {16, 32, 48, 256} <= sizes
    icns = (icons / "emailbot.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert b"ic10" in icns and b"icp4" in icns  # 1024 px (512@2x) down to 16 px


def test_the_installers_take_name_version_and_icon_from_the_project():
    iss = (PACKAGING / "windows" / "emailbot.iss").read_text(encoding="utf-8")
    assert "[Icons]" in iss and "{group}" in iss and "{uninstallexe}" in iss  # Start menu, with the uninstaller
    assert r"dist\emailbot" in iss and "emailbot.ico" in iss and "GetStringFileInfo" in iss
    dmg = (PACKAGING / "macos" / "build_dmg.sh").read_text(encoding="utf-8")
    assert "hdiutil create" in dmg and "bundle_manifest.py" in dmg


def _installed_checked_in_components():
    from emailbot_gui.ui.about_dialog import load_components

    return load_components(manifest.THIRD_PARTY_FILE)


def test_the_licence_list_covers_every_runtime_dependency():
    components = _installed_checked_in_components()
    listed = {_normal(c.name) for c in components}
    missing = [d for d in manifest.declared_dependencies() if _normal(d) not in listed]
    assert not missing, f"not in THIRD_PARTY.txt: {missing}; run python packaging/third_party_licenses.py"
    assert all(c.licence for c in components)
    qt = next(c for c in components if _normal(c.name).startswith("pyside6"))
    assert "LGPL-3.0" in qt.licence and "LGPL-3.0-only" in qt.text
    assert any(c.name == "LGPL-3.0-only (licence text)" and "LESSER GENERAL PUBLIC" in c.text for c in components)


def test_the_apps_own_licence_is_the_projects():
    from emailbot_gui.ui.about_dialog import LICENCE

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["license"]
    assert (declared["text"] if isinstance(declared, dict) else declared) == LICENCE


def test_about_shows_version_licence_and_the_shipped_licences(qtbot):
    from emailbot_gui.ui.about_dialog import AboutDialog

    dialog = AboutDialog(licences=manifest.THIRD_PARTY_FILE)
    qtbot.addWidget(dialog)
    summary = dialog.summary.text()
    assert emailbot_gui.__version__ in summary and "Licence: MIT" in summary
    assert dialog.component_list.count() == len(dialog.components) > 10
    row = next(i for i, c in enumerate(dialog.components) if c.name == "SQLAlchemy")
    dialog.component_list.setCurrentRow(row)
    assert "Permission is hereby granted" in dialog.licence_text.toPlainText()


def test_about_says_so_when_the_licence_list_is_missing(qtbot, tmp_path):
    from emailbot_gui.ui.about_dialog import AboutDialog

    dialog = AboutDialog(licences=tmp_path / "absent.txt")
    qtbot.addWidget(dialog)
    assert "missing" in dialog.summary.text() and dialog.component_list.count() == 0


def test_help_about_opens_the_licence_dialog():
    source = (REPO / "emailbot_gui" / "ui" / "main_window.py").read_text(encoding="utf-8")
    assert "from emailbot_gui.ui.about_dialog import about_box" in source


@pytest.mark.skipif(not os.environ.get("EMAILBOT_FROZEN_BUNDLE"), reason="set EMAILBOT_FROZEN_BUNDLE=dist/emailbot")
def test_a_built_bundle_passes_the_smoke_test():
    assert smoke_test.main([os.environ["EMAILBOT_FROZEN_BUNDLE"]]) == 0
