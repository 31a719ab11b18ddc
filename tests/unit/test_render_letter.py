"""The DOCX report letter read back with python-docx: page, header, body, table, closing, text."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
import unicodedata
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph as DocxParagraph
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.letter_docx import (
    CountTable,
    LetterSection,
    LetterStyle,
    LetterWords,
    Paragraph,
    ReportLetter,
    Signature,
    fit_columns,
    render_letter,
    roman,
    text_width,
    vietnamese_number,
)
from tests.letter_example import NGOC_HA, example_letter

FONT = "Times New Roman"
# Twips round a millimetre length to within 1/1440 inch.
TWIP = Length(635)


def read(data: bytes) -> DocxDocument:
    assert data.startswith(b"PK")
    return Document(io.BytesIO(data))


def rendered(letter: ReportLetter | None = None) -> DocxDocument:
    return read(render_letter(letter or example_letter()))


def one_section(*paragraphs: Paragraph, table: CountTable | None = None) -> ReportLetter:
    section = LetterSection("Kết quả", list(paragraphs), table=table)
    return replace(example_letter(), sections=[section])


def with_style(paragraph: DocxParagraph, name: str) -> bool:
    return paragraph.style is not None and paragraph.style.name == name


def styled(document: DocxDocument, name: str) -> list[DocxParagraph]:
    return [p for p in document.paragraphs if with_style(p, name)]


def texts(paragraphs: list[DocxParagraph]) -> list[str]:
    return [paragraph.text for paragraph in paragraphs]


def header_cells(document: DocxDocument) -> list[list[DocxParagraph]]:
    """The header's cells in reading order: issuer, party, number, date."""
    table = document.tables[0]
    return [cell.paragraphs for row in table.rows for cell in row.cells]


def closing_cells(document: DocxDocument) -> tuple[list[DocxParagraph], list[DocxParagraph]]:
    left, right = document.tables[-1].rows[0].cells
    return left.paragraphs, right.paragraphs


def bold(paragraph: DocxParagraph) -> bool:
    return all(run.bold for run in paragraph.runs if run.text)


def sizes(paragraph: DocxParagraph) -> set[Length | None]:
    return {run.font.size for run in paragraph.runs if run.text}


def count_table(document: DocxDocument) -> Table:
    (table,) = [t for t in document.tables if t.style is not None and t.style.name == "Table Grid"]
    return table


