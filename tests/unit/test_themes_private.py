"""A group's name is read out in the letter to the party committee: comments that hold no word
but a phone or ID number (a citizen asking to be called back) must not name it by that
number."""

from __future__ import annotations

from bot.themes import Doc, discover, label_for

PHONE = "0912345678"


def test_a_phone_number_never_names_a_group() -> None:
    texts = [PHONE, f"+84 {PHONE[1:4]} {PHONE[4:]}", "👍👍", "😡", "Mất nước cả tuần nay"]
    found = discover([Doc(i, t) for i, t in enumerate(texts)])
    labels = [f.label for f in found]
    assert all(not any(ch.isdigit() for ch in label) for label in labels), labels
    assert not any(ch.isdigit() for ch in label_for([PHONE, "👍"]))
    assert label_for(["😀"]) == "😀", "emoji alone still name their group"
