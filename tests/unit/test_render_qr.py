"""QR codes and PNG posters: every code printed is read back by a real decoder (zxing-cpp).
The PDF poster: tests/unit/test_poster_pdf.py."""

from __future__ import annotations

import io
import shutil
import string
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from bot.render.fonts import ENV_VAR, FontMissing, font, font_files
from bot.render.poster import HEIGHT, render_poster
from bot.render.poster_layout import RED, WIDTH, PosterCodes, PosterText
from bot.render.qr import qr_image, qr_png

DEEP_LINK = "https://t.me/gopy_test_bot?start=gy-7K3QM"
# Telegram allows up to 64 characters of start payload.
LONGEST_DEEP_LINK = "https://t.me/gopy_test_bot?start=" + "gy-7K3QM_" * 7 + "A"
FULL_TEXT = "https://ngocha.hanoi.gov.vn/van-kien/du-thao-bao-cao-chinh-tri-dai-hoi-xiv.pdf"
LANDING = "https://gopy.example.vn/q/GY-7K3QM"
TEXT = PosterText(
    title="Góp ý dự thảo văn kiện Đại hội XIV",
    target="Dự thảo Báo cáo chính trị — Phần I. Kết quả thực hiện Nghị quyết Đại hội XIII",
    call_to_action="Quét mã QR để góp ý",
    code="GY-7K3QM",
    code_hint="Không quét được? Nhắn mã trên cho @gopy_bot trên Telegram",
    full_text_label="Đọc toàn văn dự thảo",
    footer="Đảng ủy phường Ngọc Hà",
)
CODES = PosterCodes(LANDING, "gopy.example.vn/q/GY-7K3QM", FULL_TEXT)
LONG_TARGET = " ".join(
    ["Dự thảo Báo cáo tổng kết một số vấn đề lý luận và thực tiễn về công cuộc đổi mới"]
    + ["theo định hướng xã hội chủ nghĩa ở Việt Nam trong 40 năm qua — ỘẪỄ ỰỮỲ"] * 6
)


def decoded(image: Image.Image) -> list[zxingcpp.Barcode]:
    return [code for code in zxingcpp.read_barcodes(image) if code.valid]


def area(code: zxingcpp.Barcode) -> int:
    position = code.position
    return (position.bottom_right.x - position.top_left.x) * (
        position.bottom_right.y - position.top_left.y
    )


def png_image(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- qr_png, qr_image ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "https://t.me/x",
        DEEP_LINK,
        LONGEST_DEEP_LINK,
        "https://zalo.me/s/1234567890123456789/?start=gy-7K3QM&utm_source=poster",
        "https://example.vn/" + "a" * 300,
    ],
)
def test_png_reads_back_as_the_link(link: str) -> None:
    image = png_image(qr_png(link))

    [code] = decoded(image)
    assert code.text == link
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    assert code.ec_level == "M"


def test_png_is_one_bit_with_whole_modules_and_the_quiet_zone() -> None:
    image = png_image(qr_png(DEEP_LINK, scale=7, border=4))

    assert image.mode == "1"
    modules = image.width // 7
    assert image.size == (modules * 7, modules * 7)
    # Version 3 (29 modules) holds a 41-character link at level M, plus 4 white modules a side.
    assert modules == 29 + 8
    left, top, right, bottom = ImageChops.invert(image.convert("L")).getbbox() or (0, 0, 0, 0)
    assert (left, top) == (28, 28)
    assert (image.width - right, image.height - bottom) == (28, 28)


def test_png_of_a_deep_link_is_small() -> None:
    assert len(qr_png(DEEP_LINK)) < 2_000


def test_scale_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        qr_png(DEEP_LINK, scale=0)


@pytest.mark.parametrize("box_px", [37, 100, 301, 1049])
def test_image_fills_its_box_with_whole_pixel_modules_centred(box_px: int) -> None:
    image = qr_image(DEEP_LINK, box_px=box_px)

    assert image.size == (box_px, box_px)
    assert image.mode == "1"
    [code] = decoded(image)
    assert code.text == DEEP_LINK
    module_px = box_px // 37
    left, top, right, bottom = ImageChops.invert(image.convert("L")).getbbox() or (0, 0, 0, 0)
    # The finder patterns reach the corners of the 29-module symbol: its ink is whole modules.
    assert right - left == bottom - top == 29 * module_px
    assert abs(left - (box_px - right)) <= 1
    assert abs(top - (box_px - bottom)) <= 1
    assert left >= 4 * module_px


def test_image_too_small_for_the_code_is_refused() -> None:
    with pytest.raises(ValueError, match="36 px"):
        qr_image(DEEP_LINK, box_px=36)


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet=string.printable[:95], min_size=1, max_size=200))
def test_any_printable_ascii_round_trips(data: str) -> None:
    [code] = decoded(png_image(qr_png(data, scale=3)))
    assert code.text == data


