"""The desk's unit page, as the ward official of Ngọc Hà reads and works it: cell 1's reports
with every revision (a late one flagged), its people, its invites (made, printed with a QR
code that opens the bot, redeemed in chat, revoked) and its comments; and an official of
another ward, who gets nothing but 404s, whatever the id."""

from __future__ import annotations

import asyncio
import html
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import col, select
from yarl import URL

from bot.config import TelegramSettings
from bot.web.desk import paths
from scheduler.clock import FrozenClock
from storage.invites import RedeemOutcome, create_invites, redeem_invite
from storage.models import Invite, InviteMode, Person, Role, RoleKind
from storage.people import get_or_create_person
from tests.chat import at
from tests.desk_unit_seed import cell, comment_in, file_week, make_invite, unit_url
from tests.desk_world import Client, DeskWorld, csrf_of, post_form, serve_desk
from tests.svg_codes import decode_svg

BOT = "gopy_test_bot"


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskWorld]:
    async with serve_desk(database_url, clock, telegram=TelegramSettings(bot_username=BOT)) as w:
        yield w


async def invites(world: DeskWorld) -> list[Invite]:
    async with world.runtime.db.sessions() as session:
        return list((await session.execute(select(Invite).order_by(col(Invite.id)))).scalars())


async def page(browser: Client, path: str) -> str:
    answer = await browser.get(path)
    text = await answer.text()
    assert answer.status == 200, text[:3000]
    return text


def between(text: str, start: str, end: str) -> str:
    """The part of a page from the element with ``id=start`` to the one with ``id=end``."""
    return text[text.index(f'id="{start}"') : text.index(f'id="{end}"')]


async def test_the_ward_official_reads_cell_one(world: DeskWorld) -> None:
    receipt = await file_week(world)
    mine = await comment_in(world, cell(world), "Đề nghị làm rõ mục tiêu năm 2030", 1)
    other = await comment_in(world, world.other_ward, "Ý kiến của phường Kim Mã", 2)
    async with world.runtime.db.sessions() as session:
        secretary = await session.get(Person, world.people["secretary"].id)
        assert secretary is not None
        secretary.unreachable_since = at("2025-11-08 10:00")
        await session.commit()
    await make_invite(world, cell(world))
    browser = await world.browser("ward_official")
    text = html.unescape(await page(browser, unit_url(cell(world))))

    assert "<h1>Chi bộ Tổ dân phố số 1</h1>" in text
    assert "chi bộ · NGOCHA-CB01" in text
    assert f'id="parent" href="{unit_url(world.seed.ward)}">Đảng ủy phường Ngọc Hà</a>' in text
    # The city is above the ward official's reach: named, not linked.
    assert "<span>Đảng bộ Thành phố Hà Nội</span>" in text

    reports = between(text, "reports", "people")
    assert "Góp ý dự thảo văn kiện Đại hội XIV" in reports
    assert f"Biên nhận {receipt}, gửi lần đầu 20:15 thứ Ba, 04/11" in reports
    assert "đúng hạn" in reports
    # Both revisions, the newest first and open, the late one flagged and its change marked.
    second = reports.index("Lần gửi 2 · 08:30 thứ Năm, 06/11 · Lê Văn Bí (Zalo)")
    first = reports.index("Lần gửi 1 · 20:15 thứ Ba, 04/11 · Lê Văn Bí (Telegram)")
    assert second < first
    assert "sửa sau hạn" in reports[second:first]
    assert "sửa sau hạn" not in reports[first:]
    assert '<dd class="changed">3 <span class="tag warn">đã thay đổi</span></dd>' in reports
    # Answers read as in chat: labels of the form, 1.200, the choices' words.
    assert "<dt>Số tin, bài đã đăng</dt><dd>1.200</dd>" in reports
    assert "Hội nghị, họp, Mạng xã hội, nhóm Zalo" in reports
    assert "<dt>Khó khăn, kiến nghị</dt><dd>—</dd>" in reports

    people = between(text, "people", "invites")
    assert "Lê Văn Bí" in people and "bí thư" in people
    assert "đã chặn bot từ 10:00 thứ Bảy, 08/11" in people

    listed = between(text, "invites", "comments")
    assert "còn hiệu lực, chưa dùng" in listed
    assert "Thu hồi" in listed
    assert 'name="role" value="secretary"' in listed
    assert 'name="mode" value="replace"' in listed

    # In English, the same record.
    english = html.unescape(await page(browser, unit_url(cell(world)) + "?lang=en"))
    assert "Revision 2 · 08:30 Thursday, 06/11 · Lê Văn Bí (Zalo)" in english
    assert "late revision" in english and "blocked the bot since" in english

    comments = text[text.index('id="comments"') :]
    assert mine in comments and "Đề nghị làm rõ mục tiêu năm 2030" in comments
    assert other not in comments
    assert f'href="{paths.COMMENTS}?unit={cell(world).id}"' in comments
    assert f'href="{paths.comment_path(mine)}"' in comments


