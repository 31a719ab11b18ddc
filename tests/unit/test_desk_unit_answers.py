"""A report's answers as the desk's unit page lists them: the form's labels in its order, the
chat's way of writing each value, what changed since the revision before, and a stored value
that no longer fits its field shown as it is rather than breaking the page."""

from __future__ import annotations

from bot.web.desk.unit_texts import Answer, answers
from storage.forms import default_form


def test_answers_read_as_in_chat_with_changes_marked() -> None:
    form = default_form()
    before = {"news_count": 1200, "propaganda": ["meetings"], "retired_key": "x"}
    now = {**before, "propaganda": ["meetings", "social"], "meetings_count": "many"}
    shown = {a.label: a for a in answers(form, now, before, "vi")}
    assert shown["Số tin, bài đã đăng"] == Answer("Số tin, bài đã đăng", "1.200", False)
    assert shown["Hình thức tuyên truyền"] == Answer(
        "Hình thức tuyên truyền", "Hội nghị, họp, Mạng xã hội, nhóm Zalo", True
    )
    # Not a count any more (a form replaced since): shown as stored, marked as new.
    assert shown["Số hội nghị, tọa đàm"] == Answer("Số hội nghị, tọa đàm", "many", True)
    assert shown["Khó khăn, kiến nghị"].value == "—"
    # A question the form no longer asks keeps its answer, under its key, last.
    assert list(shown)[-1] == "retired_key" and shown["retired_key"].value == "x"
    # The first revision has nothing to differ from.
    assert not any(a.changed for a in answers(form, now, None, "en"))
    assert answers(form, now, None, "en")[2].label == "News items and posts"