# --- the poster as PNG ---------------------------------------------------------------------------


def test_poster_carries_both_codes_the_big_one_to_the_link() -> None:
    page = png_image(render_poster(TEXT, CODES))

    assert page.size == (WIDTH, HEIGHT) == (1748, 2480)
    assert page.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    codes = sorted(decoded(page), key=area, reverse=True)
    assert [code.text for code in codes] == [LANDING, FULL_TEXT]
    main = codes[0].position
    # Over half the page width with its quiet zone: the dark modules alone are over 35 %.
    assert main.bottom_right.x - main.top_left.x > 0.35 * WIDTH


def test_poster_without_full_text_has_one_code() -> None:
    page = png_image(render_poster(TEXT, PosterCodes(LONGEST_DEEP_LINK, "t.me/gopy_test_bot")))

    assert [code.text for code in decoded(page)] == [LONGEST_DEEP_LINK]


def test_poster_without_a_link_has_no_code_but_the_code_to_type() -> None:
    with_code = png_image(render_poster(TEXT, CODES))
    without = png_image(render_poster(TEXT, PosterCodes(None)))

    assert decoded(without) == []
    assert ImageChops.difference(with_code.convert("RGB"), without.convert("RGB")).getbbox()


def test_title_is_drawn_in_white_on_the_red_band() -> None:
    page = png_image(render_poster(TEXT, PosterCodes(DEEP_LINK))).convert("RGB")

    band = 0
    while page.getpixel((4, band)) == RED:
        band += 1
    assert 150 < band < 600
    assert page.getpixel((4, band + 2)) == (255, 209, 0)  # the yellow rule
    colours = page.crop((0, 0, WIDTH, band)).getcolors(maxcolors=WIDTH * band)
    assert colours is not None
    assert sum(count for count, colour in colours if colour == (255, 255, 255)) > 5_000
    # The letters (stacked marks included) keep clear of the band's edges.
    assert page.crop((0, 0, WIDTH, 20)).getcolors() == [(WIDTH * 20, RED)]
    assert page.crop((0, band - 20, WIDTH, band)).getcolors() == [(WIDTH * 20, RED)]


def test_very_long_texts_shrink_and_stay_on_the_page() -> None:
    text = replace(
        TEXT,
        title=LONG_TARGET[:160],
        target=LONG_TARGET,
        call_to_action="Quét mã QR bằng Zalo hoặc Telegram để gửi ý kiến đóng góp của bạn",
        code_hint=TEXT.code_hint * 3,
        full_text_label=LONG_TARGET,
        footer=LONG_TARGET,
    )
    page = png_image(
        render_poster(text, PosterCodes(LONGEST_DEEP_LINK, LONGEST_DEEP_LINK, FULL_TEXT))
    )

    codes = sorted(decoded(page), key=area, reverse=True)
    assert [code.text for code in codes] == [LONGEST_DEEP_LINK, FULL_TEXT]
    # Nothing runs into the side margins (below the band, above the red bottom edge).
    white = page.convert("L")
    for margin in (
        white.crop((0, 600, 100, HEIGHT - 30)),
        white.crop((WIDTH - 100, 600, WIDTH, HEIGHT - 30)),
    ):
        assert margin.getextrema() == (255, 255)


def test_decomposed_vietnamese_is_drawn_as_precomposed() -> None:
    decomposed = PosterText(
        *(unicodedata.normalize("NFD", getattr(TEXT, name)) for name in TEXT.__dataclass_fields__)
    )
    assert decomposed.title != TEXT.title

    composed = png_image(render_poster(TEXT, PosterCodes(DEEP_LINK)))
    from_nfd = png_image(render_poster(decomposed, PosterCodes(DEEP_LINK)))

    assert (
        ImageChops.difference(composed.convert("RGB"), from_nfd.convert("RGB")).getbbox() is None
    )


# --- fonts --------------------------------------------------------------------------------------


def test_missing_fonts_say_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(FontMissing) as raised:
        font(40, directory=tmp_path)

    message = str(raised.value)
    assert "apt-get install fonts-dejavu-core" in message
    assert ENV_VAR in message
    assert str(tmp_path) in message


def test_font_folder_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = font_files()
    shutil.copy(system.regular, tmp_path)
    shutil.copy(system.bold, tmp_path)
    monkeypatch.setenv(ENV_VAR, str(tmp_path))

    files = font_files()

    assert files.regular == tmp_path / "DejaVuSans.ttf"
    assert files.bold == tmp_path / "DejaVuSans-Bold.ttf"
    assert font(30, bold=True).getname() == ("DejaVu Sans", "Bold")
