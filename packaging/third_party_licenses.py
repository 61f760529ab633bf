"""Write `resources/licenses/THIRD_PARTY.txt`: name, version, licence and licence text of the third-party software
the app ships, from the installed distributions' metadata. The About dialog shows this file.

Two ways to choose what is listed:
- at build time (`emailbot.spec`), from what PyInstaller actually collected: the top-level modules of the
  archive and binaries, mapped to their distributions, plus the Python runtime, PyInstaller's bootloader and,
  on a Debian-like build host, the system libraries that were bundled (with their `copyright` files);
- from a checkout (`python packaging/third_party_licenses.py`, which refreshes the checked-in copy), from the
  dependency closure of pyproject.toml's runtime dependencies plus the optional integrations that are installed.

A distribution that ships no licence file (PySide6-Essentials and shiboken6 wheels do not) gets the standard
text of the licence it is distributed under from `packaging/licenses/`.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_manifest as manifest  # packaging/ is not a package: see that module's docstring

HERE = Path(__file__).resolve().parent

STANDARD_TEXTS = HERE / "licenses"
RULE = "=" * 79
THIN_RULE = "-" * 79
_LICENCE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE)", re.IGNORECASE)
# Dual-licensed Qt for Python: the app uses (and ships) it under the LGPL, which builds on the GPL v3's text.
_CHOSEN_TEXTS = {"LGPL-3.0": ("LGPL-3.0-only", "GPL-3.0-only")}
OWN_DISTRIBUTION = "emailbot-console"


@dataclass
class Entry:
    name: str
    version: str
    licence: str
    home: str = ""
    texts: list[tuple[str, str]] = field(default_factory=list)  # (file name, text)
    see_also: list[str] = field(default_factory=list)  # standard texts in the appendix

    def render(self) -> str:
        lines = [RULE, f"Name: {self.name}", f"Version: {self.version}", f"Licence: {self.licence}"]
        if self.home:
            lines.append(f"Home: {self.home}")
        if self.texts:
            lines.append("Licence files: " + ", ".join(name for name, _ in self.texts))
        lines.append(THIN_RULE)
        for name, text in self.texts:
            # a licence text can never end an entry early: RULE separates entries and nothing else
            body = "\n".join("=" * 78 if line == RULE else line for line in text.rstrip().splitlines())
            lines += [f"[{name}]", body, ""]
        if self.see_also:
            lines.append("This distribution ships no licence file. It is used under " + self.see_also[0]
                         + "; see the entries " + ", ".join(f"'{name} (licence text)'" for name in self.see_also)
                         + " at the end of this list.")
        elif not self.texts:
            lines.append("This distribution ships no licence file.")
        return "\n".join(lines).rstrip() + "\n"


def _licence_of(meta: md.PackageMetadata) -> str:
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 200:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(classifiers) or "see the licence text"


def _home_of(meta: md.PackageMetadata) -> str:
    if meta.get("Home-page"):
        return meta["Home-page"]
    urls = meta.get_all("Project-URL") or []
    for wanted in ("homepage", "home", "source", "repository"):
        for url in urls:
            label, _, address = url.partition(",")
            if label.strip().lower() == wanted:
                return address.strip()
    return urls[0].partition(",")[2].strip() if urls else ""


def _licence_files(dist: md.Distribution) -> list[tuple[str, str]]:
    declared = set(dist.metadata.get_all("License-File") or [])
    found = []
    for file in dist.files or []:
        parts = file.parts
        if not parts or not parts[0].endswith(".dist-info") or len(parts) < 2:
            continue
        relative = "/".join(parts[1:])
        inside_licenses = parts[1] == "licenses"
        declared_here = relative in declared or relative.removeprefix("licenses/") in declared
        if declared_here or inside_licenses or _LICENCE_FILE.match(file.name):
            text = dist.read_text(relative)
            if text:
                found.append((relative.removeprefix("licenses/"), text))
    return found


def entry_for(dist: md.Distribution) -> Entry:
    meta = dist.metadata
    entry = Entry(meta["Name"], dist.version, _licence_of(meta), _home_of(meta), _licence_files(dist))
    if not entry.texts:
        for spdx_prefix, standard in _CHOSEN_TEXTS.items():
            if spdx_prefix in entry.licence:
                entry.see_also = list(standard)
    return entry


def python_entry() -> Entry:
    candidates = [Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt", Path(sys.base_prefix) / "LICENSE.txt"]
    found = next((path for path in candidates if path.is_file()), None)
    texts = [("LICENSE.txt", found.read_text(encoding="utf-8"))] if found else []
    return Entry("Python", sys.version.split()[0], "PSF-2.0", "https://www.python.org", texts)


def bootloader_entry() -> Entry | None:
    try:
        dist = md.distribution("pyinstaller")
    except md.PackageNotFoundError:
        return None
    entry = entry_for(dist)
    entry.name = "PyInstaller bootloader"
    return entry


def standard_text_entries(names: Iterable[str]) -> list[Entry]:
    out = []
    for name in sorted(set(names)):
        path = STANDARD_TEXTS / f"{name}.txt"
        out.append(Entry(f"{name} (licence text)", "-", name, "", [(path.name, path.read_text(encoding="utf-8"))]))
    return out


def system_library_entries(paths: Iterable[str]) -> list[Entry]:
    """Bundled libraries that came from the build host's system, with the Debian package's copyright file."""
    dpkg = shutil.which("dpkg")
    entries: dict[str, Entry] = {}
    for path in sorted(set(paths)):
        package = _debian_package(dpkg, path) if dpkg else ""
        name = package or Path(path).name
        entry = entries.setdefault(name, Entry(name, "", "see the copyright file" if package else "unknown"))
        entry.version = entry.version or _debian_version(dpkg, package)
        copyright_file = Path("/usr/share/doc") / package.split(":")[0] / "copyright" if package else None
        if copyright_file and copyright_file.is_file() and not entry.texts:
            entry.texts.append(("copyright", copyright_file.read_text(encoding="utf-8", errors="replace")))
        entry.home = (entry.home + ", " if entry.home else "system library: ") + Path(path).name
    return list(entries.values())


def _debian_package(dpkg: str, path: str) -> str:
    """The Debian package owning a library; tries the /lib and /usr/lib spellings (merged /usr) and the real file."""
    real = str(Path(path).resolve())
    candidates = []
    for spelling in (path, real):
        candidates += [spelling, spelling.removeprefix("/usr") if spelling.startswith("/usr/") else "/usr" + spelling]
    for candidate in dict.fromkeys(candidates):
        found = subprocess.run([dpkg, "-S", candidate], capture_output=True, text=True, check=False)
        if found.returncode == 0 and ":" in found.stdout:
            return found.stdout.split(":")[0].strip()
    return ""


def _debian_version(dpkg: str | None, package: str) -> str:
    if not dpkg or not package:
        return ""
    query = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                           check=False)
    return query.stdout.strip()


def dependency_closure(roots: Iterable[str]) -> list[md.Distribution]:
    """The installed distributions `roots` need at run time (extras left out, markers evaluated here)."""
    from packaging.requirements import Requirement  # the PyPA library (pip/PyInstaller bring it)

    seen: dict[str, md.Distribution] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen[key] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(seen.values())


def distributions_for_modules(top_level_names: Iterable[str]) -> list[md.Distribution]:
    mapping = md.packages_distributions()
    names = {dist for top in top_level_names for dist in mapping.get(top, [])}
    out = []
    for name in sorted(names):
        try:
            out.append(md.distribution(name))
        except md.PackageNotFoundError:
            continue
    return out


def render(dists: Iterable[md.Distribution], extra: Iterable[Entry] = ()) -> str:
    unique = {}
    for dist in dists:
        if dist.metadata["Name"] and re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower() != OWN_DISTRIBUTION:
            unique[dist.metadata["Name"].lower()] = dist
    entries = [entry_for(unique[key]) for key in sorted(unique)] + list(extra)
    appendix = standard_text_entries(name for entry in entries for name in entry.see_also)
    header = [f"Third-party software shipped with {manifest.app_name()}",
              "Generated by packaging/third_party_licenses.py from the installed distributions' metadata.",
              f"{len(entries)} components; standard licence texts they refer to follow at the end.", ""]
    return "\n".join(header) + "\n".join(entry.render() for entry in entries + appendix)


def for_checkout() -> str:
    # pyproject.toml's list, not the installed metadata of emailbot-console (stale until it is reinstalled)
    roots = [*manifest.declared_dependencies(), *manifest.optional_packages_present()]
    return render(dependency_closure(roots), [python_entry()])


def for_build(module_names: Iterable[str], binary_sources: Iterable[str]) -> str:
    """What the spec calls: `module_names` from the archive and collected files, `binary_sources` the source
    paths of every collected binary (system ones are recognised by living outside Python's prefixes)."""
    tops = {name.replace("\\", "/").split("/")[0].split(".")[0] for name in module_names}
    prefixes = tuple(str(Path(p).resolve()) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
    system = [src for src in binary_sources
              if Path(src).is_absolute() and not str(Path(src).resolve()).startswith(prefixes)
              and not str(Path(src).resolve()).startswith(str(manifest.ROOT))]
    extra = [python_entry()]
    if (bootloader := bootloader_entry()) is not None:
        extra.append(bootloader)
    if sys.platform.startswith("linux"):
        extra += system_library_entries(system)
    return render(distributions_for_modules(tops), extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=manifest.THIRD_PARTY_FILE)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(for_checkout(), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
