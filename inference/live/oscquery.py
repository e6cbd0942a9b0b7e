"""OSCQuery: the addresses this session sends, served as OSCQuery's JSON over HTTP and advertised
over mDNS (`_oscjson._tcp`), so OSCQuery clients (VRChat, TouchOSC, Chataigne, ...) can find the
app and read its parameters, their types and latest values.

The HTTP side is the standard library's (`http.server`, a daemon thread, loopback by default);
the advertisement needs `zeroconf` (`pip install zeroconf`), imported only when asked for. EVOKE
only sends OSC, so its host info names no OSC port to send to (OSCQuery's `OSC_PORT` is where an
app listens); the tree lists every address with `ACCESS` 1 (readable) and its last `VALUE`.
"""

from __future__ import annotations

import json
import math
import os
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import EvokeError

ZEROCONF = "zeroconf"
SERVICE = "_oscjson._tcp.local."
READ = 1  # OSCQuery's ACCESS: the value can be read


def type_tag(value: Any) -> str:
    """OSC's type tag of a value as python-osc sends it."""
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, int):
        return "i"
    if isinstance(value, float):
        return "f"
    return "s"


def node_tree(values: Mapping[str, Any]) -> dict[str, Any]:
    """OSCQuery's namespace of `address -> latest value` (containers for every path prefix)."""
    root: dict[str, Any] = {"FULL_PATH": "/", "ACCESS": 0, "CONTENTS": {}}
    for address, value in sorted(values.items()):
        node, path = root, ""
        parts = [p for p in address.split("/") if p]
        for k, part in enumerate(parts):
            path += "/" + part
            contents = node.setdefault("CONTENTS", {})
            node = contents.setdefault(part, {"FULL_PATH": path, "ACCESS": 0})
            if k == len(parts) - 1:
                tag = type_tag(value)
                node.update({"TYPE": "T" if tag in "TF" else tag, "ACCESS": READ, "VALUE": [value]})
    return root


def find(tree: dict[str, Any], path: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = tree
    for part in (p for p in path.split("/") if p):
        node = (node or {}).get("CONTENTS", {}).get(part)
        if node is None:
            return None
    return node


class OscQueryServer:
    """Serves `values()` (address -> latest value) as OSCQuery over HTTP."""

    def __init__(self, name: str, values: Callable[[], Mapping[str, Any]],
                 host: str = "127.0.0.1", port: int = 0) -> None:  # fmt: skip
        self.name, self.host = name, host
        self._values = values
        server = self
        # imported here, not with the module: http.server brings http.client and ssl (OpenSSL:
        # 4.7 MiB on Python 3.13), which every `predict` paid for through the command line's parser
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server calls it by this name
                status, body = server.answer(self.path)
                data = json.dumps(body, allow_nan=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # quiet: one line per fault
                pass

        try:
            self.http = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            raise EvokeError(f"OSCQuery: cannot serve on {host}:{port} ({exc})") from None
        self.http.daemon_threads = True
        self.port = int(self.http.server_address[1])
        self._thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self._thread.start()
        self._zeroconf: Any = None
        self._service: Any = None

    def answer(self, raw_path: str) -> tuple[int, Any]:
        """(HTTP status, JSON body) of a request path."""
        parts = urlsplit(raw_path)
        if parts.query == "HOST_INFO":
            return 200, {"NAME": self.name, "OSC_TRANSPORT": "UDP",
                         "EXTENSIONS": {"ACCESS": True, "VALUE": True, "TYPE": True}}  # fmt: skip
        values = {a: v for a, v in dict(self._values()).items() if _finite(v)}
        node = find(node_tree(values), unquote(parts.path))
        return (404, {"error": "no such address"}) if node is None else (200, node)

    def advertise(self) -> None:
        """Announce the service over mDNS (zeroconf), on this server's address."""
        try:
            from zeroconf import ServiceInfo, Zeroconf
        except ImportError:
            raise EvokeError(
                f"OSCQuery advertisement needs zeroconf: pip install {ZEROCONF}"
            ) from None
        label = f"{self.name}-{os.getpid()}"
        self._service = ServiceInfo(
            SERVICE, f"{label}.{SERVICE}", addresses=[socket.inet_aton(self.host)],
            port=self.port, properties={"txtvers": "1"}, server=f"{label}.local.",
        )  # fmt: skip
        self._zeroconf = Zeroconf()
        self._zeroconf.register_service(self._service)

    def close(self) -> None:
        if self._zeroconf is not None:
            try:
                self._zeroconf.unregister_service(self._service)
            finally:
                self._zeroconf.close()
            self._zeroconf = None
        self.http.shutdown()
        self.http.server_close()


def _finite(value: Any) -> bool:
    return not isinstance(value, float) or math.isfinite(value)
