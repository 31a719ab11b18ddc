"""``gopy mail list`` and ``gopy mail retry``, in-process against a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage.database import create_engine, create_session_factory
from storage.mail_outbox import claim_due, mark_failed, mark_sent, queue_mail

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GOPY_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return url


async def seed(url: str) -> None:
    """Three e-mails: one sent, one refused for good, one waiting."""
    now = datetime(2025, 11, 12, 9, 5, tzinfo=UTC)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            for n, to in enumerate(["thanhuy@hanoi.example.vn", "nobody@hanoi.example.vn"]):
                await queue_mail(
                    session=session,
                    key=f"report:{n}",
                    to=to,
                    subject=f"Báo cáo tuần {n + 1} – Đảng ủy phường Ngọc Hà",
                    body="Kính gửi Quý cơ quan,",
                    attachment_name="Báo cáo.docx",
                    attachment=b"docx",
                    now=now,
                )
            sent, refused = await claim_due(
                session=session, now=now, until=now + timedelta(minutes=5), domain="x.vn", limit=2
            )
            await mark_sent(session=session, mail_id=sent.id, now=now)
            await mark_failed(
                session=session, mail_id=refused.id, error="refused: 550 5.1.1 No such user"
            )
            await queue_mail(
                session=session,
                key="report:2",
                to="thanhuy@hanoi.example.vn",
                subject="Báo cáo tổng kết",
                body="…",
                attachment_name=None,
                attachment=None,
                now=now,
            )
            await session.commit()
    finally:
        await engine.dispose()


def test_mail_list_shows_each_state_and_why(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # one row a line
    empty = runner.invoke(app, ["mail", "list"])
    assert empty.exit_code == 0 and "Chưa có thư nào" in empty.output

    asyncio.run(seed(env))
    result = runner.invoke(app, ["mail", "list"])
    assert result.exit_code == 0, result.output
    assert "đã gửi" in result.output and "16:05 12/11/2025" in result.output
    assert "thất bại" in result.output and "550 5.1.1 No such user" in result.output
    assert "đang chờ" in result.output
    assert "GOPY_SMTP_URL" in result.output  # one waits, and nothing would send it


def test_mail_retry_queues_a_failed_mail_and_refuses_the_others(env: str) -> None:
    asyncio.run(seed(env))
    again = runner.invoke(app, ["mail", "retry", "2"])
    assert again.exit_code == 0, again.output
    assert "Đã đưa thư số 2 gửi nobody@hanoi.example.vn vào hàng đợi" in again.output

    twice = runner.invoke(app, ["mail", "retry", "2"])
    assert twice.exit_code == 1 and "«đang chờ»" in twice.output
    sent = runner.invoke(app, ["mail", "retry", "1"])
    assert sent.exit_code == 1 and "«đã gửi»" in sent.output
    missing = runner.invoke(app, ["mail", "retry", "99"])
    assert missing.exit_code == 1 and "Không có thư số 99" in missing.output
    assert "Traceback" not in missing.output