def clean(text: str) -> str:
    """What the letter should print for ``text``: NFC, no control characters but \\t and \\n."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(
        char
        for char in text
        if char in "\t\n"
        or (unicodedata.category(char) not in {"Cc", "Cs"} and char not in "\ufffe\uffff")
    )
    return unicodedata.normalize("NFC", kept)


# --- page and fonts ------------------------------------------------------------------------------


def test_page_is_a4_portrait_with_the_party_margins() -> None:
    section = rendered().sections[0]
    expected = {
        "page_width": Mm(210),
        "page_height": Mm(297),
        "top_margin": Mm(20),
        "bottom_margin": Mm(20),
        "left_margin": Mm(30),
        "right_margin": Mm(15),
    }
    for name, length in expected.items():
        assert abs(getattr(section, name) - length) <= TWIP, name


def test_times_new_roman_is_the_font_of_every_script_on_normal_and_the_defaults() -> None:
    document = rendered()
    normal = document.styles["Normal"]
    assert normal.font.name == FONT
    assert normal.font.size == Pt(14)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults is not None
    for fonts in [normal.element.rPr.rFonts, *defaults.iter(qn("w:rFonts"))]:
        for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            assert fonts.get(qn(script)) == FONT, script
        # A theme font on the same element would win over the name.
        assert not [key for key in fonts.attrib if "heme" in key]
    assert normal.element.rPr.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"


def test_body_is_justified_14_pt_with_first_line_indent_and_space_after() -> None:
    document = rendered()
    body = document.styles["Letter Body"].paragraph_format
    assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert abs(body.first_line_indent - Cm(1.27)) <= TWIP
    assert body.space_after == Pt(6)
    assert 1.15 <= body.line_spacing <= 1.3
    paragraphs = styled(document, "Letter Body")
    assert paragraphs
    assert {size for paragraph in paragraphs for size in sizes(paragraph)} == {Pt(14)}


# --- header --------------------------------------------------------------------------------------


def test_header_names_the_issuer_in_caps_and_the_party_over_a_rule() -> None:
    document = rendered()
    header = document.tables[0]
    assert header.style is not None
    assert header.style.name == "Normal Table"  # no borders
    assert header._tblPr.find(qn("w:tblBorders")) is None
    issuer, party, number, date = header_cells(document)
    assert texts(issuer) == ["ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY PHƯỜNG NGỌC HÀ", "*"]
    parent, name, star = issuer
    assert not any(run.bold for run in parent.runs)
    assert bold(name)
    assert sizes(parent) == sizes(name) == sizes(star) == {Pt(14)}
    assert all(p.style is not None and p.style.name == "Letter Centred" for p in issuer)
    assert texts(party) == ["ĐẢNG CỘNG SẢN VIỆT NAM"]
    assert bold(party[0])
    assert sizes(party[0]) == {Pt(15)}
    (rule,) = party[0]._p.xpath("./w:pPr/w:pBdr/w:bottom")
    assert rule.get(qn("w:val")) == "single"
    assert texts(number) == ["Số 12-BC/ĐU"]
    assert sizes(number[0]) == {Pt(14)}
    assert texts(date) == ["Ngọc Hà, ngày 12 tháng 11 năm 2025"]
    assert all(run.italic for run in date[0].runs)


def test_the_rule_under_the_party_name_is_as_long_as_the_name() -> None:
    (party,) = header_cells(rendered())[1]
    paragraph = party.paragraph_format
    assert paragraph.left_indent == paragraph.right_indent
    cell_width = Mm(165) - Length(int(Mm(165) * 0.45))
    rule = cell_width - paragraph.left_indent - paragraph.right_indent
    name = text_width("ĐẢNG CỘNG SẢN VIỆT NAM", 15, bold=True)
    assert name < rule < name + Pt(15)


def test_the_date_pads_day_and_month_with_a_zero() -> None:
    letter = replace(example_letter(), date=datetime.date(2026, 2, 5))
    (date,) = header_cells(rendered(letter))[3]
    assert date.text == "Ngọc Hà, ngày 05 tháng 02 năm 2026"
    assert date.runs
    assert all(run.italic for run in date.runs)


def test_a_letter_without_a_number_leaves_a_blank_for_the_office() -> None:
    (number,) = header_cells(rendered(example_letter(number=None)))[2]
    assert number.text == f"Số {LetterWords().blank_number}-BC/ĐU"
    assert number.text.startswith("Số    ")


def test_an_issuer_without_a_parent_prints_no_empty_line() -> None:
    letter = replace(example_letter(), issuer=replace(NGOC_HA, parent=" "))
    assert texts(header_cells(rendered(letter))[0]) == ["ĐẢNG ỦY PHƯỜNG NGỌC HÀ", "*"]


# --- title and sections --------------------------------------------------------------------------


def test_title_and_subject_are_centred_and_bold() -> None:
    document = rendered()
    title, subject, rule = document.paragraphs[:3]
    assert title.text == "BÁO CÁO"
    assert sizes(title) == {Pt(16)}
    assert subject.text.startswith("kết quả lấy ý kiến góp ý vào dự thảo các văn kiện")
    assert subject.text.endswith("tuần từ 06/11 đến 12/11/2025")
    assert sizes(subject) == {Pt(14)}
    assert rule.text == "-----"
    for paragraph in (title, subject):
        assert bold(paragraph)
    assert {p.style.name for p in (title, subject, rule) if p.style} == {"Letter Centred"}
    assert document.styles["Letter Centred"].paragraph_format.alignment == (
        WD_ALIGN_PARAGRAPH.CENTER
    )


def test_sections_are_numbered_in_roman_and_sub_sections_in_arabic() -> None:
    document = rendered()
    headings = styled(document, "Letter Heading")
    assert texts(headings) == [
        "I- CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO",
        "II- CÔNG TÁC THÔNG TIN, TUYÊN TRUYỀN",
        "III- KẾT QUẢ TỔ CHỨC LẤY Ý KIẾN",
        "1. Số lượng hội nghị, hội thảo, tọa đàm đã tổ chức trong tuần",
        "2. Số lượng thư và ý kiến góp ý",
        "IV- NHỮNG VẤN ĐỀ NỔI BẬT, NHỮNG NHÓM Ý KIẾN NHÂN DÂN TẬP TRUNG NHIỀU",
        "V- NHỮNG NỘI DUNG NHÂN DÂN KỲ VỌNG, GÓP Ý, BỔ SUNG VÀO DỰ THẢO CÁC VĂN KIỆN",
        "VI- KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT",
    ]
    assert all(bold(heading) for heading in headings)
    # A heading never ends a page: it moves on with its first paragraph.
    assert document.styles["Letter Heading"].paragraph_format.keep_with_next


def test_a_quoted_answer_is_a_dash_item_with_a_hanging_indent() -> None:
    document = rendered()
    quotes = styled(document, "Letter Quote")
    assert quotes[0].text == (
        "- Chi bộ Tổ dân phố số 1: Nhiều ý kiến đồng tình với việc đặt chuyển đổi số và phát "
        "triển kinh tế tư nhân là động lực quan trọng; đề nghị làm rõ hơn trách nhiệm của người "
        "đứng đầu khi chậm triển khai."
    )
    quote = document.styles["Letter Quote"].paragraph_format
    assert quote.first_line_indent < 0
    assert quote.left_indent == -quote.first_line_indent
    assert abs(quote.left_indent - text_width("- ", 14)) <= TWIP


def test_roman_numerals() -> None:
    assert [roman(n) for n in (1, 2, 3, 4, 9, 14, 40, 1994)] == [
        "I",
        "II",
        "III",
        "IV",
        "IX",
        "XIV",
        "XL",
        "MCMXCIV",
    ]
    with pytest.raises(ValueError, match="Roman"):
        roman(0)


# --- the count table -----------------------------------------------------------------------------

SMALL = CountTable(
    columns=["Chi bộ", "Hội nghị", "Lượt người tham dự"],
    rows=[["Chi bộ Tổ dân phố số 1", 3, 1200], ["Chi bộ Tổ dân phố số 2", None, 1234567]],
    totals=["Tổng cộng", 3, 1235767],
    caption="Kết quả trong tuần",
)


def test_the_count_table_has_a_repeated_header_a_totals_row_and_vietnamese_numbers() -> None:
    document = rendered(one_section(Paragraph("Kết quả như sau."), table=SMALL))
    table = count_table(document)
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [
        ["Chi bộ", "Hội nghị", "Lượt người tham dự"],
        ["Chi bộ Tổ dân phố số 1", "3", "1.200"],
        ["Chi bộ Tổ dân phố số 2", "—", "1.234.567"],
        ["Tổng cộng", "3", "1.235.767"],
    ]
    header, *_, totals = table.rows
    assert header._tr.xpath("./w:trPr/w:tblHeader")
    assert not any(row._tr.xpath("./w:trPr/w:tblHeader") for row in table.rows[1:])
    assert all(bold(cell.paragraphs[0]) for cell in totals.cells)
    assert not any(run.bold for run in table.rows[1].cells[2].paragraphs[0].runs)
    assert {cell.paragraphs[0].style.name for cell in header.cells} == {"Letter Table Header"}
    assert [cell.paragraphs[0].style.name for cell in table.rows[1].cells] == [
        "Letter Table",
        "Letter Table Number",
        "Letter Table Number",
    ]
    styles = document.styles
    assert styles["Letter Table Number"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert styles["Letter Table Header"].font.bold
    assert styles["Letter Table"].font.size == Pt(12)
    caption = [p for p in document.paragraphs if p.text == "Kết quả trong tuần"]
    assert caption
    assert caption[0].paragraph_format.keep_with_next


def test_the_count_table_fits_the_text_width_and_keeps_words_whole() -> None:
    table = count_table(rendered())
    widths = [column.width for column in table.columns]
    assert abs(sum(widths) - Mm(165)) <= len(widths) * TWIP
    assert table._tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    for column, width in zip(table.columns, widths, strict=True):
        for cell in column.cells:
            for word in cell.text.split():
                assert text_width(word, 12, bold=True) + Pt(10.8) <= width, word


def test_a_column_of_text_beside_the_names_stays_left_aligned() -> None:
    table = CountTable(
        ["Chi bộ", "Báo cáo"], [["Chi bộ số 1", "đúng hạn"], ["Chi bộ số 2", None]], None
    )
    document = rendered(one_section(table=table))
    rows = count_table(document).rows
    assert [cell.paragraphs[0].style.name for cell in rows[1].cells] == ["Letter Table"] * 2
    assert rows[2].cells[1].text == "—"


def test_rows_with_line_breaks_or_blank_cells_keep_them_among_copied_rows() -> None:
    rows: list[list[str | int | None]] = [
        ["Chi bộ số 1", 1],
        ["Chi bộ\nsố 2", 2],
        ["", 3],
        [" Chi bộ số 4 ", 4],
        ["Chi bộ số 5", 5],
    ]
    document = rendered(one_section(table=CountTable(["Chi bộ", "Số"], rows, None)))
    cells = [[cell.text for cell in row.cells] for row in count_table(document).rows[1:]]
    assert cells == [
        ["Chi bộ số 1", "1"],
        ["Chi bộ\nsố 2", "2"],
        ["", "3"],
        [" Chi bộ số 4 ", "4"],
        ["Chi bộ số 5", "5"],
    ]
    numbers = [row.cells[1].paragraphs[0] for row in count_table(document).rows[1:]]
    assert {p.style.name for p in numbers if p.style} == {"Letter Table Number"}


def test_a_row_of_the_wrong_length_is_refused() -> None:
    table = CountTable(["Chi bộ", "Hội nghị"], [["Chi bộ số 1", 1, 2]], None)
    with pytest.raises(ValueError, match="row 1 has 3 cells"):
        render_letter(one_section(table=table))


def test_columns_share_the_width_by_what_they_hold() -> None:
    widths = fit_columns(
        ["Chi bộ", "Số", "Lượt người tham dự"],
        [["Chi bộ Trường Trung học cơ sở Ngọc Hà", "1", "1.200"]],
        None,
        12,
        LetterStyle(),
    )
    assert abs(sum(widths) - Mm(165)) <= 3
    names, small, header = widths
    assert names > header > small
    # Nothing fits: the widest words share the width, some will break.
    crowded = fit_columns(["Nghiêng"] * 40, [], None, 12, LetterStyle())
    assert abs(sum(crowded) - Mm(165)) <= 40


def test_vietnamese_numbers() -> None:
    assert [vietnamese_number(n) for n in (0, 12, 1200, 1234567, -4500)] == [
        "0",
        "12",
        "1.200",
        "1.234.567",
        "-4.500",
    ]


# --- closing -------------------------------------------------------------------------------------


def test_recipients_end_with_a_comma_and_the_archive_line() -> None:
    letter = replace(
        example_letter(),
        recipients=["Ban Tuyên giáo và Dân vận Thành ủy,", " Thường trực Đảng ủy. ", ""],
    )
    left, _right = closing_cells(rendered(letter))
    heading, *lines = left
    assert heading.text == "Nơi nhận:"
    assert all(run.underline for run in heading.runs)
    assert sizes(heading) == {Pt(14)}
    assert texts(lines) == [
        "- Ban Tuyên giáo và Dân vận Thành ủy,",
        "- Thường trực Đảng ủy,",
        "- Lưu Văn phòng Đảng ủy.",
    ]
    assert {size for line in lines for size in sizes(line)} == {Pt(12)}


def test_the_closing_is_a_borderless_table_kept_on_one_page() -> None:
    table = rendered().tables[-1]
    assert table.style is not None
    assert table.style.name == "Normal Table"
    assert table.rows[0]._tr.xpath("./w:trPr/w:cantSplit")


def test_the_signature_block_signs_on_behalf_of_the_committee() -> None:
    _left, right = closing_cells(rendered())
    on_behalf, title, *space, name = right
    assert on_behalf.text == "T/M ĐẢNG ỦY"
    assert bold(on_behalf)
    assert title.text == "PHÓ BÍ THƯ"
    assert not any(run.bold for run in title.runs)
    assert texts(space) == [""] * 4
    assert name.text == "Nguyễn Thị Lan Hương"
    assert bold(name)


def test_the_signature_defaults_to_the_secretary_of_the_committee() -> None:
    letter = replace(example_letter(), signature=Signature(name="Trần Văn Minh"))
    _left, right = closing_cells(rendered(letter))
    assert [right[0].text, right[1].text, right[-1].text] == [
        "T/M ĐẢNG ỦY",
        "BÍ THƯ",
        "Trần Văn Minh",
    ]


# --- page numbers, properties, bytes -------------------------------------------------------------


def test_pages_are_numbered_at_the_top_from_page_two() -> None:
    section = rendered().sections[0]
    assert section.different_first_page_header_footer
    header = section.header._element
    (field,) = header.iter(qn("w:fldSimple"))
    assert field.get(qn("w:instr")).strip() == "PAGE"
    assert section.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    first = section.first_page_header
    assert not first.is_linked_to_previous
    assert "".join(p.text for p in first.paragraphs) == ""
    assert not list(first._element.iter(qn("w:fldSimple")))


def test_properties_and_bytes_depend_on_the_letter_only() -> None:
    letter = example_letter()
    data = render_letter(letter)
    assert render_letter(letter) == data
    properties = read(data).core_properties
    assert properties.title.startswith("BÁO CÁO kết quả lấy ý kiến góp ý")
    assert properties.author == "Đảng ủy phường Ngọc Hà"
    midnight = datetime.datetime(2025, 11, 12, tzinfo=datetime.UTC)
    assert properties.created == properties.modified == midnight
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert {info.date_time for info in archive.infolist()} == {(2025, 11, 12, 0, 0, 0)}
        assert "docProps/thumbnail.jpeg" not in archive.namelist()


# --- text ----------------------------------------------------------------------------------------


def test_decomposed_input_comes_out_composed() -> None:
    nfd = unicodedata.normalize("NFD", "Ý kiến của Nhân dân về Đại hội")
    issuer = replace(NGOC_HA, name=unicodedata.normalize("NFD", NGOC_HA.name))
    letter = replace(one_section(Paragraph(nfd), Paragraph(nfd, quote_from=nfd)), issuer=issuer)
    document = rendered(letter)
    assert texts(styled(document, "Letter Body")) == ["Ý kiến của Nhân dân về Đại hội"]
    assert texts(styled(document, "Letter Quote")) == [
        "- Ý kiến của Nhân dân về Đại hội: Ý kiến của Nhân dân về Đại hội"
    ]
    assert header_cells(document)[0][1].text == "ĐẢNG ỦY PHƯỜNG NGỌC HÀ"
    assert document.core_properties.author == "Đảng ủy phường Ngọc Hà"


def test_control_characters_are_stripped_everywhere() -> None:
    dirty = "Góp\x00 ý\x0b về\x1f dự\x7f thảo\ufffe"
    table = CountTable(["Chi bộ\x08", "Số"], [[dirty, 1]], ["Tổng\x01", 1])
    letter = replace(
        one_section(Paragraph(dirty), Paragraph(dirty, quote_from="Chi bộ\x02 số 1"), table=table),
        recipients=[dirty],
        subject=dirty,
    )
    document = rendered(letter)
    assert "Góp ý về dự thảo" in texts(styled(document, "Letter Body"))
    assert "- Chi bộ số 1: Góp ý về dự thảo" in texts(styled(document, "Letter Quote"))
    assert document.paragraphs[1].text == "Góp ý về dự thảo"
    cells = [cell.text for row in count_table(document).rows for cell in row.cells]
    assert cells == ["Chi bộ", "Số", "Góp ý về dự thảo", "1", "Tổng", "1"]
    assert "- Góp ý về dự thảo," in texts(closing_cells(document)[0])


def test_lines_of_an_answer_become_paragraphs() -> None:
    """Line breaks in a justified paragraph stretch the line before them (issue 12, bug 4)."""
    document = rendered(one_section(Paragraph("Ý kiến 1\r\n\r\nÝ kiến 2\n\tÝ kiến\t3 ")))
    assert texts(styled(document, "Letter Body")) == ["Ý kiến 1", "Ý kiến 2", "Ý kiến\t3"]


def test_a_long_answer_and_a_long_table_render() -> None:
    answer = ("Đề nghị bổ sung nội dung về chuyển đổi số và kinh tế tư nhân. " * 70)[:4000]
    rows = [[f"Chi bộ Tổ dân phố số {n}", n, n * 40, None] for n in range(1, 301)]
    table = CountTable(["Chi bộ", "Hội nghị", "Người dự", "Thư"], rows, ["Tổng cộng", 1, 2, 3])
    document = rendered(one_section(Paragraph(answer, quote_from="Chi bộ số 1"), table=table))
    assert styled(document, "Letter Quote")[0].text == f"- Chi bộ số 1: {answer}"
    long_table = count_table(document)
    assert len(long_table.rows) == 302
    assert long_table.rows[300].cells[2].text == "12.000"


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=300))
def test_any_text_round_trips_as_clean_text(text: str) -> None:
    paragraphs = styled(rendered(one_section(Paragraph(text))), "Letter Body")
    lines = [line.strip() for line in clean(text).split("\n") if line.strip()]
    assert texts(paragraphs) == (lines or [""])


# --- a look through LibreOffice ------------------------------------------------------------------


@pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext")),
    reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)",
)
def test_libreoffice_prints_the_letter(tmp_path: Path) -> None:
    docx_path = tmp_path / "report.docx"
    docx_path.write_bytes(render_letter(example_letter()))
    # A profile of its own, so a LibreOffice already running elsewhere does not take the job.
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "report.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")
    assert len([page for page in pages if page.strip()]) >= 1
    assert "BÁO CÁO" in unicodedata.normalize("NFC", text)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in unicodedata.normalize("NFC", pages[0])
