"""A letter written with a seed's issuer, recipients and signer prints that seed's layout:
rendered to DOCX and read back with python-docx."""

from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import replace

import pytest
from docx import Document
from docx.text.paragraph import Paragraph as DocxParagraph

from bot.letterheads import issuer_of, letterhead_lines, recipients_of, signature_of
from bot.render.letter_docx import Recipient, ReportLetter, recipient_lines, render_letter
from storage.letterheads import Letterhead
from tests.letter_example import example_letter
from tests.seed_letterheads import SEEDS, SeedLayout

DAY = datetime.date(2025, 10, 27)


def written(letterhead: Letterhead) -> ReportLetter:
    """The example report in ``letterhead``, the way ``bot.report_files.letter`` puts it."""
    return replace(
        example_letter(number="38"),
        date=DAY,
        issuer=issuer_of(letterhead),
        recipients=recipients_of(letterhead),
        signature=signature_of(letterhead),
        archive=letterhead.archive,
    )


def lines(paragraphs: list[DocxParagraph]) -> list[str]:
    return [p.text for p in paragraphs if p.text]


@pytest.mark.parametrize("seed", list(SEEDS.values()), ids=list(SEEDS))
def test_the_letter_prints_the_seed_layout(seed: SeedLayout) -> None:
    document = Document(io.BytesIO(render_letter(written(seed.letterhead))))
    header = document.tables[0]
    (issuer, _party), (number, date) = ([c.paragraphs for c in r.cells] for r in header.rows)
    assert lines(issuer) == seed.header
    parent_line, issuer_line, _star = issuer
    assert not any(run.bold for run in parent_line.runs)
    assert all(run.bold for run in issuer_line.runs)
    assert lines(number) == [seed.number]
    assert lines(date) == [seed.date]
    left, right = (cell.paragraphs for cell in document.tables[-1].rows[0].cells)
    heading, *recipients = lines(left)
    assert heading == "Nơi nhận:"
    assert recipients == seed.recipients
    assert lines(right) == seed.signer
    on_behalf, title, *blank, name = right
    assert len(blank) == 4 and not any(p.text for p in blank)
    assert all(run.bold for run in on_behalf.runs) and not any(r.bold for r in title.runs)
    assert all(run.bold for run in name.runs)


@pytest.mark.parametrize("seed", list(SEEDS.values()), ids=list(SEEDS))
def test_the_chat_preview_shows_the_lines_the_letter_prints(seed: SeedLayout) -> None:
    preview = letterhead_lines(seed.letterhead, DAY)
    number = seed.number.replace("38", "…")
    assert preview == [
        *seed.header[:-1],
        number,
        seed.date,
        "Nơi nhận:",
        *seed.recipients,
        *seed.signer,
    ]


def test_default_letterhead_prints_as_before() -> None:
    letter = written(Letterhead(issuer="Đảng ủy phường Ngọc Hà", place="Ngọc Hà"))
    assert letter.archive == "Lưu Văn phòng Đảng ủy"
    document = Document(io.BytesIO(render_letter(letter)))
    right = document.tables[-1].rows[0].cells[1].paragraphs
    assert lines(right) == ["T/M ĐẢNG ỦY", "BÍ THƯ"]
    assert render_letter(letter) == render_letter(letter)


def test_recipient_lines_take_purposes_as_typed_and_a_blank_archive_prints_none() -> None:
    lines = list(
        recipient_lines(
            [
                "Ban Tuyên giáo và Dân vận Thành ủy,",
                Recipient("Thường trực Đảng ủy.", "(để báo cáo)"),
                Recipient(" ", "để biết"),
            ],
            " ",
        )
    )
    assert lines == [
        "- Ban Tuyên giáo và Dân vận Thành ủy,",
        "- Thường trực Đảng ủy (để báo cáo),",
    ]


def test_the_letter_never_names_the_software() -> None:
    data = render_letter(written(SEEDS["hanoi-board"].letterhead))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8", "replace").lower()
            assert "gopy" not in text and "python" not in text, name
