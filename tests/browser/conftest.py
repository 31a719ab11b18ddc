"""A real browser for the browser tests: Debian's Chromium driven by Playwright, never a
browser Playwright downloads; and the screenshots each step keeps.

``make browser`` installs Chromium (``make test`` depends on it). Without it a test is
skipped on a developer's machine and fails in CI: a skipped browser test there would hide a
broken set-up.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

from tests.conftest import _unavailable

# Read at import: the autouse _no_env_leak fixture hides GOPY_* variables from the tests.
CHROMIUM = os.environ.get("GOPY_CHROMIUM") or "/usr/bin/chromium"
SCREENS = os.environ.get("GOPY_TEST_SCREENS")
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)
# Playwright waits up to 30 s for an element, expect() 5 s: a page that does not come within
# 15 s will not come, and the 2 shared cores of CI can be slow to draw one.
TIMEOUT = 15_000
expect.set_options(timeout=TIMEOUT)


def chromium_args(*extra: str) -> list[str]:
    # Chromium refuses to start its sandbox as root (CI runs as root).
    return [*(["--no-sandbox"] if os.geteuid() == 0 else []), *extra]


def _need_chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(
            "Chromium",
            FileNotFoundError(f"no browser at {CHROMIUM}: `make browser` installs Debian's"),
        )


@asynccontextmanager
async def launched(*extra_args: str) -> AsyncIterator[Browser]:
    """A headless Chromium, closed (with Playwright's driver) however the block ends."""
    _need_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=chromium_args(*extra_args)
        )
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def phone_browser(profile: Path, *extra_args: str) -> AsyncIterator[BrowserContext]:
    """A phone's browser (390×844, in Vietnamese) that saves a PDF instead of showing it, as
    Chrome on Android long did: a test then gets the bytes the browser received, where
    Chromium's own viewer would keep them. Closed however the block ends."""
    _need_chromium()
    (profile / "Default").mkdir(parents=True, exist_ok=True)
    preferences = {"plugins": {"always_open_pdf_externally": True}}
    (profile / "Default" / "Preferences").write_text(json.dumps(preferences))
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=chromium_args(*extra_args),
            viewport=PHONE,
            locale="vi-VN",
            accept_downloads=True,
        )
        try:
            context.set_default_timeout(TIMEOUT)
            yield context
        finally:
            await context.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with launched() as found:
        yield found


@pytest.fixture
async def phone(tmp_path: Path) -> AsyncIterator[Page]:
    async with phone_browser(tmp_path / "phone-profile") as context:
        yield context.pages[0] if context.pages else await context.new_page()


class Screens:
    """Screenshots of a flow's steps: kept in docs/screens/ by ``make screens``, else in the
    test's temporary folder (still taken, so a page that cannot be drawn fails the test)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: list[Path] = []

    async def take(self, page: Page, name: str, *, full_page: bool = True) -> Path:
        shot = await page.screenshot(full_page=full_page, animations="disabled", caret="hide")
        path = self.folder / f"{name}.png"
        path.write_bytes(small_png(shot))
        self.taken.append(path)
        return path


def small_png(png: bytes) -> bytes:
    """A page's screenshot in 256 colours: text and flat colours survive, a fifth of the size."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def screens(tmp_path: Path) -> Iterator[Screens]:
    folder = Path(SCREENS) if SCREENS else tmp_path / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    yield Screens(folder)
