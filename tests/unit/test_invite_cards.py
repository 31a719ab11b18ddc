"""What an invite is handed over as: the deep link (one rule for the CLI, the demo and the
desk), the code to type, the QR code drawn as inline SVG and read back by a real decoder, and
the desk's «make invites» form read whatever it carries."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.invite_links import invite_link, typed_invite
from bot.render.qr import qr_matrix, qr_svg
from bot.web.desk.invite_order import MAX_COUNT, MAX_DAYS, InviteOrder, OrderProblem, read_order
from storage.codes import ALPHABET, INVITE_LENGTH, invite_from_text
from storage.models import InviteMode, RoleKind
from tests.svg_codes import decode_svg

CODE = "ABCDEFGHJK"


def test_the_deep_link_carries_the_code_that_start_reads_back() -> None:
    link = invite_link("@gopy_test_bot", CODE)
    assert link == "https://t.me/gopy_test_bot?start=i-ABCDEFGHJK"
    assert invite_from_text(link.split("start=", 1)[1]) == CODE
    # Zalo has no deep links, and without a bot's name there is none: the code is typed.
    assert invite_link(None, CODE) is None and invite_link("", CODE) is None
    assert typed_invite(CODE) == "ABCDE-FGHJK"
    assert invite_from_text(typed_invite(CODE)) == CODE


@given(st.text(ALPHABET, min_size=INVITE_LENGTH, max_size=INVITE_LENGTH))
def test_every_invite_qr_code_reads_back_as_its_link(code: str) -> None:
    link = invite_link("gopy_test_bot", code)
    assert link is not None
    svg = qr_svg(link, title="<b>")
    assert decode_svg(svg) == link
    assert svg.startswith("<svg") and "&lt;b&gt;" in svg and "<b>" not in svg
    side = len(qr_matrix(link))
    assert f'viewBox="0 0 {side} {side}"' in svg


def test_a_well_formed_order() -> None:
    fields = {"role": "official", "mode": "replace", "count": " 12 ", "days": "30"}
    assert read_order(fields, default_days=14) == InviteOrder(
        RoleKind.OFFICIAL, InviteMode.REPLACE, 12, 30
    )
    # The mode defaults to joining, blank days to the server's default.
    assert read_order({"role": "secretary", "count": "1", "days": ""}, default_days=14) == (
        InviteOrder(RoleKind.SECRETARY, InviteMode.ADD, 1, 14)
    )


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "role": st.sampled_from(["secretary", "official"]) | st.text(max_size=12),
            "mode": st.sampled_from(["add", "replace"]) | st.text(max_size=12),
            "count": st.integers(-5, 80).map(str) | st.text(max_size=12),
            "days": st.integers(-5, 400).map(str) | st.text(max_size=12),
        },
    )
)
def test_any_form_is_an_order_within_bounds_or_one_problem(fields: dict[str, str]) -> None:
    order = read_order(fields, default_days=14)
    if isinstance(order, OrderProblem):
        return
    assert order.role.value == fields["role"]
    assert 1 <= order.count <= MAX_COUNT and 1 <= order.days <= MAX_DAYS
    assert order.count == int(fields.get("count", "1"))
    days = fields.get("days", "").strip()
    assert order.days == (int(days) if days else 14)


def test_digits_of_other_scripts_and_huge_numbers_are_refused() -> None:
    for count in ("٣", "１", "1e2", "1_0", "+3", "99999999999999999999", "3.0"):
        assert read_order({"role": "secretary", "count": count}, default_days=14) is (
            OrderProblem.COUNT
        ), count
    assert read_order({"role": "secretary", "days": "366"}, default_days=14) is OrderProblem.DAYS
