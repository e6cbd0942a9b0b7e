"""An OSC receiver for tests and benches: python-osc's own UDP server on 127.0.0.1 (a free port),
keeping every message in the order it arrived (a VRChat stand-in that we did not write)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class OscPeer:
    def __init__(self) -> None:
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import ThreadingOSCUDPServer

        self.messages: list[tuple[str, Any]] = []  # (address, first argument)
        self.arrivals: list[float] = []  # time.monotonic() of each, for benches only
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._keep)
        self.server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port: int = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _keep(self, address: str, *args: Any) -> None:
        self.arrivals.append(time.monotonic())
        self.messages.append((address, args[0] if args else None))

    def wait_for(self, condition: Callable[[], bool], seconds: float = 5.0) -> bool:
        end = time.monotonic() + seconds
        while not condition() and time.monotonic() < end:
            time.sleep(0.01)
        return bool(condition())

    def wait_count(self, count: int, seconds: float = 3.0) -> list[tuple[str, Any]]:
        """The messages once `count` have come (or `seconds` have passed): a copy."""
        self.wait_for(lambda: len(self.messages) >= count, seconds)
        return list(self.messages)

    def last(self, address: str) -> Any:
        values = [v for a, v in self.messages if a == address]
        return values[-1] if values else None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
