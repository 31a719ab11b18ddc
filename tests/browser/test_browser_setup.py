"""The browser set-up itself: Chromium never outlives a failing test, and a missing browser
fails CI instead of skipping every browser test there."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest

import tests.conftest
from tests.browser import conftest as browser_conftest
from tests.browser.conftest import launched, phone_browser


def stat(pid: int) -> tuple[str, int] | None:
    """A process's state (R, S, Z…) and parent, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def browser_processes(marker: str) -> set[int]:
    """The browser whose command line carries ``marker``, and all its descendants (zygotes,
    renderers, the GPU process): the ones that must not outlive it."""
    pids = {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()}
    parents = {pid: found[1] for pid in pids if (found := stat(pid)) is not None}
    tree = set()
    for pid in parents:
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                tree.add(pid)
        except OSError:
            continue
    while children := {pid for pid, parent in parents.items() if parent in tree} - tree:
        tree |= children
    return tree


def running(pids: set[int]) -> set[int]:
    return {pid for pid in pids if (found := stat(pid)) is not None and found[0] != "Z"}


def zombies_of(parent: int, pids: set[int]) -> set[int]:
    return {pid for pid in pids if stat(pid) == ("Z", parent)}


async def ended(pid: int, within: float = 15) -> None:
    """Wait until process ``pid`` has exited (its pidfd turns readable then), or fail."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def exited() -> None:
        if not done.done():
            done.set_result(None)

    loop.add_reader(fd, exited)
    try:
        await asyncio.wait_for(done, within)
    finally:
        loop.remove_reader(fd)
        os.close(fd)


@pytest.mark.parametrize("kind", ["browser", "phone"])
async def test_chromium_is_closed_when_a_test_fails(kind: str, tmp_path: Path) -> None:
    # Chromium keeps switches it does not know on its command line: a name to find it by.
    marker = f"--gopy-test-run={uuid.uuid4().hex}"
    seen: set[int] = set()
    with pytest.raises(AssertionError, match="a failing step"):
        async with (
            launched(marker) if kind == "browser" else phone_browser(tmp_path, marker)
        ) as opened:
            page = await opened.new_page()
            await page.set_content("<p>Xin chào</p>")
            seen = browser_processes(marker)
            assert len(running(seen)) == len(seen) >= 3  # the browser, zygotes, a renderer
            raise AssertionError("a failing step")
    for pid in seen:
        await ended(pid)
    assert running(seen) == set()
    # The zygotes exit just after the browser and go to PID 1, which reaps them a moment
    # later; a zombie left to this process would be ours to reap, and nothing would.
    assert zombies_of(os.getpid(), seen) == set()


async def test_a_missing_browser_fails_in_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(browser_conftest, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setattr(tests.conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="make browser"):
        async with launched():
            pass
    monkeypatch.setattr(tests.conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="no browser at"):
        async with launched():
            pass