async def test_the_ward_page_links_its_cells_and_offers_officials_only(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    text = html.unescape(await page(browser, unit_url(world.seed.ward)))
    for n in (1, 2):
        assert f'href="{unit_url(cell(world, n))}"' in text
    assert "Nguyễn Thị Hà" in between(text, "people", "invites")
    form = text[text.index('id="make-invites"') :]
    assert 'value="secretary"' not in form  # a ward has no secretary
    assert 'value="replace"' not in form  # its officials are replaced from the city
    assert "cấp trên" in form
    # The city official reaches the city, Ngọc Hà and its cells, and may replace its officials.
    city = await world.browser("city_official")
    text = html.unescape(await page(city, unit_url(world.seed.ward)))
    assert f'id="parent" href="{unit_url(world.city)}"' in text
    assert 'value="replace"' in text[text.index('id="make-invites"') :]


async def test_kim_ma_gets_404_for_every_ngoc_ha_unit_and_invite(world: DeskWorld) -> None:
    invite_id = await make_invite(world, cell(world))
    stranger = await world.browser("other_official")
    assert (await stranger.get(unit_url(world.other_ward))).status == 200
    for unit in (world.city, world.seed.ward, *world.seed.cells):
        answer = await stranger.get(unit_url(unit))
        assert answer.status == 404, unit.code
        assert "không thuộc các đơn vị bạn phụ trách" in await answer.text()
        assert unit.id is not None
        made = await post_form(
            stranger,
            paths.unit_invites_path(unit.id),
            {"role": "official", "mode": "add", "count": "1", "days": "7"},
            page=unit_url(world.other_ward),
        )
        assert made.status == 404, unit.code
    revoked = await post_form(
        stranger, paths.invite_revoke_path(invite_id), page=unit_url(world.other_ward)
    )
    assert revoked.status == 404
    stored = await invites(world)
    assert len(stored) == 1 and stored[0].expires_at > world.clock.now()  # still open


@pytest.mark.parametrize(
    "raw", ["abc", "0", "-1", "1.0", "1e3", "%D9%A3", "99999999999", "9" * 40, "2147483648"]
)
async def test_garbage_ids_are_404(world: DeskWorld, raw: str) -> None:
    browser = await world.browser("city_official")
    assert (await browser.get(f"{paths.ROOT}/units/{raw}")).status == 404
    revoke = await post_form(
        browser, f"{paths.ROOT}/invites/{raw}/revoke", page=unit_url(world.city)
    )
    assert revoke.status == 404
    made = await post_form(
        browser,
        f"{paths.ROOT}/units/{raw}/invites",
        {"role": "official"},
        page=unit_url(world.city),
    )
    assert made.status == 404


def cards(text: str) -> list[tuple[str, str | None]]:
    """Each printed card's code and the link its QR code opens (None: no QR code)."""
    found = []
    for card in text.split('<section class="invite">')[1:]:
        code = re.search(r'<p class="code">([A-Z0-9-]+)</p>', card)
        assert code is not None
        svg = re.search(r"<svg.*?</svg>", card, re.S)
        found.append((code[1], decode_svg(svg[0]) if svg else None))
    return found


async def test_made_invites_print_with_a_qr_code_and_redeem_in_chat(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    made = await post_form(
        browser,
        paths.unit_invites_path(cell(world).id or 0),
        {"role": "secretary", "mode": "replace", "count": "3", "days": "7"},
        page=unit_url(cell(world)),
    )
    text = await made.text()
    assert made.status == 200, text[:3000]
    assert made.headers["Cache-Control"] == "private, no-store"
    assert "Các mã này chỉ hiện một lần" in text
    assert 'id="print"' in text and "window.print()" in text
    assert "@media print" in text
    assert "data:" not in text and "<img" not in text
    printed = cards(text)
    assert len(printed) == 3 and len({code for code, _ in printed}) == 3
    for code, link in printed:
        assert link == f"https://t.me/{BOT}?start=i-{code.replace('-', '')}"
    assert "các bí thư hiện tại của Chi bộ Tổ dân phố số 1 sẽ thôi vai trò" in html.unescape(text)
    stored = await invites(world)
    assert [i.mode for i in stored] == [InviteMode.REPLACE] * 3
    assert {i.expires_at for i in stored} == {world.clock.now() + timedelta(days=7)}

    # A new secretary sends the first code in chat (as the link's /start does): the old one
    # loses the role, and the unit's page says who used the invite.
    code = printed[0][0]
    async with world.runtime.db.sessions() as session:
        newcomer = await get_or_create_person(
            session=session,
            channel="zalo",
            external_id="5150",
            full_name="Hoàng Văn Mới",
            now=world.clock.now(),
        )
        redeemed = await redeem_invite(
            session=session,
            code=code,
            person=newcomer,
            key=world.runtime.key,
            now=world.clock.now(),
        )
        await session.commit()
        holders = await session.execute(
            select(Role.person_id).where(
                Role.unit_id == cell(world).id,
                Role.kind == RoleKind.SECRETARY,
                col(Role.active).is_(True),
            )
        )
    assert redeemed.outcome is RedeemOutcome.OK and redeemed.role is RoleKind.SECRETARY
    assert holders.scalars().all() == [newcomer.id]
    listed = html.unescape(await page(browser, unit_url(cell(world))))
    assert "Hoàng Văn Mới" in between(listed, "invites", "comments")
    assert listed.count("còn hiệu lực, chưa dùng") == 2


def toggle_of(text: str) -> str:
    """The address of a page's «English» / «Tiếng Việt» link."""
    found = re.search(r'<a id="lang" href="([^"]+)"', text)
    assert found is not None
    return html.unescape(found[1])


async def test_the_language_toggle_of_an_invite_answer_lands_on_the_unit_page(
    world: DeskWorld,
) -> None:
    """The sheet of cards, a refused order and a refused revoke answer POSTs: their language
    link asks for their address with GET, which must land on the unit's page in that
    language, not on a bare «405: Method Not Allowed»."""
    browser = await world.browser("ward_official")
    target = cell(world)
    assert target.id is not None
    invite_id = await make_invite(world, target)
    answers = [
        await post_form(
            browser,
            paths.unit_invites_path(target.id),
            {"role": "secretary", "count": "1"},
            page=unit_url(target),
        ),
        await post_form(
            browser, paths.unit_invites_path(target.id), {"role": "x"}, page=unit_url(target)
        ),
        await browser.post(paths.invite_revoke_path(invite_id), data={"csrf": "forged"}),
    ]
    assert [answer.status for answer in answers] == [200, 400, 403]
    for answer in answers:
        toggle = toggle_of(await answer.text())
        assert "lang=en" in toggle
        landed = await browser.get(answer.url.join(URL(toggle)).path_qs)  # relative
        assert landed.status == 200, toggle
        assert landed.url.path == unit_url(target)
        assert "<h1>Chi bộ Tổ dân phố số 1</h1>" in await landed.text()
        assert landed.headers["Content-Language"] == "en"
        await browser.get(unit_url(target) + "?lang=vi")
    # Another ward's invite, or none: the same 404 as its POST.
    stranger = await world.browser("other_official")
    assert (await stranger.get(paths.invite_revoke_path(invite_id))).status == 404
    assert (await stranger.get(paths.unit_invites_path(target.id))).status == 404


async def test_without_a_telegram_bot_the_cards_show_the_code_to_type(
    database_url: str, clock: FrozenClock
) -> None:
    async with serve_desk(database_url, clock) as world:
        browser = await world.browser("ward_official")
        made = await post_form(
            browser,
            paths.unit_invites_path(world.seed.ward.id or 0),
            {"role": "official", "mode": "add", "count": "1", "days": ""},
            page=unit_url(world.seed.ward),
        )
        text = await made.text()
        assert made.status == 200, text[:2000]
        assert cards(text)[0][1] is None
        assert "GOPY_TELEGRAM_BOT_USERNAME" in text
        (stored,) = await invites(world)
        # A blank number of days is the server's default (GOPY_INVITE_TTL_DAYS).
        assert stored.expires_at == clock.now() + timedelta(days=14)


async def test_revoking_an_invite(world: DeskWorld) -> None:
    invite_id = await make_invite(world, cell(world, 2))
    browser = await world.browser("ward_official")
    revoked = await post_form(
        browser, paths.invite_revoke_path(invite_id), page=unit_url(cell(world, 2))
    )
    assert revoked.status == 303
    location = revoked.headers["Location"]
    assert location == f"{unit_url(cell(world, 2))}?invite={invite_id}&was=open"
    # Revoked, it expired just before that moment (``storage.invites``): gone at once.
    revoked_at = world.clock.now()
    text = html.unescape(await page(browser, location))
    assert f"Đã thu hồi mã mời số {invite_id}: mã này không còn dùng được." in text
    assert "hết hạn hoặc đã thu hồi" in between(text, "invites", "comments")
    (stored,) = await invites(world)
    assert stored.expires_at == revoked_at - timedelta(microseconds=1)
    # Its code (had it been kept) would now be refused; a second revoke changes nothing.
    again = await post_form(
        browser, paths.invite_revoke_path(invite_id), page=unit_url(cell(world, 2))
    )
    assert again.headers["Location"].endswith("was=expired")


async def test_the_citys_invite_replacing_the_wards_officials_is_not_the_wards_to_revoke(
    world: DeskWorld,
) -> None:
    """Making an invite that replaces a unit's officials is for the level above (PEERS);
    revoking it is too, or the officials being replaced could keep their seat."""
    city = await world.browser("city_official")
    ward = world.seed.ward
    assert ward.id is not None
    made = await post_form(
        city,
        paths.unit_invites_path(ward.id),
        {"role": "official", "mode": "replace", "count": "1"},
        page=unit_url(ward),
    )
    assert made.status == 200, await made.text()
    colleague = await make_invite(world, ward, RoleKind.OFFICIAL)  # joins: theirs to revoke
    replacing, joining = await invites(world)
    assert replacing.mode is InviteMode.REPLACE and joining.id == colleague
    assert replacing.id is not None

    official = await world.browser("ward_official")
    listed = between(await page(official, unit_url(ward)), "invites", "comments")
    assert f'action="{paths.invite_revoke_path(colleague)}"' in listed
    assert f'action="{paths.invite_revoke_path(replacing.id)}"' not in listed
    refused = await post_form(
        official, paths.invite_revoke_path(replacing.id), page=unit_url(ward)
    )
    assert refused.status == 403
    assert "cấp trên" in await refused.text()
    stored = {invite.id: invite for invite in await invites(world)}
    assert stored[replacing.id].expires_at > world.clock.now()  # still open
    # The city made it, and revokes it.
    listed = between(await page(city, unit_url(ward)), "invites", "comments")
    assert f'action="{paths.invite_revoke_path(replacing.id)}"' in listed
    revoked = await post_form(city, paths.invite_revoke_path(replacing.id), page=unit_url(ward))
    assert revoked.headers["Location"].endswith("was=open")


async def test_a_revoked_code_no_longer_redeems(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    made = await post_form(
        browser,
        paths.unit_invites_path(cell(world).id or 0),
        {"role": "secretary", "mode": "add", "count": "1", "days": "14"},
        page=unit_url(cell(world)),
    )
    ((code, _link),) = cards(await made.text())
    (stored,) = await invites(world)
    assert stored.id is not None
    revoked = await post_form(
        browser, paths.invite_revoke_path(stored.id), page=unit_url(cell(world))
    )
    assert revoked.status == 303
    # At the very instant it was revoked, it is refused.
    async with world.runtime.db.sessions() as session:
        person = await get_or_create_person(
            session=session,
            channel="telegram",
            external_id="5151",
            full_name="B",
            now=world.clock.now(),
        )
        result = await redeem_invite(
            session=session, code=code, person=person, key=world.runtime.key, now=world.clock.now()
        )
    assert result.outcome is RedeemOutcome.EXPIRED


@pytest.mark.parametrize(
    ("unit", "fields", "says"),
    [
        ("cell", {"role": "secretary", "count": "0"}, "từ 1 đến 50"),
        ("cell", {"role": "secretary", "count": "51"}, "từ 1 đến 50"),
        ("cell", {"role": "secretary", "count": "ba"}, "từ 1 đến 50"),
        ("cell", {"role": "secretary", "count": "1", "days": "366"}, "từ 1 đến 365"),
        ("cell", {"role": "secretary", "count": "1", "days": "0"}, "từ 1 đến 365"),
        ("cell", {"role": "admin", "count": "1"}, "bí thư hay cán bộ"),
        ("cell", {"role": "", "count": "1"}, "bí thư hay cán bộ"),
        ("cell", {"role": "secretary", "mode": "swap", "count": "1"}, "tham gia hay thay thế"),
        ("ward", {"role": "secretary", "count": "1"}, "Chỉ chi bộ mới có bí thư"),
        ("ward", {"role": "official", "mode": "replace", "count": "1"}, "cấp trên"),
    ],
)
async def test_a_bad_order_is_a_400_and_makes_nothing(
    world: DeskWorld, unit: str, fields: dict[str, str], says: str
) -> None:
    target = cell(world) if unit == "cell" else world.seed.ward
    browser = await world.browser("ward_official")
    made = await post_form(
        browser,
        paths.unit_invites_path(target.id or 0),
        {"mode": "add", **fields},
        page=unit_url(target),
    )
    assert made.status == 400
    assert says in html.unescape(await made.text())
    assert await invites(world) == []


async def count_invites(world: DeskWorld) -> int:
    async with world.runtime.db.sessions() as session:
        found = (await session.execute(select(func.count()).select_from(Invite))).scalar()
    return int(found or 0)


# What a form may carry: the values the page offers, near misses, and anything at all.
_values = st.sampled_from(
    [
        "",
        "secretary",
        "official",
        "add",
        "replace",
        "1",
        "50",
        "51",
        "0",
        "-1",
        "007",
        " 3 ",
        "1e2",
        "٣",
        "99999999999999999999",
        "\x00",
        "SECRETARY",
    ]
) | st.text(max_size=30)


async def test_no_form_values_make_a_5xx_or_a_stray_invite(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    token = csrf_of(await page(browser, unit_url(cell(world))))
    loop = asyncio.get_running_loop()
    made: list[int] = []
    statuses: Counter[int] = Counter()

    async def post(fields: dict[str, str], where: str) -> tuple[int, str]:
        answer = await browser.post(where, data={"csrf": token, **fields}, allow_redirects=False)
        return answer.status, await answer.text()

    @given(
        fields=st.fixed_dictionaries(
            {},
            optional={
                "role": st.sampled_from(["secretary", "official"]) | _values,
                "mode": st.sampled_from(["add", "replace"]) | _values,
                "count": st.integers(-2, 60).map(str) | _values,
                "days": st.integers(-2, 400).map(str) | _values,
                "unit": _values,
            },
        ),
        where=st.sampled_from(
            [
                paths.unit_invites_path(cell(world).id or 0),
                paths.unit_invites_path(world.seed.ward.id or 0),
                paths.unit_invites_path(world.other_ward.id or 0),
            ]
        ),
    )
    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    def check(fields: dict[str, str], where: str) -> None:
        # The server runs in the test's event loop; Hypothesis drives it from this thread.
        sent = asyncio.run_coroutine_threadsafe(post(fields, where), loop)
        status, text = sent.result(timeout=60)
        statuses[status] += 1
        assert status in (200, 400, 404), (status, fields)
        if status == 200:
            made.append(text.count('<section class="invite">'))

    await asyncio.to_thread(check)
    assert await count_invites(world) == sum(made)
    assert statuses[200] and statuses[400] and statuses[404], statuses


async def test_a_long_list_of_invites_shows_the_newest_hundred(world: DeskWorld) -> None:
    async with world.runtime.db.sessions() as session:
        await create_invites(
            session=session,
            unit=cell(world),
            role=RoleKind.SECRETARY,
            key=world.runtime.key,
            now=world.clock.now(),
            count=101,
        )
        await session.commit()
    browser = await world.browser("ward_official")
    listed = between(await page(browser, unit_url(cell(world))), "invites", "comments")
    assert listed.count('<tr id="invite-') == 100
    assert "Còn 1 mã mời cũ hơn: gopy invite list NGOCHA-CB01" in listed
