"""``gopy qr`` with and without a public address or a Telegram bot, in-process on a real SQLite
file and on PostgreSQL: what the printed code opens, and the poster read back from its PDF."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests import posters
from tests.seed import TEST_SECRET

runner = CliRunner()
PUBLIC = "https://gopy.example.vn"
DEMO_DRAFT = "https://example.org/du-thao/bao-cao-chinh-tri.pdf"  # bctt's url in the demo
CODE = re.compile(r"Mã để nhắn: (GY-[A-Z0-9]{5})")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    from tests.databases import truncate_postgres

    url: str = request.getfixturevalue("postgres_ready")
    asyncio.run(truncate_postgres(url))
    return url


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo's campaign, and no Telegram bot, no public address."""
    monkeypatch.setenv("GOPY_DATABASE_URL", db_url)
    monkeypatch.setenv("GOPY_SECRET_KEY", TEST_SECRET)
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    assert runner.invoke(app, ["demo"]).exit_code == 0
    return tmp_path


def gopy(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def test_without_telegram_or_public_address_the_code_alone_and_a_note(env: Path) -> None:
    said = gopy("qr", "dh14", "--document", "bctt", "--poster", "p.pdf")

    (code,) = CODE.findall(said)
    assert "https://" not in said, "no link to print"
    assert "Chưa có mã QR" in said and "GOPY_PUBLIC_URL" in said
    assert not (env / "qr.png").exists(), "no code to write"
    pdf = (env / "p.pdf").read_bytes()
    assert posters.page_size(pdf) == pytest.approx(posters.A5, abs=0.01)
    # The draft's own address is the only code; the code to type is printed large.
    assert posters.codes(pdf) == [DEMO_DRAFT]
    text = posters.text(pdf)
    assert code in text and "Nhắn mã để góp ý" in text
    assert "Đảng bộ Thành phố Hà Nội" in text, "the unit printing it"


def test_with_a_public_address_the_code_opens_the_landing_page(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOPY_PUBLIC_URL", PUBLIC + "/")
    said = gopy(
        "qr", "dh14", "--document", "bctt", "--unit", "NGOCHA", "--out", "q.png",
        "--poster", "p.pdf", "--size", "A4",
    )  # fmt: skip

    (code,) = CODE.findall(said)
    landing = f"{PUBLIC}/q/{code}"
    assert landing in said and "GOPY_PUBLIC_URL" not in said, "no note: nothing to fix"
    assert posters.decode_png((env / "q.png").read_bytes()) == [landing]
    pdf = (env / "p.pdf").read_bytes()
    # The demo's draft is elsewhere (its url): the page behind the small code leads there.
    assert posters.codes(pdf) == [landing, f"{landing}/draft"]
    assert posters.page_size(pdf) == pytest.approx(posters.A4, abs=0.01)
    assert posters.images(pdf) == 0
    text = posters.text(pdf)
    assert f"gopy.example.vn/q/{code}" in text, "the short URL under the code"
    assert "Đảng ủy phường Ngọc Hà" in text, "the ward printing it"


def test_with_a_telegram_bot_only_the_code_opens_telegram_and_says_so(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOPY_TELEGRAM_BOT_USERNAME", "gopy_test_bot")
    said = gopy("qr", "dh14", "--document", "bctt", "--section", "I", "--out", "q.png")

    (code,) = CODE.findall(said)
    link = f"https://t.me/gopy_test_bot?start=gy-{code.removeprefix('GY-')}"
    assert link in said and "chỉ mở Telegram" in said
    assert posters.decode_png((env / "q.png").read_bytes()) == [link]


def test_the_quick_report_without_telegram_asks_to_send_report(env: Path) -> None:
    said = gopy("qr", "dh14", "--report", "--poster", "r.pdf")

    assert "Chưa có mã QR" in said and "/report" in said
    pdf = (env / "r.pdf").read_bytes()
    assert posters.codes(pdf) == []
    assert "/report" in posters.text(pdf)


def test_a_png_poster_is_a5_only(env: Path) -> None:
    result = runner.invoke(app, ["qr", "dh14", "--poster", "p.png", "--size", "a4"])
    assert result.exit_code == 1 and ".pdf" in result.output
    result = runner.invoke(app, ["qr", "dh14", "--poster", "p.pdf", "--size", "a3"])
    assert result.exit_code == 1 and "a5 hoặc a4" in result.output
    assert not (env / "p.png").exists() and not (env / "p.pdf").exists()
