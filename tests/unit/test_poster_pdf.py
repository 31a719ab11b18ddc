"""The print-ready PDF poster: exact A5 and A4 pages, QR codes drawn as vectors that decode once
rendered, Vietnamese text that is real text, and a layout that keeps any words on the page."""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.fonts import font_files
from bot.render.poster import PillowMetrics
from bot.render.poster_layout import (
    A5_HEIGHT,
    MARGIN,
    MIN_MAIN_QR,
    WIDTH,
    Code,
    Line,
    Metrics,
    PosterCodes,
    PosterText,
    lay_out,
)
from bot.render.poster_pdf import PAGES, PdfMetrics, render_poster_pdf, render_posters_pdf
from bot.render.qr import qr_matrix
from tests import posters

LANDING = "https://gopy.example.vn/q/GY-7K3QM"
DRAFT = "https://gopy.example.vn/q/GY-7K3QM/draft"
TEXT = PosterText(
    title="Góp ý dự thảo văn kiện Đại hội XIV",
    target="Dự thảo Báo cáo chính trị — Phần I. Kết quả thực hiện Nghị quyết Đại hội XIII",
    call_to_action="Quét mã QR để góp ý",
    code="GY-7K3QM",
    code_hint="Không quét được? Nhắn mã trên cho @gopy_bot trên Telegram",
    full_text_label="Đọc toàn văn dự thảo",
    footer="Đảng ủy phường Ngọc Hà",
)
CODES = PosterCodes(LANDING, "gopy.example.vn/q/GY-7K3QM", DRAFT)


@pytest.mark.parametrize(("size", "points"), [("a5", posters.A5), ("a4", posters.A4)])
def test_the_page_is_exactly_a5_or_a4(size: str, points: tuple[float, float]) -> None:
    pdf = render_poster_pdf(TEXT, CODES, size="a4" if size == "a4" else "a5")

    assert pdf.startswith(b"%PDF-")
    assert posters.page_size(pdf) == pytest.approx(points, abs=0.01)


@pytest.mark.parametrize("size", ["a5", "a4"])
def test_the_big_code_is_the_short_url_and_the_small_one_the_draft(size: str) -> None:
    pdf = render_poster_pdf(TEXT, CODES, size="a4" if size == "a4" else "a5")

    assert posters.codes(pdf, dpi=150) == [LANDING, DRAFT]


def test_the_codes_are_vectors_not_images() -> None:
    pdf = render_poster_pdf(TEXT, CODES)

    assert posters.images(pdf) == 0
    assert b"/XObject" not in pdf and b"/Subtype /Image" not in pdf, "no image XObject at all"
    # Still sharp far beyond print resolution: a vector scales, an image would blur.
    assert posters.codes(pdf, dpi=600) == [LANDING, DRAFT]


def test_the_text_is_real_text_in_the_embedded_font() -> None:
    pdf = render_poster_pdf(TEXT, CODES)

    found = posters.text(pdf)
    assert unicodedata.is_normalized("NFC", found)
    assert "GY-7K3QM" in found
    assert "Đảng ủy phường Ngọc Hà" in found
    assert "gopy.example.vn/q/GY-7K3QM" in found, "the short URL under the code"
    assert "Đọc toàn văn dự thảo" in found
    assert b"/FontFile2" in pdf, "DejaVu Sans travels inside the PDF"


def test_decomposed_input_prints_as_precomposed_text() -> None:
    decomposed = PosterText(
        *(unicodedata.normalize("NFD", getattr(TEXT, name)) for name in TEXT.__dataclass_fields__)
    )
    assert decomposed.footer != TEXT.footer

    found = posters.text(render_poster_pdf(decomposed, CODES))

    assert "Đảng ủy phường Ngọc Hà" in found


def test_stacked_marks_are_drawn() -> None:
    """Rendering, not only the text layer: ẪỘỀ carry ink a plain AOE does not."""
    marked = replace(TEXT, title="ẪỘỀẾỂỄỖ ỰỮỲ ẪỘỀẾỂỄỖ")
    plain = replace(TEXT, title="AOEEEEO UUY AOEEEEO")

    def band(text: PosterText) -> int:
        page = posters.rendered(render_poster_pdf(text, CODES), dpi=150)
        # The red band: white letters on red; count the white.
        top = page.crop((0, 0, page.width, 60)).convert("L")
        return sum(top.histogram()[201:])

    assert band(marked) > band(plain) * 1.15


def test_without_a_link_the_code_to_type_stands_alone() -> None:
    pdf = render_poster_pdf(TEXT, PosterCodes(None, None, DRAFT))

    assert posters.codes(pdf) == [DRAFT]
    found = posters.text(pdf)
    assert "GY-7K3QM" in found and "gopy.example.vn/q/" not in found


