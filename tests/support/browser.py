"""Debian's Chromium driven by Selenium, for report.html: headless, offline, logged.

Skipped with the reason where Chromium or its driver is missing (a laptop), a failure in
CI (CI_GATE_REQUIRE_TOOLS=1), as every other real tool of the test suite."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from tests.support.tools import require_tool

#: The fixed size of every screenshot (CSS pixels at scale 1).
SHOT_WIDTH, SHOT_HEIGHT = 1200, 900


@dataclass
class Page:
    """One page opened from a file, with what the browser logged while loading it."""

    driver: Any
    url: str

    def console_errors(self) -> list[dict[str, Any]]:
        return [e for e in self.driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]

    def requests(self) -> list[str]:
        """Every URL the page asked for (the DevTools log), the document itself included."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def screenshot(self, path: Path, *, scroll_to: str | None = None) -> tuple[int, int, int]:
        """A SHOT_WIDTH x SHOT_HEIGHT picture of the page (from the element `scroll_to`, a
        CSS selector): returns (width, height, distinct colours)."""
        from PIL import Image

        if scroll_to is not None:
            self.driver.execute_script(
                "document.querySelector(arguments[0]).scrollIntoView(true)", scroll_to
            )
        png = self.driver.get_screenshot_as_png()
        path.write_bytes(png)
        with Image.open(BytesIO(png)) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
            return image.width, image.height, len(colours)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium with the network cut: nothing but file:// can load."""
    binary = require_tool("chromium")
    driver_path = require_tool("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:  # pragma: no cover - the test extra installs it
        message = "selenium is not installed (pip install '.[test]')"
        if os.environ.get("CI_GATE_REQUIRE_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--window-size={SHOT_WIDTH},{SHOT_HEIGHT}",
        # offline: any host resolves to nothing, and no proxy can reach one either
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": SHOT_WIDTH, "height": SHOT_HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        yield driver
    finally:
        driver.quit()


def open_page(driver: Any, path: Path) -> Page:
    url = path.resolve().as_uri()
    driver.get(url)
    return Page(driver, url)
