"""PROMETHEUS_MULTIPROC_DIR: several processes' counts added up on one /metrics page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.smoke.wheel_smoke import CHECKOUT

COUNT = "from bot import metrics; metrics.REPORTS_FILED.labels('report').inc({n})"
SHOW = "import sys; from bot.metrics import exposition; sys.stdout.write(exposition().decode())"


def python(code: str, folder: Path) -> str:
    env = os.environ | {"PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(CHECKOUT)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_each_process_counts_and_the_page_adds_them_up(tmp_path: Path) -> None:
    python(COUNT.format(n=2), tmp_path)
    python(COUNT.format(n=3), tmp_path)
    page = python(SHOW, tmp_path)
    assert 'gopy_reports_filed_total{kind="report"} 5.0' in page