def test_the_same_poster_is_the_same_bytes() -> None:
    assert render_poster_pdf(TEXT, CODES) == render_poster_pdf(TEXT, CODES)


# --- any words stay on the page ----------------------------------------------------------------

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
WORDS = st.lists(
    st.one_of(
        st.text(alphabet=VIETNAMESE + VIETNAMESE.upper(), min_size=1, max_size=9),
        st.sampled_from(["—", "-", ":", "XIII.", "Phần", "I.", "ỘẪỄ", "https://gopy.example.vn/"]),
        # A word longer than any line: a link, a code pasted without spaces.
        st.text(alphabet="abcdefghij/-._", min_size=60, max_size=140),
    ),
    min_size=1,
    max_size=70,
).map(" ".join)


def boxes(shapes: tuple[object, ...], metrics: Metrics) -> list[tuple[float, float, float, float]]:
    """Each line of text and each code as (left, top, right, bottom)."""
    found = []
    for shape in shapes:
        if isinstance(shape, Line):
            width = metrics.width_at(shape.size, bold=shape.bold)(shape.text)
            left = shape.x - width / 2 if shape.centred else shape.x
            top = shape.baseline - metrics.ascent(shape.size, bold=shape.bold)
            bottom = shape.baseline + metrics.descent(shape.size, bold=shape.bold)
            found.append((left, top, left + width, bottom))
        elif isinstance(shape, Code):
            found.append((shape.x, shape.y, shape.x + shape.side, shape.y + shape.side))
    return found


def check_on_the_page(
    text: PosterText, codes: PosterCodes, metrics: Metrics, height: float
) -> None:
    layout = lay_out(text, codes, metrics, height=height)
    placed = boxes(layout.shapes, metrics)
    for left, top, right, bottom in placed:
        assert left >= MARGIN - 0.01 and right <= WIDTH - MARGIN + 0.01, "inside the margins"
        assert top >= 0 and bottom <= height, "on the page"
    for first, second in itertools.combinations(placed, 2):
        apart = (
            first[2] <= second[0]
            or second[2] <= first[0]
            or first[3] <= second[1]
            or second[3] <= first[1]
        )
        assert apart, (first, second)
    mains = [s for s in layout.shapes if isinstance(s, Code) and s.data == codes.link]
    if codes.link is not None:
        assert mains and mains[0].side >= MIN_MAIN_QR, "the big code stays big enough to scan"


@settings(max_examples=60, deadline=None)
@given(title=WORDS, target=WORDS, label=WORDS, footer=WORDS, hint=WORDS, link=st.booleans())
def test_any_words_stay_inside_the_margins_of_the_pdf(
    title: str, target: str, label: str, footer: str, hint: str, link: bool
) -> None:
    text = replace(
        TEXT, title=title, target=target, full_text_label=label, footer=footer, code_hint=hint
    )
    codes = CODES if link else PosterCodes(None, None, DRAFT)
    metrics = PdfMetrics(font_files())
    for size, (width, height) in PAGES.items():
        check_on_the_page(text, codes, metrics, height / (width / WIDTH))
        assert size in ("a5", "a4")


@settings(max_examples=15, deadline=None)
@given(title=WORDS, target=WORDS, label=WORDS)
def test_any_words_stay_inside_the_margins_of_the_png(title: str, target: str, label: str) -> None:
    text = replace(TEXT, title=title, target=target, full_text_label=label)
    check_on_the_page(text, CODES, PillowMetrics(), A5_HEIGHT)


# --- regressions found in review ---------------------------------------------------------------

# The consultation's name as the letters spell it (tests' seeds: the ward's and the province's
# letters), and the demo's first section.
LETTERS_TITLE = (
    "Lấy ý kiến góp ý của cán bộ, đảng viên và Nhân dân vào dự thảo các văn kiện trình "
    "Đại hội XIV của Đảng"
)
PREFIXED = "https://so.hanoi.gov.vn/gop-y/q/GY-7K3QM"


@pytest.mark.parametrize("size", ["a5", "a4"])
def test_the_consultations_name_is_printed_whole_when_it_can_be(size: str) -> None:
    """Regression: the first tightness whose code was big enough won even with the title cut
    ("… trình Đại hội…"), though the next one set it whole beside a bigger code."""
    text = replace(
        TEXT,
        title=LETTERS_TITLE,
        target="Dự thảo Báo cáo chính trị trình Đại hội XIV của Đảng — I. Kết quả thực hiện "
        "Nghị quyết Đại hội XIII",
        footer="Ban Thường vụ Đảng ủy Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu",
    )
    codes = PosterCodes(PREFIXED, PREFIXED.removeprefix("https://"), PREFIXED + "/draft")
    pdf = render_poster_pdf(text, codes, size="a4" if size == "a4" else "a5")

    found = " ".join(posters.text(pdf).split())
    assert LETTERS_TITLE in found
    assert "…" not in found
    assert posters.codes(pdf) == [PREFIXED, PREFIXED + "/draft"]


