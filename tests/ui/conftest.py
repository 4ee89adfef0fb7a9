"""The browser tests' page: Debian's Chromium driven by Playwright, with a fresh profile each time."""
from __future__ import annotations

import os

import pytest

from chromium import CHROMIUM, CHROMIUM_ARGS, kill_leftovers


@pytest.fixture
def page(tmp_path):
    """A page in Debian's Chromium with a fresh profile; the browser is gone afterwards."""
    from playwright import sync_api   # the Python package only; the browser is Debian's
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh --test (it installs Debian's chromium)")
    profile = tmp_path / "chromium-profile"
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(60_000)
            yield page
        finally:
            context.close()
    leftovers = kill_leftovers(str(profile), "Chromium")
    assert not leftovers, f"Chromium left processes running: {leftovers}"
