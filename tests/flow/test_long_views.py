"""Views filled to Telegram's limit with ``&<>``-heavy text: cut between whole items, never
inside a tag or an entity (the fake Bot API refuses broken HTML as Telegram does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.i18n import build_i18n
from handlers.fit import fit_items, size
from handlers.notices import completeness
from handlers.officials import remind_text
from scheduler.notices import Completeness, Named, Person, Tally
from scheduler.oversight import Overseen, Reminded
from storage.comments import CommentLimits, Identity, Outcome, submit_comment
from storage.entries import Target
from storage.models import Campaign, Period, Purpose, RoleKind, Unit, UnitLevel
from storage.people import get_or_create_person
from tests.chat import at, texts
from tests.conftest import BotApp
from tests.fakes.telegram import html_error
from tests.outreach import join_as
from tests.seed import TEST_KEY

I18N = build_i18n("vi")
HA = 7300
NASTY = "&<>" * 60  # escaped, every character becomes an entity


async def many_comments(app: BotApp, count: int, *, section: bool = False) -> None:
    """``count`` named comments, by as many people, whose names and words are all ``&<>``."""
    seed = app.seed
    target = Target(seed.campaign, seed.documents[0], seed.sections[0] if section else None)
    async with app.runtime.db.sessions() as session:
        for i in range(count):
            person = await get_or_create_person(
                session=session,
                channel="telegram",
                external_id=str(8000 + i),
                full_name="An",
                now=app.clock.now(),
            )
            done = await submit_comment(
                session=session,
                target=target,
                person=person,
                key=TEST_KEY,
                text=f"{NASTY} {i}",
                attachments=[],
                identity=Identity(anonymous=False, name=("&<" * 120)[: 250 - i] + str(i)),
                channel="telegram",
                now=app.clock.now() + timedelta(seconds=i),
                limits=CommentLimits(),
            )
            assert done.outcome is Outcome.NEW
        await session.commit()


async def official(app: BotApp) -> None:
    await join_as(app, HA, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")


def refused(app: BotApp) -> list[str]:
    return [why for _call, why in app.api.rejected]


async def test_overview_of_comments_full_of_markup_is_cut_between_comments(
    app: BotApp,
) -> None:
    await official(app)
    await many_comments(app, 6)
    said = await app.chat(HA).say("/comments")
    assert refused(app) == []
    (view,) = [c.text for c in said if c.method == "sendMessage"]
    assert html_error(view) is None and size(view) <= 4096
    assert "ý kiến khác" in view, "says how many comments were left out"
    assert "/reply YK-" in view, "the commands' hint is kept"
    assert "Xin lỗi" not in texts(said)


@pytest.mark.parametrize("section", [False, True], ids=["document", "section"])
async def test_latest_comments_full_of_markup_are_cut_between_comments(
    app: BotApp, section: bool
) -> None:
    await official(app)
    await many_comments(app, 10, section=section)
    chat = app.chat(HA)
    await chat.say("/comments")
    said = await chat.press("Dự thảo Báo cáo chính trị")
    if section:
        said = await chat.press("I. Kết quả")
    assert refused(app) == []
    (view,) = [c.text for c in said if c.method == "sendMessage"]
    assert html_error(view) is None and size(view) <= 4096
    assert "ý kiến khác" in view
    assert view.count("<b>YK-") == view.count("</b>") - 1, "whole comments only"


def test_completeness_notice_full_of_markup_is_cut_between_lines() -> None:
    units = tuple(
        Named(f"Chi bộ {'&<>' * 80} {i}", (Person("&" * 200, False),)) for i in range(30)
    )
    notice = Completeness(
        purpose=Purpose.ESCALATION,
        campaign_title="&<>" * 80,
        tz="Asia/Ho_Chi_Minh",
        unit_id=1,
        unit_name="Phường &<>",
        level=UnitLevel.WARD,
        period_id=1,
        deadline_at=datetime(2025, 11, 12, 10, tzinfo=UTC),
        tally=Tally(expected=30),
        missing=units,
    )
    with I18N.context(), I18N.use_locale("vi"):
        text = completeness(notice).text
    assert html_error(text) is None and size(text) <= 4096
    assert text.endswith("\n…")


def test_remind_reply_full_of_markup_is_cut_between_lines() -> None:
    city = Unit(id=1, code="HN", name="Hà Nội &<>", level=UnitLevel.CITY)
    campaign = Campaign(id=1, code="dh14", title="&<>" * 80, unit_id=1, form_id=1)
    period = Period(
        id=1,
        campaign_id=1,
        level=UnitLevel.CELL,
        starts_at=at("2025-11-05 17:00"),
        deadline_at=at("2025-11-12 17:00"),
    )
    names = ["&<>" * 80 + str(i) for i in range(30)]
    result = Reminded(
        Overseen(city, campaign, UnitLevel.CELL, period, 1), 30, 5, 0, names, names,
        at("2025-11-12 10:00"),
    )  # fmt: skip
    with I18N.context(), I18N.use_locale("vi"):
        text = remind_text(result, at("2025-11-12 10:00"))
    assert html_error(text) is None and size(text) <= 4096


def test_fit_keeps_whole_items_and_the_tail() -> None:
    items = [f"<b>{i}</b> " + "&amp;" * 100 for i in range(100)]
    text = fit_items(["<i>head</i>"], items, ["tail"], more=lambda n: f"+{n}", limit=2000)
    assert size(text) <= 2000 and html_error(text) is None
    kept = text.count("<b>")
    assert text.endswith(f"+{100 - kept}\ntail") and text.startswith("<i>head</i>\n<b>0</b>")
    assert fit_items(["a"], ["b", "c"]) == "a\nb\nc"


@pytest.mark.parametrize(
    ("html", "ok"),
    [
        ("<b>YK-1</b> &amp; &#39; &#x1F600;", True),
        ("<b>YK-X5T", False),
        ("<b>YK", False),
        ("a &lt", False),
        ("<b>a</i>", False),
        ("<div>a</div>", False),
        ('<a href="https://x.org/?a=1&amp;b=2">x</a>', True),
        ("😀" * 2048, True),
        ("😀" * 2049, False),
    ],
)
def test_the_fake_bot_api_judges_html_like_telegram(html: str, ok: bool) -> None:
    assert (html_error(html) is None) is ok


async def test_the_fake_bot_api_refuses_broken_html(app: BotApp) -> None:
    from aiogram.exceptions import TelegramBadRequest

    with pytest.raises(TelegramBadRequest):
        await app.bot.send_message(HA, "<b>YK-X5T")
    assert refused(app) and not [c for c in app.api.calls if c.method == "sendMessage"]
