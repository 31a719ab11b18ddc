"""«Ký và gửi» on the desk: the ward's own report signed from a page, stored and e-mailed
exactly as when it is signed in chat; a form sent twice, a week not open and a unit that
signs nothing are refused politely, with nothing changed."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from docx import Document as open_docx
from sqlmodel import col, select

from bot.web.desk import paths
from scheduler.clock import FrozenClock
from scheduler.consolidated import week_period
from scheduler.signing import own_period
from storage.campaigns import forget_forms
from storage.models import (
    Campaign,
    MailOutbox,
    Outbox,
    Period,
    Report,
    ReportRevision,
    SignedFile,
    Unit,
    UnitLevel,
)
from storage.reports import ensure_period
from tests.chat import at, texts
from tests.databases import truncate_postgres
from tests.desk_chat import OFFICE, DeskAndChat, file_cell, make_chain, serve_desk_and_chat
from tests.desk_world import Client, DeskWorld, csrf_of, post_form
from tests.flow.test_report_flow import FIRST_ANSWER, fill_form

WEEK = "Tuần từ 06/11 đến 12/11/2025"
ASSESSMENT = "Các chi bộ triển khai nghiêm túc; cần thêm tài liệu cho tổ dân phố."
THURSDAY = at("2025-11-13 09:00")
# The answers of tests.flow.test_report_flow.fill_form, as the desk's form sends them.
ANSWERS = {
    "f.leadership": FIRST_ANSWER,
    "f.propaganda.meetings": "1",
    "f.propaganda.social": "1",
    "f.news_count": "12",
    "f.meetings_count": "3",
    "f.participants_count": "1.200",
    "f.letters_count": "45",
    "f.highlights": "Nhiều ý kiến về phòng, chống tham nhũng, lãng phí.",
    "f.expectations": "Mong dự thảo nói rõ hơn về chuyển đổi số.",
    "f.difficulties": "",
    "f.assessment": ASSESSMENT,
    "f.proposals": "",
}


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskAndChat]:
    async with serve_desk_and_chat(database_url, clock) as served:
        yield served


async def chain_at_thursday(world: DeskWorld) -> None:
    """The city's chain; a cell filed on Monday; Thursday morning, the ward's report due at
    11:30."""
    await make_chain(world)
    await file_cell(world)
    world.clock.set(THURSDAY)


def sign_link(html: str, label: str = WEEK) -> str:
    (row,) = [r for r in html.split("<tr>") if f">{label}</th>" in r]
    found = re.search(r'href="([^"]+/sign/\d+)"', row)
    assert found is not None, row
    return unquote(found[1])


async def open_sign_page(browser: Client) -> tuple[str, str]:
    reports = await browser.get(paths.REPORTS)
    assert reports.status == 200
    link = sign_link(await reports.text())
    page = await browser.get(link)
    assert page.status == 200, await page.text()
    return link, await page.text()


async def sign_on_desk(browser: Client, answers: dict[str, str] = ANSWERS) -> Any:
    """Open the week's form, review, sign: the answer to «Ký và gửi» (no redirect followed)."""
    link, form = await open_sign_page(browser)
    seen = re.search(r'name="seen" value="(\d+)"', form)
    assert seen is not None
    review = await browser.post(
        link, data={"csrf": csrf_of(form), "seen": seen[1], "action": "review", **answers}
    )
    assert review.status == 200, await review.text()
    html = await review.text()
    assert "Ký và gửi báo cáo này?" in html
    hidden = dict(re.findall(r'<input type="hidden" name="(f\.[^"]+)" value="([^"]*)"', html))
    return await browser.post(
        link,
        data={"csrf": csrf_of(html), "seen": seen[1], "action": "sign", **hidden},
        allow_redirects=False,
    )


async def sign_in_chat(world: DeskAndChat) -> str:
    chat = world.chat("ward_official")
    asked = texts(await chat.say("/report"))
    assert "chưa ký báo cáo tuần trước" in asked
    await chat.press("Tuần này")
    await fill_form(chat)
    await chat.say(ASSESSMENT)
    await chat.press("Bỏ qua")
    return texts(await chat.press("Ký và gửi"))


