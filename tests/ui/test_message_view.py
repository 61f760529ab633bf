"""Showing hostile email must not reach out: no request to a server, no file read from disk, links only
on an explicit click; and a big body must not freeze the window."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor, QImage, QTextDocument

from emailbot_gui.core.types import Address, Email
from emailbot_gui.ui.message_view import MessageBody, MessageView, plain_text_html

RED = QColor(255, 0, 0)


@pytest.fixture
def http_server():
    """A local web server that records every request made to it."""
    hits: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"GIF89a")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def red_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A solid red image on disk, also reachable by a relative name from the working directory."""
    image = QImage(40, 40, QImage.Format.Format_RGB32)
    image.fill(RED)
    path = tmp_path / "secret.png"
    assert image.save(str(path))
    monkeypatch.chdir(tmp_path)
    return path


def hostile_html(base: str, png: Path) -> str:
    file_url = QUrl.fromLocalFile(str(png)).toString()
    return f"""<html><head><link rel="stylesheet" href="{base}/style.css">
<style>@import url({base}/import.css); body {{ background: url({base}/bg.png) }}</style></head>
<body background="{base}/body.png"><p>Dear customer,</p>
<img src="{base}/pixel.gif" width="40" height="40"><img src="{file_url}"><img src="{png}"><img src="secret.png">
<table background="{base}/table.png"><tr><td style="background-image: url({base}/cell.png)">x</td></tr></table>
<iframe src="{base}/frame.html"></iframe><script src="{base}/script.js"></script>
<a href="{base}/click">verify your account</a></body></html>"""


def has_red(image: QImage) -> bool:
    return any(image.pixelColor(x, y) == RED for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3))


def email(html: str = "", text: str = "") -> Email:
    return Email(source="test", provider_id="1", message_id="<1@test>", subject="Hostile",
                 sender=Address("attacker@evil.example"), received_at=datetime.now(UTC),
                 body_html=html, body_text=text)


def test_the_view_itself_loads_nothing_even_unsanitized(qtbot, http_server, red_png):
    base, hits = http_server
    view = MessageView()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    view.show_html(hostile_html(base, red_png))  # straight in: the sanitizer is not the only guard
    shot = view.grab().toImage()

    asked = {u.toString() for u in view.refused_resources}
    assert f"{base}/pixel.gif" in asked and "secret.png" in asked  # it was asked, and refused
    assert not has_red(shot)  # no image was read from disk: not by URL, path or relative name
    local = view.document().resource(QTextDocument.ResourceType.ImageResource, QUrl.fromLocalFile(str(red_png)))
    assert local.width() == 1
    assert hits == []


def test_sanitized_email_requests_nothing_and_says_what_was_blocked(qtbot, http_server, red_png):
    base, hits = http_server
    body = MessageBody()
    qtbot.addWidget(body)
    body.resize(600, 500)
    body.show()
    body.show_email(email(hostile_html(base, red_png)))
    qtbot.waitExposed(body)
    shot = body.grab().toImage()
    assert not has_red(shot)
    assert "remote image" in body.bar.label.text() and body.bar.isVisible()
    assert "verify your account" in body.view.toPlainText()
    assert hits == []


def test_plain_text_is_escaped_and_links_are_clickable(qtbot):
    view = MessageView()
    qtbot.addWidget(view)
    view.show_text("<b>not bold</b> & see http://x.example/a?b=1&c=2.")
    assert "<b>not bold</b> & see http://x.example/a?b=1&c=2." in view.toPlainText()
    assert 'href="http://x.example/a?b=1&amp;c=2"' in plain_text_html("http://x.example/a?b=1&c=2.")
    assert view.anchorAt(view.cursorRect().center()) == ""  # not opened by merely showing


def test_links_are_reported_not_followed(qtbot):
    view = MessageView()
    qtbot.addWidget(view)
    view.show_text("go to https://example.com/x")
    with qtbot.waitSignal(view.linkClicked) as clicked:
        view.anchorClicked.emit(QUrl("https://example.com/x"))
    assert clicked.args[0] == QUrl("https://example.com/x")
    assert view.source() == QUrl()  # the browser did not navigate


def test_large_body_is_prepared_off_the_gui_thread(qtbot, aloop):
    big = "<p>" + ("lorem ipsum dolor sit amet " * 12_000) + "</p><p>END-MARKER</p>"
    assert len(big.encode()) > 300_000
    body = MessageBody()
    qtbot.addWidget(body)
    body.show_email(email(big))
    assert body.view.toPlainText() == "Loading the message…"  # returned at once; the work goes on
    qtbot.waitUntil(lambda: "END-MARKER" in body.view.toPlainText(), timeout=20_000)


def test_a_newer_email_wins_over_a_slow_big_one(qtbot, aloop):
    body = MessageBody()
    qtbot.addWidget(body)
    body.show_email(email("<p>" + "slow " * 80_000 + "</p>"))
    assert body.busy
    body.show_email(email(text="the one the operator opened last"))
    assert "the one the operator opened last" in body.view.toPlainText()
    qtbot.waitUntil(lambda: not body.busy)
    assert "the one the operator opened last" in body.view.toPlainText()
