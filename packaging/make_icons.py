"""Render the app icon set from `resources/icons/emailbot.svg` with Qt (QSvgRenderer into QImage):

- `emailbot-<N>.png` for N in 16..512 (the Linux .desktop icon theme sizes, the About dialog);
- `emailbot.ico` for Windows (BMP entries up to 128 px, a PNG entry at 256 px, as Windows expects);
- `emailbot.icns` for macOS (PNG entries, 16 px to 512 px @2x).

Run it after changing the SVG and commit the results:  python packaging/make_icons.py
The .ico and .icns writers are small and written here, so no platform tool (iconutil, ImageMagick) is needed.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SVG = ICONS / "emailbot.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns entry types holding PNG data, with the pixel size each holds (the @2x types are the Retina variants)
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512),
              (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256), (b"ic14", 512))


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buffer.close()
    return bytes(data.data())


def dib_bytes(image: QImage) -> bytes:
    """An ICO entry as a 32-bit BMP: BITMAPINFOHEADER (height doubled for the AND mask), BGRA rows bottom-up,
    then an all-zero AND mask (the alpha channel does the masking)."""
    argb = image.convertToFormat(QImage.Format.Format_ARGB32)  # little-endian memory order: B, G, R, A
    size = argb.width()
    stride = size * 4
    raw = bytes(argb.constBits())[: stride * size]
    rows = b"".join(raw[y * stride:(y + 1) * stride] for y in reversed(range(size)))
    mask_stride = ((size + 31) // 32) * 4
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, len(rows) + mask_stride * size, 0, 0, 0, 0)
    return header + rows + bytes(mask_stride * size)


def ico_bytes(images: dict[int, QImage]) -> bytes:
    entries = [(size, png_bytes(images[size]) if size >= 256 else dib_bytes(images[size])) for size in ICO_SIZES]
    offset = 6 + 16 * len(entries)
    directory = struct.pack("<HHH", 0, 1, len(entries))
    blobs = b""
    for size, blob in entries:
        edge = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        directory += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(blob), offset + len(blobs))
        blobs += blob
    return directory + blobs


def icns_bytes(images: dict[int, QImage]) -> bytes:
    body = b"".join(kind + struct.pack(">I", 8 + len(data)) + data
                    for kind, data in ((kind, png_bytes(images[size])) for kind, size in ICNS_TYPES))
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    images = {size: render(renderer, size) for size in sorted({*PNG_SIZES, *ICO_SIZES, 1024})}
    for size in PNG_SIZES:
        (ICONS / f"emailbot-{size}.png").write_bytes(png_bytes(images[size]))
    (ICONS / "emailbot.ico").write_bytes(ico_bytes(images))
    (ICONS / "emailbot.icns").write_bytes(icns_bytes(images))
    print(f"wrote {len(PNG_SIZES)} PNGs, emailbot.ico and emailbot.icns to {ICONS}")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
