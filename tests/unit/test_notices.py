"""The scheduler's messages in words: lengths stay within one Telegram message."""

from __future__ import annotations

from bot.i18n import build_i18n
from handlers.callbacks import PickTarget
from handlers.notices import NoticeRenderer, reminder
from handlers.officials import remind_text
from handlers.texts import escape
from scheduler.notices import Completeness, Named, Person, Reminder, Tally
from services.oversight import Overseen, Reminded
from storage.models import Campaign, Period, Purpose, Unit, UnitLevel
from tests.chat import at

I18N = build_i18n("vi")


def test_a_remind_reply_naming_hundreds_of_units_fits_one_message() -> None:
    city = Unit(id=1, code="HN", name="Đảng bộ Thành phố Hà Nội", level=UnitLevel.CITY)
    campaign = Campaign(id=1, code="dh14", title="Góp ý", unit_id=1, form_id=1)
    period = Period(
        id=1,
        campaign_id=1,
        level=UnitLevel.CELL,
        starts_at=at("2025-11-05 17:00"),
        deadline_at=at("2025-11-12 17:00"),
    )
    names = [f"Chi bộ Khu dân cư số {i} phường Ngọc Hà" for i in range(160)]
    result = Reminded(
        Overseen(city, campaign, UnitLevel.CELL, period, 1),
        160,
        0,
        0,
        names,
        [],
        at("2025-11-12 10:00"),
    )
    with I18N.context(), I18N.use_locale("vi"):
        text = remind_text(result, at("2025-11-12 10:00"))
    assert len(text) <= 4096
    assert "… và 135 đơn vị khác" in text


def test_an_escalation_of_a_big_city_fits_one_message() -> None:
    missing = tuple(
        Named(f"Chi bộ <số {i}>", (Person("Nguyễn Văn A", False), Person("Trần B", True)))
        for i in range(400)
    )
    groups = tuple((f"Phường {i}", Tally(30, 20, 5)) for i in range(200))
    notice = Completeness(
        Purpose.ESCALATION, "Góp ý", "Asia/Ho_Chi_Minh", 1, "Hà Nội", UnitLevel.CELL, 1,
        at("2025-11-12 17:00"), Tally(6400, 5000, 100), missing, (), groups,
    )  # fmt: skip
    text, markup = NoticeRenderer(I18N)(notice, "vi")
    assert len(text) <= 4096
    assert "&lt;số 1&gt;" in text and "<số" not in text  # names are escaped
    assert markup is not None


def test_reminders_rendered_from_remembered_words_match_rendering_each_anew() -> None:
    """A sweep renders a reminder's words once per language and deadline and puts each unit's
    name and id in: the letters are those rendering each one anew gives, word for word."""
    render = NoticeRenderer(I18N)
    en = build_i18n("en")
    cases = [
        Reminder(
            unit_id=unit_id,
            unit_name=name,
            campaign_id=campaign_id,
            campaign_title="Góp ý {dự thảo} <b>& 100%",
            deadline_at=at("2025-11-12 17:00"),
            tz="Asia/Ho_Chi_Minh",
            manual=manual,
            level=level,
        )
        for unit_id, name in ((7, "Chi bộ <số 7> & {unit}"), (2**31 - 1, "Chi bộ 2147483647"))
        for campaign_id in (3, 2**31 - 1)
        for manual in (False, True)
        for level in (UnitLevel.CELL, UnitLevel.WARD)
    ]
    for notice in cases * 2:  # the second time from the remembered words
        for locale, i18n in (("vi", I18N), ("en", en), (None, I18N), ("fr", I18N)):
            text, markup = render(notice, locale)
            chosen = locale if locale in ("vi", "en") else "vi"
            with i18n.context(), i18n.use_locale(chosen):
                assert (text, markup) == reminder(notice)
            if markup is not None:
                data = markup["inline_keyboard"][0][0]["callback_data"]
                unpacked = PickTarget.unpack(data)
                assert (unpacked.unit_id, unpacked.campaign_id) == (
                    notice.unit_id,
                    notice.campaign_id,
                )
            assert escape(notice.unit_name) in text and "\x00" not in text
            assert "«Góp ý {dự thảo} &lt;b&gt;&amp; 100%»" in text
