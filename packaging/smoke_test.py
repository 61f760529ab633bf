"""Smoke test of the FROZEN app: what a support lead gets, run the way they run it.

    python packaging/smoke_test.py dist/emailbot                                  # the one-folder build
    python packaging/smoke_test.py dist/emailbot-VERSION-linux-x86_64.tar.gz      # the Linux tarball

1. the bundle's layout: resources, migrations as files, the licence list, no Qt translations, no dangling
   symbolic link, and (Linux) every ELF file loadable (segments page-aligned: a bad `strip` breaks that);
2. `emailbot --version` prints the package's version;
3. `emailbot run --demo --once --data-dir TMP` fetches the whole demo mailbox, classifies all of it and prints
   the summary with mail awaiting review;
4. a flood (`run --mail-dir DIR --once` on 3,000 emails): the frozen app classifies it in its worker process
   (a second copy of the executable, started through multiprocessing's spawn and freeze_support);
5. `emailbot doctor` with the IMAP/SMTP source against a port nothing listens on, and with the Gmail source
   (a service account) against Google's sign-in service, out of reach here: both connectors load in the frozen
   app and fail by name;
6. the window on Qt's offscreen platform with `--quit-after`: it must show, load the demo queue (read back
   from the database it leaves) and quit with exit status 0, with no traceback or error logged.

Exits non-zero with the reason on the first failure. Uses the standard library, bundle_manifest.py and
`cryptography` (an app dependency, for a throwaway service-account key).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sqlite3
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_manifest as manifest  # packaging/ is not a package: see that module's docstring

CONTENTS = "_internal"  # PyInstaller's contents directory in a one-folder build
PROBLEM = re.compile(r"Traceback \(most recent call last\)|\b(ERROR|CRITICAL)\b|\[PYI-\d+:ERROR\]|"
                     r"Could not load the Qt platform plugin|stylesheet .* not found")


class SmokeFailure(Exception):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def executable_in(bundle: Path) -> Path:
    for name in (manifest.BUNDLE_NAME, f"{manifest.BUNDLE_NAME}-cli.exe", f"{manifest.BUNDLE_NAME}.exe"):
        if (bundle / name).is_file():
            return bundle / name
    raise SmokeFailure(f"no {manifest.BUNDLE_NAME} executable in {bundle}")


def unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # Python < 3.11.4
            tar.extractall(into)  # our own archive
    found = [p.parent for p in into.glob(f"*/{manifest.BUNDLE_NAME}/{manifest.BUNDLE_NAME}")]
    check(len(found) == 1, f"{archive} should hold one {manifest.BUNDLE_NAME}/ bundle, found {found}")
    return found[0]


# --- 1. layout -------------------------------------------------------------------------------------------------------


def elf_segments_aligned(path: Path) -> bool:
    """False when a PT_LOAD segment's file offset and address disagree modulo its alignment (the loader's
    "ELF load command address/offset not page-aligned")."""
    with path.open("rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:  # 64-bit only (what the wheels ship here)
            return True
        endian = "<" if head[5] == 1 else ">"
        phoff, = struct.unpack_from(endian + "Q", head, 32)
        phentsize, phnum = struct.unpack_from(endian + "HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        kind, _flags, offset, vaddr = struct.unpack_from(endian + "IIQQ", table, i * phentsize)
        align, = struct.unpack_from(endian + "Q", table, i * phentsize + 48)
        if kind == 1 and align > 1 and offset % align != vaddr % align:
            return False
    return True


def check_layout(bundle: Path) -> None:
    contents = bundle / CONTENTS
    check(contents.is_dir(), f"{contents} is missing")
    shipped = {str(p.relative_to(contents).as_posix()) for p in contents.rglob("*") if p.is_file()}
    expected = manifest.bundled_resource_paths(manifest.resource_datas())
    missing = sorted(expected - shipped)
    check(not missing, f"resources missing from the bundle: {missing[:10]}")
    migrations = "emailbot_gui/store/migrations"
    for name in ("env.py", "script.py.mako"):
        check(f"{migrations}/{name}" in shipped, f"{migrations}/{name} is not shipped as a file")
    check(any(p.startswith(f"{migrations}/versions/") and p.endswith(".py") for p in shipped),
          "no migration script under versions/")
    licences = (contents / manifest.bundle_dest(manifest.THIRD_PARTY_FILE)).read_text(encoding="utf-8")
    check("Name: PySide6" in licences and "LGPL-3.0" in licences, "THIRD_PARTY.txt does not list Qt for Python")
    check(not any("/translations/" in p for p in shipped if p.startswith("PySide6/")), "Qt translations shipped")
    dangling = [str(p) for p in bundle.rglob("*") if p.is_symlink() and not p.exists()]
    check(not dangling, f"dangling symbolic links: {dangling[:5]}")
    if sys.platform.startswith("linux"):
        broken = [p for p in contents.rglob("*.so*") if p.is_file() and not p.is_symlink()
                  and not elf_segments_aligned(p)]
        check(not broken, f"ELF files the loader would refuse: {broken[:5]}")
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"ok  layout: {len(shipped)} files, {size / 2**20:.0f} MiB, resources, migrations and licences present")


# --- 2-4. runs -------------------------------------------------------------------------------------------------------


def run(cmd: list[str], *, timeout: float, env: dict[str, str] | None = None,
        exit_codes: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                                stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SmokeFailure(f"{' '.join(cmd)} did not finish in {timeout:.0f} s") from exc
    problems = [line for line in (result.stdout + result.stderr).splitlines() if PROBLEM.search(line)]
    if result.returncode not in exit_codes or problems:
        raise SmokeFailure(f"{' '.join(cmd)} exited {result.returncode} after {time.monotonic() - started:.1f} s"
                           f"\n--- problems: {problems[:10]}\n--- stdout:\n{result.stdout[-3000:]}"
                           f"\n--- stderr:\n{result.stderr[-5000:]}")
    return result


def check_version(exe: Path) -> None:
    out = run([str(exe), "--version"], timeout=60).stdout.strip()
    expected = f"{manifest.app_name()} {manifest.version()}"
    check(out == expected, f"--version printed {out!r}, expected {expected!r}")
    print(f"ok  --version: {out}")


def check_headless(exe: Path, bundle: Path, data_dir: Path) -> None:
    demo_mail = len([p for p in (bundle / CONTENTS / "resources" / "demo" / "mail").iterdir() if p.is_file()])
    out = run([str(exe), "run", "--demo", "--once", "--data-dir", str(data_dir)], timeout=600).stdout
    fetched = re.search(r"Fetched (\d+) new email\(s\).*?(\d+) quarantined", out)
    counts = re.search(r"classified (\d+), enriched (\d+), proposed (\d+), failed (\d+)", out)
    check(fetched and counts, f"no summary in the output:\n{out}")
    assert fetched and counts  # for the type checker
    total, quarantined = int(fetched[1]), int(fetched[2])
    classified, failed = int(counts[1]), int(counts[4])
    check(total == demo_mail, f"fetched {total} emails, the demo mailbox has {demo_mail}")
    check(classified == total - quarantined and failed == 0, f"classified {classified} of {total}, failed {failed}")
    check(re.search(r"^Awaiting review\s+\d+", out, re.MULTILINE), f"no 'Awaiting review' line:\n{out}")
    print(f"ok  run --demo --once: fetched {total}, classified {classified}, awaiting review")


def check_flood(exe: Path, bundle: Path, work: Path, copies: int = 10) -> None:
    mail = work / "flood-mail"
    mail.mkdir(parents=True)
    demo = sorted(p for p in (bundle / CONTENTS / "resources" / "demo" / "mail").iterdir() if p.is_file())
    for n in range(copies):  # every copy a new email: its own Message-ID and subject
        for source in demo:
            raw = re.sub(rb"(?mi)^Message-ID:[^\r\n]*", f"Message-ID: <flood-{n}-{source.stem}@smoke.test>".encode(),
                         source.read_bytes(), count=1)
            raw = re.sub(rb"(?mi)^Subject:", f"Subject: [{n}]".encode(), raw, count=1)
            (mail / f"{n}-{source.name}").write_bytes(raw)
    result = run([str(exe), "run", "--mail-dir", str(mail), "--once", "--data-dir", str(work / "flood-data")],
                 timeout=900)
    counts = re.search(r"classified (\d+), enriched (\d+), proposed (\d+), failed (\d+)", result.stdout)
    check(counts, f"no summary in the output:\n{result.stdout}")
    assert counts
    by_worker = re.search(r"worker process stopped; it classified (\d+) emails", result.stderr)
    check(by_worker and int(by_worker[1]) > 0, f"the worker process classified nothing:\n{result.stderr[-3000:]}")
    assert by_worker
    check(int(counts[4]) == 0 and int(counts[1]) > 0.9 * copies * len(demo),
          f"classified {counts[1]} of {copies * len(demo)}, failed {counts[4]}")
    print(f"ok  run --mail-dir (a flood of {copies * len(demo)}): classified {counts[1]}, of which "
          f"{by_worker[1]} in the worker process")


def check_mail_sources(exe: Path, work: Path) -> None:
    """The IMAP/SMTP and Gmail connectors load and run in the frozen app (imaplib, smtplib, ssl; PyJWT and
    cryptography signing a service account's token request): `doctor` against a port nothing listens on, and
    against Google's sign-in service, which this offline check cannot reach. Both must fail cleanly, by name."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = str(s.getsockname()[1])
    base = {**os.environ, "EMAILBOT_REQUEST_TIMEOUT": "5"}
    imap = {**base, "EMAILBOT_MAIL_SOURCE": "imap", "EMAILBOT_IMAP_HOST": "127.0.0.1", "EMAILBOT_IMAP_PORT": dead,
            "EMAILBOT_IMAP_SECURITY": "none", "EMAILBOT_IMAP_USERNAME": "support@example.test",
            "EMAILBOT_SMTP_HOST": "127.0.0.1", "EMAILBOT_SMTP_PORT": dead, "EMAILBOT_SMTP_SECURITY": "none",
            "EMAILBOT_IMAP_PASSWORD": "not-a-real-password"}
    out = run([str(exe), "--data-dir", str(work / "imap"), "doctor"], timeout=120, env=imap, exit_codes=(1,)).stdout
    check(out.count(f"127.0.0.1:{dead} refused the connection") == 2, f"the IMAP/SMTP doctor said:\n{out}")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    account = json.dumps({"type": "service_account", "client_email": "bot@smoke.iam.gserviceaccount.com",
                          "private_key": key, "private_key_id": "smoke", "token_uri": "https://oauth2.googleapis.com/token"})
    gmail = {**base, "EMAILBOT_MAIL_SOURCE": "gmail", "EMAILBOT_GMAIL_MAILBOX": "support@example.test",
             "EMAILBOT_GMAIL_AUTH_MODE": "service_account", "EMAILBOT_GMAIL_SERVICE_ACCOUNT_KEY": account}
    out = run([str(exe), "--data-dir", str(work / "gmail"), "doctor"], timeout=120, env=gmail, exit_codes=(0, 1)).stdout
    check(re.search(r"Gmail mailbox\s+failing\s+Gmail\s+No access token", out), f"the Gmail doctor said:\n{out}")
    print("ok  doctor with IMAP/SMTP (refused, by name) and Gmail (a signed token request, Google unreachable)")


def check_gui(exe: Path, data_dir: Path, seconds: float) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EMAILBOT_REPORT_STARTUP": "1"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    started = time.monotonic()
    out = run([str(exe), "--demo", "--data-dir", str(data_dir), "--quit-after", str(seconds)],
              timeout=seconds + 120, env=env).stdout
    shown = re.search(r"window shown after (\d+) ms", out)
    check(shown, f"the window never reported being shown:\n{out}")
    assert shown
    with sqlite3.connect(data_dir / "emailbot.sqlite3") as db:
        states = dict(db.execute("SELECT state, COUNT(*) FROM emails GROUP BY state").fetchall())
    check(sum(states.values()) > 0, "the window quit without having loaded any demo mail")
    check(states.get("awaiting_review", 0) > 0, f"no email reached review while the window was open: {states}")
    print(f"ok  window (offscreen): shown after {shown[1]} ms, {sum(states.values())} emails loaded "
          f"({states.get('awaiting_review', 0)} awaiting review), quit cleanly after "
          f"{time.monotonic() - started:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test the frozen EmailBot Console.")
    parser.add_argument("target", type=Path, help="the one-folder build (dist/emailbot) or the Linux .tar.gz")
    parser.add_argument("--gui-seconds", type=float, default=8.0, help="how long the window stays open")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="emailbot-smoke-") as tmp:
        work = Path(tmp)
        try:
            bundle = unpack(args.target, work / "unpacked") if args.target.is_file() else args.target.resolve()
            exe = executable_in(bundle)
            print(f"smoke test of {exe}")
            check_layout(bundle)
            check_version(exe)
            check_headless(exe, bundle, work / "headless")
            check_flood(exe, bundle, work)
            check_mail_sources(exe, work)
            check_gui(exe, work / "gui", args.gui_seconds)
        except SmokeFailure as failure:
            print(f"FAILED: {failure}", file=sys.stderr)
            return 1
    print("frozen smoke test passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