def docx_text(data: bytes) -> str:
    document = open_docx(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def stored(world: DeskWorld) -> dict[str, Any]:
    """What a signature leaves in the database, receipts and ids made comparable."""
    async with world.runtime.db.sessions() as session:
        reports = (
            (await session.execute(select(Report).where(Report.unit_id == world.seed.ward.id)))
            .scalars()
            .all()
        )
        receipts = {r.receipt: f"<receipt {n}>" for n, r in enumerate(reports)}

        def plain(text: str) -> str:
            for receipt, mark in receipts.items():
                text = text.replace(receipt, mark).replace(receipt.lower(), mark)
            return text

        found: dict[str, Any] = {"reports": [], "mails": [], "outbox": []}
        for report in reports:
            period = await session.get(Period, report.period_id)
            assert period is not None
            revisions = (
                await session.execute(
                    select(ReportRevision)
                    .where(ReportRevision.report_id == report.id)
                    .order_by(col(ReportRevision.number))
                )
            ).scalars()
            rows = []
            for revision in revisions:
                files = (
                    await session.execute(
                        select(SignedFile)
                        .where(SignedFile.revision_id == revision.id)
                        .order_by(col(SignedFile.format))
                    )
                ).scalars()
                rows.append(
                    {
                        "number": revision.number,
                        "late": revision.late,
                        "values": revision.values,
                        "by": revision.submitted_by_id,
                        "at": revision.submitted_at,
                        "files": [
                            (
                                f.format,
                                plain(f.filename),
                                docx_text(f.content) if f.format == "docx" else f.sha256,
                            )
                            for f in files
                        ],
                    }
                )
            found["reports"].append(
                {
                    "period": (period.deadline_at, period.final, period.level),
                    "on_time": report.on_time,
                    "revisions": report.revisions,
                    "history": rows,
                }
            )
        for mail in (
            await session.execute(select(MailOutbox).order_by(col(MailOutbox.id)))
        ).scalars():
            assert mail.attachment is not None
            found["mails"].append(
                {
                    "to": mail.to_address,
                    "subject": plain(mail.subject),
                    "body": plain(mail.body),
                    "attachment": (plain(mail.attachment_name or ""), docx_text(mail.attachment)),
                    "status": mail.status,
                    "unit": mail.unit_id,
                    "key": re.sub(r"report:\d+:", "report:<revision>:", mail.key),
                }
            )
        for row in (await session.execute(select(Outbox).order_by(col(Outbox.id)))).scalars():
            found["outbox"].append((row.purpose, row.person_id, plain(row.text or "")))
    return found


async def channels(world: DeskWorld) -> list[str]:
    async with world.runtime.db.sessions() as session:
        rows = await session.execute(select(col(ReportRevision.channel)))
        return sorted(str(c) for c in rows.scalars().all())


def fresh_database(url: str, template: Path) -> None:
    """The same empty, migrated database again (a second run from the same start)."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite+aiosqlite:///"))
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(template, path)
    forget_forms()


async def test_signing_on_the_desk_stores_and_queues_what_the_chat_does(
    database_url: str, clock: FrozenClock, sqlite_template: Path
) -> None:
    start = clock.now()
    async with serve_desk_and_chat(database_url, clock) as chat_world:
        await chain_at_thursday(chat_world.desk)
        receipt = await sign_in_chat(chat_world)
        assert "đã được ký và gửi" in receipt and OFFICE in receipt
        in_chat = await stored(chat_world.desk)
        assert await channels(chat_world.desk) == ["", "telegram"]  # the cell's, the ward's

    if not database_url.startswith("sqlite"):
        await truncate_postgres(database_url)
    fresh_database(database_url, sqlite_template)
    clock.set(start)
    async with serve_desk_and_chat(database_url, clock) as desk_world:
        desk = desk_world.desk
        await chain_at_thursday(desk)
        browser = await desk.browser("ward_official")
        signed = await sign_on_desk(browser)
        assert signed.status == 303, await signed.text()
        location = signed.headers["Location"]
        assert location.startswith(paths.REPORTS + "?signed=BC-")
        on_desk = await stored(desk)
        assert await channels(desk) == ["", "desk"]
        # Post/Redirect/Get: the page says so, and the week is signed.
        page = await browser.get(location)
        html = await page.text()
        assert "Báo cáo của Đảng ủy phường Ngọc Hà đã được ký" in html
        assert f"Văn bản được gửi qua thư điện tử đến {OFFICE}" in html
        assert "đang chờ gửi" in html and "Nguyễn Thị Hà" in html

    assert on_desk == in_chat
    (report,) = on_desk["reports"]
    assert report["on_time"] and report["revisions"] == 1
    (revision,) = report["history"]
    assert revision["values"]["own"]["assessment"] == ASSESSMENT
    assert revision["values"]["totals"]["news_count"] == 24  # the cell's 12 and the ward's
    assert [f[0] for f in revision["files"]] == ["csv", "docx", "xlsx"]
    (mail,) = on_desk["mails"]
    assert mail["to"] == OFFICE and mail["status"] == "pending"
    assert mail["attachment"][1] == revision["files"][1][2], "the letter as signed"


async def test_the_signed_week_downloads_as_signed(world: DeskAndChat) -> None:
    desk = world.desk
    await chain_at_thursday(desk)
    browser = await desk.browser("ward_official")
    assert (await sign_on_desk(browser)).status == 303
    html = await (await browser.get(paths.REPORTS)).text()
    (row,) = [r for r in html.split("<tr>") if f">{WEEK}</th>" in r]
    assert "Đã ký" in row and "phiên bản 1" in row
    docx = next(unquote(h) for h in re.findall(r'href="([^"]+\.docx)"', row))
    answer = await browser.get(docx)
    async with desk.runtime.db.sessions() as session:
        kept = (
            await session.execute(select(SignedFile).where(SignedFile.format == "docx"))
        ).scalar_one()
    assert await answer.read() == kept.content
    assert kept.filename in answer.headers["Content-Disposition"]
    # The chat's /export sends the same file for that week.
    chat = world.chat("ward_official")
    await chat.say("/export")
    await chat.press(WEEK)
    await chat.press("Word")
    ((_name, data, caption),) = world.documents("ward_official")[-1:]
    assert data == kept.content and "đã ký lúc" in caption


async def test_the_same_form_sent_twice_is_refused_politely(world: DeskAndChat) -> None:
    desk = world.desk
    await chain_at_thursday(desk)
    browser = await desk.browser("ward_official")
    link, form = await open_sign_page(browser)
    fields = {"seen": "0", "action": "sign", **ANSWERS}
    first = await browser.post(link, data={"csrf": csrf_of(form), **fields}, allow_redirects=False)
    assert first.status == 303
    before = await stored(desk)
    again = await browser.post(link, data={"csrf": csrf_of(form), **fields})
    assert again.status == 409
    text = await again.text()
    assert "Báo cáo đã được ký" in text and "Không có gì thay đổi" in text
    assert await stored(desk) == before

    # Another official's page opened before that signature is out of date: refused too.
    changed = {**fields, "f.assessment": "Đánh giá khác."}
    stale = await browser.post(link, data={"csrf": csrf_of(form), **changed})
    assert stale.status == 409
    assert "một đồng chí khác đã ký báo cáo này" in await stale.text()
    assert await stored(desk) == before

    # Opened again, it starts from what was signed, and may be signed again (as in chat).
    _link, reopened = await open_sign_page(browser)
    assert 'name="seen" value="1"' in reopened and ASSESSMENT in reopened
    assert "Đồng chí đã ký báo cáo này" in reopened
    resigned = await sign_on_desk(browser, {**ANSWERS, "f.assessment": "Đánh giá khác."})
    assert resigned.status == 303
    assert (await stored(desk))["reports"][0]["revisions"] == 2


async def test_answers_the_chat_would_refuse_are_refused_beside_their_question(
    world: DeskAndChat,
) -> None:
    desk = world.desk
    await chain_at_thursday(desk)
    browser = await desk.browser("ward_official")
    link, form = await open_sign_page(browser)
    wrong = {**ANSWERS, "f.news_count": "-3", "f.assessment": "  "}
    del wrong["f.propaganda.meetings"], wrong["f.propaganda.social"]
    answer = await browser.post(
        link, data={"csrf": csrf_of(form), "seen": "0", "action": "sign", **wrong}
    )
    assert answer.status == 400
    html = await answer.text()
    assert "Số lượng không thể âm" in html
    assert "Mời chọn ít nhất một mục" in html
    assert FIRST_ANSWER in html, "what was typed stays"
    assert (await stored(desk))["reports"] == []


async def test_what_cannot_be_signed_now_is_refused(world: DeskAndChat) -> None:
    desk = world.desk
    browser = await desk.browser("ward_official")
    ward, campaign = desk.seed.ward.id, desk.seed.campaign.id
    assert ward is not None and campaign is not None
    # The seed's campaign is the ward's own, with the cells' deadline only: nothing to sign.
    async with desk.runtime.db.sessions() as session:
        unit = await session.get(Unit, ward)
        run = await session.get(Campaign, campaign)
        assert unit is not None and run is not None
        own = await ensure_period(
            session=session,
            campaign=run,
            level=UnitLevel.WARD,
            starts_at=at("2025-11-06 11:30"),
            deadline_at=at("2025-11-13 11:30"),
        )
        await session.commit()
    assert own.id is not None
    assert "/sign/" not in await (await browser.get(paths.REPORTS)).text()
    nothing = await browser.get(paths.report_sign_path(ward, campaign, own.id))
    assert nothing.status == 409
    assert "không ký báo cáo riêng" in await nothing.text()

    await chain_at_thursday(desk)
    browser = await desk.browser("ward_official")  # three days on: signed in again
    html = await (await browser.get(paths.REPORTS)).text()
    link = sign_link(html)
    assert link == paths.report_sign_path(ward, campaign, own.id), "this week's, now"
    async with desk.runtime.db.sessions() as session:
        unit = await session.get(Unit, ward)
        run = await session.get(Campaign, campaign)
        assert unit is not None and run is not None
        cells_week = await week_period(
            session=session, unit=unit, campaign=run, day=at("2025-12-01 00:00").date()
        )
        later = await own_period(session=session, unit=unit, campaign=run, child=cells_week)
        await session.commit()
    assert later is not None and later.id is not None and cells_week.id is not None
    not_yet = await browser.get(paths.report_sign_path(ward, campaign, later.id))
    assert not_yet.status == 409
    assert "chưa thể ký" in await not_yet.text()
    refused = await post_form(
        browser,
        paths.report_sign_path(ward, campaign, later.id),
        {"seen": "0", "action": "sign", **ANSWERS},
        page=paths.REPORTS,
    )
    assert refused.status == 409
    # A cells' week is no period of the ward's.
    assert (await browser.get(paths.report_sign_path(ward, campaign, cells_week.id))).status == 404
    # Kim Mã's official and the city's get nothing of Ngọc Hà's.
    for who in ("other_official", "city_official"):
        other = await desk.browser(who)
        assert (await other.get(link)).status == 404
        forged = await post_form(
            other, link, {"seen": "0", "action": "sign", **ANSWERS}, page=paths.REPORTS
        )
        assert forged.status == 404
    assert (await stored(desk))["reports"] == []


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "burn", "seen": "0"},
        {"action": "sign", "seen": "-1"},
        {"action": "sign", "seen": "99999999999999"},
        {"action": "sign"},
        {"action": "review", "seen": "0", "f.news_count": "9" * 5000},
    ],
)
async def test_garbage_forms_are_refused(world: DeskAndChat, fields: dict[str, str]) -> None:
    desk = world.desk
    await chain_at_thursday(desk)
    browser = await desk.browser("ward_official")
    link, form = await open_sign_page(browser)
    answer = await browser.post(link, data={"csrf": csrf_of(form), **ANSWERS, **fields})
    assert answer.status == 400
    assert (await stored(desk))["reports"] == []


async def test_the_final_report_is_signed_and_downloaded_as_signed(world: DeskAndChat) -> None:
    desk = world.desk
    due = at("2025-12-31 19:00")  # two hours after the last week's deadline (the end)
    await make_chain(desk, final_due=due)
    await file_cell(desk)
    desk.clock.set(due - timedelta(hours=24))
    browser = await desk.browser("ward_official")
    html = await (await browser.get(paths.REPORTS)).text()
    (row,) = [r for r in html.split("<tr>") if ">Báo cáo tổng kết</th>" in r]
    assert "Chưa ký" in row and "19:00 thứ Tư, 31/12" in row
    link = sign_link(html, "Báo cáo tổng kết")
    form = await (await browser.get(link)).text()
    assert "Báo cáo tổng kết, hạn 19:00 thứ Tư, 31/12" in form
    signed = await browser.post(
        link,
        data={"csrf": csrf_of(form), "seen": "0", "action": "sign", **ANSWERS},
        allow_redirects=False,
    )
    assert signed.status == 303, await signed.text()
    html = await (await browser.get(signed.headers["Location"])).text()
    (row,) = [r for r in html.split("<tr>") if ">Báo cáo tổng kết</th>" in r]
    assert "Đã ký" in row and "phiên bản 1" in row
    ward, campaign = desk.seed.ward.id, desk.seed.campaign.id
    assert ward is not None and campaign is not None
    async with desk.runtime.db.sessions() as session:
        final = (await session.execute(select(Period).where(col(Period.final)))).scalar_one()
        report = (
            await session.execute(select(Report).where(Report.period_id == final.id))
        ).scalar_one()
        revision = (
            await session.execute(
                select(ReportRevision).where(ReportRevision.report_id == report.id)
            )
        ).scalar_one()
        kept = {
            f.format: f.content
            for f in (
                await session.execute(
                    select(SignedFile).where(SignedFile.revision_id == revision.id)
                )
            ).scalars()
        }
    for fmt in ("docx", "xlsx", "csv"):
        answer = await browser.get(paths.report_file_path(ward, campaign, paths.FINAL, fmt))
        assert answer.status == 200
        assert await answer.read() == kept[fmt]
    assert "tổng kết" in docx_text(kept["docx"]).lower()


async def test_the_pages_read_in_english(world: DeskAndChat) -> None:
    desk = world.desk
    await chain_at_thursday(desk)
    browser = await desk.browser("ward_official")
    reports = await browser.get(paths.REPORTS, params={"lang": "en"})
    html = await reports.text()
    assert reports.status == 200 and "Not signed, overdue" in html and "Week from 06/11" in html
    link = sign_link(html, "Week from 06/11 to 12/11/2025")
    form = await (await browser.get(link)).text()
    assert "Your unit's own work" in form and "Overall assessment" in form
    assert "press" not in form.lower(), "no chat buttons on a page"
    review = await browser.post(
        link, data={"csrf": csrf_of(form), "seen": "0", "action": "review", **ANSWERS}
    )
    assert "Sign and send this report?" in await review.text()
    posters = await browser.get(
        paths.POSTERS, params={"campaign": str(desk.seed.campaign.id), "lang": "en"}
    )
    assert "What the posters are about" in await posters.text()


async def test_at_the_deadline_minute_the_week_is_due_not_overdue(world: DeskAndChat) -> None:
    # Review finding: the reports page called the ward's week «overdue» at its deadline
    # minute, while the board says «not yet due» then and a signature then is on time.
    desk = world.desk
    await make_chain(desk)
    await file_cell(desk)
    desk.clock.set(at("2025-11-13 11:30"))  # the ward's deadline, to the second
    browser = await desk.browser("ward_official")

    def row_of(html: str) -> str:
        (row,) = [r for r in html.split("<tr>") if f">{WEEK}</th>" in r]
        return row

    row = row_of(await (await browser.get(paths.REPORTS)).text())
    assert "Chưa ký" in row and "quá hạn" not in row and "/sign/" in row
    _link, form = await open_sign_page(browser)
    assert "sẽ được ghi là trễ hạn" not in form
    assert (await sign_on_desk(browser)).status == 303
    (report,) = (await stored(desk))["reports"]
    assert report["on_time"] and not report["history"][0]["late"]

    desk.clock.set(at("2025-11-13 11:31"))  # a minute on, the next week's is not yet due
    later = await desk.browser("ward_official")
    row = row_of(await (await later.get(paths.REPORTS)).text())
    assert "Đã ký" in row
