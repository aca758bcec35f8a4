"""Load a local page in headless Chromium over the DevTools protocol (``--remote-debugging-pipe``).

No websocket library needed: Chromium reads NUL-terminated JSON commands on fd 3 and writes
responses and events on fd 4. :func:`inspect_page` records every network request, console error,
uncaught exception and broken image while the page loads, then takes a full-page screenshot and
evaluates a script in the page.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]


def chromium_binary() -> str | None:
    """Return the Chromium executable, or None when it is not installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What happened while a page loaded: ``requests`` (every URL requested), ``console_errors``
    (console errors, log errors and uncaught exceptions), ``broken_images`` (alt texts of images that
    failed to decode), ``screenshot`` (PNG bytes, full page) and ``value`` (the script's result)."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    value: Any = None


class _Pipe:
    def __init__(self, binary: str, user_data_dir: Path) -> None:
        to_chrome_r, self._to_chrome_w = os.pipe()
        self._from_chrome_r, from_chrome_w = os.pipe()

        def child_fds() -> None:  # runs in the child: fd 3 = commands in, fd 4 = messages out
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            close_fds=False,
            preexec_fn=child_fds,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self.stderr: list[str] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        with os.fdopen(self._from_chrome_r, "rb", buffering=0) as f:
            while chunk := f.read(1 << 16):
                buf += chunk
                while b"\0" in buf:
                    msg, buf = buf.split(b"\0", 1)
                    self.messages.put(json.loads(msg))
        self.messages.put(None)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.decode("utf-8", "replace"))

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        self._next_id += 1
        cmd: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            cmd["sessionId"] = session
        os.write(self._to_chrome_w, json.dumps(cmd).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            msg = self.messages.get(timeout=max(deadline - time.monotonic(), 0.01))
            if msg is None:
                raise RuntimeError(f"Chromium exited during {method}: {''.join(self.stderr)[-2000:]}")
            if msg.get("id") == self._next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method: str, timeout: float = 60.0) -> dict[str, Any]:
        for ev in self.events:
            if ev.get("method") == method:
                return ev
        deadline = time.monotonic() + timeout
        while True:
            msg = self.messages.get(timeout=max(deadline - time.monotonic(), 0.01))
            if msg is None:
                raise RuntimeError(f"Chromium exited waiting for {method}")
            self.events.append(msg)
            if msg.get("method") == method:
                return msg

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome_w)


def inspect_page(
    html: Path, user_data_dir: Path, script: str = "null", width: int = 1280, binary: str | None = None
) -> PageReport:
    """Open ``html`` from disk in headless Chromium and return what happened (see :class:`PageReport`)."""
    binary = binary or chromium_binary()
    if binary is None:
        raise FileNotFoundError("chromium is not installed")
    chrome = _Pipe(binary, user_data_dir)
    out = PageReport()
    try:
        target = chrome.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = chrome.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            chrome.send(f"{domain}.enable", session=session)
        chrome.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        chrome.send("Page.navigate", {"url": html.resolve().as_uri()}, session=session)
        chrome.wait_event("Page.loadEventFired")
        broken = chrome.send(
            "Runtime.evaluate",
            {
                "expression": "Promise.all([...document.images].map(i => i.decode().then(() => null, "
                "() => i.alt || i.src.slice(0, 40)))).then(r => r.filter(x => x))",
                "awaitPromise": True,
                "returnByValue": True,
            },
            session=session,
        )
        out.broken_images = broken["result"].get("value") or []
        metrics = chrome.send("Page.getLayoutMetrics", session=session)
        height = int(metrics.get("cssContentSize", metrics.get("contentSize"))["height"])
        chrome.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": max(height, 200), "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        shot = chrome.send(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session
        )
        out.screenshot = base64.b64decode(shot["data"])
        res = chrome.send("Runtime.evaluate", {"expression": script, "returnByValue": True}, session=session)
        out.value = res["result"].get("value")
    finally:
        chrome.close()
    for ev in chrome.events:
        method, p = ev.get("method"), ev.get("params", {})
        if method == "Network.requestWillBeSent":
            out.requests.append(p["request"]["url"])
        elif method == "Runtime.exceptionThrown":
            out.console_errors.append(json.dumps(p.get("exceptionDetails", {}))[:500])
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.console_errors.append(json.dumps(p.get("args", []))[:500])
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.console_errors.append(p["entry"].get("text", "")[:500])
    return out