# A consultation named by its letter's subject line (the ward's letter in the tests' seeds).
SUBJECT_TITLE = (
    "Đẩy mạnh tuyên truyền, tổ chức tốt đợt cao điểm lấy ý kiến, tổng hợp ý kiến góp ý của "
    "cán bộ, đảng viên và Nhân dân vào dự thảo văn kiện trình Đại hội XIV của Đảng"
)


@pytest.mark.parametrize("size", ["a5", "a4"])
def test_a_title_as_long_as_a_letters_subject_is_printed_whole(size: str) -> None:
    """Regression: a 150-character name was cut («… vào dự thảo văn…») at every tightness,
    three lines at most, though a smaller size on three lines left the code 80 mm wide."""
    text = replace(
        TEXT,
        title=SUBJECT_TITLE,
        target="Tuyên truyền những chủ đề lớn, trọng tâm từ nay đến Đại hội đại biểu toàn quốc "
        "lần thứ XIV của Đảng — II. Nhiệm vụ và giải pháp",
        footer="Ban Thường vụ Đảng ủy Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu",
    )
    codes = PosterCodes(PREFIXED, PREFIXED.removeprefix("https://"), PREFIXED + "/draft")
    pdf = render_poster_pdf(text, codes, size="a4" if size == "a4" else "a5")

    found = " ".join(posters.text(pdf).split())
    assert SUBJECT_TITLE in found and "…" not in found
    for metrics in (PdfMetrics(font_files()), PillowMetrics()):
        check_on_the_page(text, codes, metrics, A5_HEIGHT)
    assert posters.codes(pdf) == [PREFIXED, PREFIXED + "/draft"]


# A draft kept elsewhere, at an address as ministries' sites spell it (the file's Vietnamese
# name percent-encoded): the poster's second code when gopy has no public address.
LONG_DRAFT = (
    "https://tulieuvankien.dangcongsan.vn/Uploads/2025/10/15/"
    + "%E1%BB%B1%20th%E1%BA%A3o%20b%C3%A1o%20c%C3%A1o%20ch%C3%ADnh%20tr%E1%BB%8B" * 3
    + ".pdf"
)
A5_MM_PER_UNIT = 148 / WIDTH


@pytest.mark.parametrize("draft", [DRAFT, LONG_DRAFT])
def test_the_smaller_code_keeps_modules_a_phone_can_see(draft: str) -> None:
    """Regression: the second code was 25 mm on A5 whatever it held; a long address made its
    modules 0.3 mm, below what a phone reads from arm's length on a notice board."""
    codes = PosterCodes(None, None, draft)
    for metrics in (PdfMetrics(font_files()), PillowMetrics()):
        layout = lay_out(TEXT, codes, metrics)
        (side,) = [s for s in layout.shapes if isinstance(s, Code)]
        modules = len(qr_matrix(draft))
        assert side.side / modules * A5_MM_PER_UNIT >= 0.5, (len(draft), modules)
        check_on_the_page(TEXT, codes, metrics, A5_HEIGHT)
    assert posters.codes(render_poster_pdf(TEXT, codes)) == [draft]


def test_several_posters_are_one_document_a_page_each() -> None:
    other = replace(TEXT, code="GY-ABCDE", footer="Chi bộ Tổ dân phố số 1")
    other_codes = PosterCodes(
        "https://gopy.example.vn/q/GY-ABCDE", "gopy.example.vn/q/GY-ABCDE", None
    )
    pdf = render_posters_pdf([(TEXT, CODES), (other, other_codes)], size="a4")

    (first_codes, first_text), (second_codes, second_text) = posters.pages(pdf)
    assert first_codes == [LANDING, DRAFT] and "GY-7K3QM" in first_text
    assert second_codes == [other_codes.link] and "Chi bộ Tổ dân phố số 1" in second_text
    # Each page is the single poster's page: the same words, the same codes.
    alone = render_poster_pdf(other, other_codes, size="a4")
    assert posters.text(alone) == second_text
    assert posters.page_size(pdf) == pytest.approx(posters.A4, abs=0.01)
    # The font is embedded once, not once a page.
    assert len(pdf) < len(render_poster_pdf(TEXT, CODES, size="a4")) + len(alone)
