"""A WSGI app served on 127.0.0.1 from a thread, quietly: how the fake Microsoft Graph and Gmail servers
speak real HTTP to the connectors under test."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class _QuietServer(ThreadedWSGIServer):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class LocalWsgiServer:
    def __init__(self, app: Any, name: str) -> None:
        self._server = _QuietServer("127.0.0.1", 0, app, handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=lambda: self._server.serve_forever(poll_interval=0.05), name=name,
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
