"""A campaign file's full texts (``file:``) and section texts (``text:``): kept once, replaced
when changed, dropped when left out; a wrong, missing or huge file is an error on its line."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.admin_actions import import_campaign_told
from bot.importers import import_campaign, import_campaign_data
from bot.importers.campaign import SECTION_TEXT_LIMIT
from bot.importers.draft_files import DOCX, MAX_BYTES, PDF, sniff
from bot.importers.yaml_lines import load_yaml
from storage.campaigns import documents_of
from storage.drafts import file_data, files_of
from storage.models import Campaign, Document, DocumentFile
from tests.unit.test_importers import org, problem_of

FIRST = datetime(2025, 10, 1, 3, 0, tzinfo=UTC)
LATER = datetime(2025, 10, 8, 3, 0, tzinfo=UTC)

# Line 11 is bctt's file, line 15 its section's text, line 18 dieule's file.
CAMPAIGN = """\
code: dh14
title: Góp ý dự thảo văn kiện Đại hội XIV
unit: NGOCHA
starts: 2025-10-15
ends: 2025-11-10 17:00
deadlines:
  cell: {weekday: wednesday, time: "17:00"}
documents:
  - code: bctt
    title: Dự thảo Báo cáo chính trị
    file: BCTT
    sections:
      - number: "I"
        heading: Kết quả nhiệm kỳ
        text: TEXT
  - code: dieule
    title: Dự thảo Điều lệ Đảng
    file: DIEULE
"""
BCTT_LINE, TEXT_LINE = 11, 15

PDF_BYTES = b"%PDF-1.4\n% Du thao bao cao chinh tri\n%%EOF\n"


def docx_bytes(words: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(words)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def campaign_file(folder: Path, *, bctt: str = "~", dieule: str = "~", text: str = '""') -> Path:
    body = CAMPAIGN.replace("BCTT", bctt).replace("DIEULE", dieule).replace("TEXT", text)
    path = folder / "campaign.yaml"
    path.write_text(body, encoding="utf-8")
    return path


async def count(session: AsyncSession, model: type) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def kept(session: AsyncSession) -> dict[str, tuple[str, str, str]]:
    """Document code → (name, content type, sha256) of its stored file."""
    documents = (await session.execute(select(Document))).scalars().all()
    files = await files_of(session=session, document_ids=[d.id for d in documents if d.id])
    return {
        d.code: (f.name, f.content_type, f.sha256)
        for d in documents
        if d.id is not None and (f := files.get(d.id)) is not None
    }


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOPY_LOCALE", "en")


async def test_a_pdf_and_a_docx_are_kept_typed_by_their_bytes(
    session: AsyncSession, tmp_path: Path
) -> None:
    await org(session, tmp_path)
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "Dự thảo Báo cáo chính trị.pdf").write_bytes(PDF_BYTES)
    word = docx_bytes("Điều 1. Đảng viên")
    # Renamed by hand: a Word file called .doc is still served as the DOCX it is.
    (tmp_path / "dieu-le.doc").write_bytes(word)
    path = campaign_file(
        tmp_path, bctt='"drafts/Dự thảo Báo cáo chính trị.pdf"', dieule="dieu-le.doc"
    )

    await import_campaign(session=session, path=path, now=FIRST)
    await session.commit()

    assert await kept(session) == {
        "bctt": ("Dự thảo Báo cáo chính trị.pdf", PDF, sha(PDF_BYTES)),
        "dieule": ("dieu-le.docx", DOCX, sha(word)),
    }
    (bctt,) = (await session.execute(select(Document).where(Document.code == "bctt"))).scalars()
    assert bctt.id is not None
    stored = await file_data(session=session, document_id=bctt.id)
    assert stored is not None and stored[1] == PDF_BYTES


async def test_the_same_file_again_changes_nothing_and_a_changed_one_replaces_it(
    session: AsyncSession, tmp_path: Path
) -> None:
    await org(session, tmp_path)
    draft = tmp_path / "bctt.pdf"
    draft.write_bytes(PDF_BYTES)
    path = campaign_file(tmp_path, bctt="bctt.pdf")
    await import_campaign(session=session, path=path, now=FIRST)
    await session.commit()
    (first,) = (await session.execute(select(DocumentFile))).scalars()

    await import_campaign(session=session, path=path, now=LATER)
    await session.commit()
    session.expunge_all()
    (again,) = (await session.execute(select(DocumentFile))).scalars()
    assert (again.id, again.stored_at, again.sha256) == (first.id, FIRST, sha(PDF_BYTES))

    changed = PDF_BYTES.replace(b"%%EOF", b"% sua doi lan 2\n%%EOF")
    draft.write_bytes(changed)
    await import_campaign(session=session, path=path, now=LATER)
    await session.commit()
    session.expunge_all()
    (replaced,) = (await session.execute(select(DocumentFile))).scalars()
    assert (replaced.sha256, replaced.stored_at, replaced.data) == (sha(changed), LATER, changed)


async def test_a_file_left_out_is_dropped_and_so_is_a_documents_file_with_it(
    session: AsyncSession, tmp_path: Path
) -> None:
    await org(session, tmp_path)
    (tmp_path / "a.pdf").write_bytes(PDF_BYTES)
    (tmp_path / "b.docx").write_bytes(docx_bytes("Điều lệ"))
    await import_campaign(
        session=session, path=campaign_file(tmp_path, bctt="a.pdf", dieule="b.docx"), now=FIRST
    )
    await session.commit()
    assert set(await kept(session)) == {"bctt", "dieule"}

    await import_campaign(session=session, path=campaign_file(tmp_path, dieule="b.docx"))
    await session.commit()
    assert set(await kept(session)) == {"dieule"}

    # The document leaves the campaign: its file must go first (the row points to it).
    without = campaign_file(tmp_path).read_text("utf-8").split("  - code: dieule")[0]
    (tmp_path / "campaign.yaml").write_text(without, encoding="utf-8")
    await import_campaign(session=session, path=tmp_path / "campaign.yaml")
    await session.commit()
    assert await count(session, DocumentFile) == 0
    assert await count(session, Document) == 1


def write_zip_without_word(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", "<office:document/>")  # an OpenDocument, say


def write_too_big(path: Path) -> None:
    with path.open("wb") as out:  # sparse: no 25 MB written to the disk
        out.write(PDF_BYTES)
        out.truncate(MAX_BYTES + 1)


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("missing.pdf", None, "file: there is no file missing.pdf (the path is relative to"),
        ("notes.pdf", lambda p: p.write_text("Ghi chú", "utf-8"), "is neither a PDF nor a Word"),
        ("empty.pdf", lambda p: p.write_bytes(b""), "is neither a PDF nor a Word"),
        ("draft.odt", write_zip_without_word, "draft.odt is neither a PDF nor a Word (DOCX)"),
        ("huge.pdf", write_too_big, "file: huge.pdf is larger than 25 MB"),
        ("folder.pdf", lambda p: p.mkdir(), "there is no file folder.pdf"),
    ],
)
async def test_a_wrong_missing_or_huge_file_is_an_error_on_its_line_and_nothing_is_written(
    session: AsyncSession,
    tmp_path: Path,
    english: None,
    name: str,
    make: object,
    message: str,
) -> None:
    await org(session, tmp_path)
    if callable(make):
        make(tmp_path / name)
    problem = await problem_of(
        import_campaign(session=session, path=campaign_file(tmp_path, bctt=name))
    )
    assert (problem.source, problem.line) == ("campaign.yaml", BCTT_LINE)
    assert message in problem.message
    assert await count(session, Campaign) == 0


async def test_the_error_speaks_the_command_lines_language(
    session: AsyncSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await org(session, tmp_path)
    monkeypatch.setenv("GOPY_LOCALE", "vi")
    problem = await problem_of(
        import_campaign(session=session, path=campaign_file(tmp_path, bctt="du-thao.pdf"))
    )
    assert str(problem) == (
        "campaign.yaml, line 11: file: không có tệp du-thao.pdf "
        "(đường dẫn tính từ thư mục chứa tệp đợt lấy ý kiến)"
    )


async def test_a_file_needs_a_campaign_file_on_disk(session: AsyncSession, tmp_path: Path) -> None:
    await org(session, tmp_path)
    (tmp_path / "a.pdf").write_bytes(PDF_BYTES)
    data = load_yaml(campaign_file(tmp_path, bctt="a.pdf"))
    problem = await problem_of(import_campaign_data(session=session, data=data, source="c.yaml"))
    assert (problem.source, problem.line) == ("c.yaml", BCTT_LINE)


async def test_a_sections_text_is_kept_nfc_with_unix_line_ends(
    session: AsyncSession, tmp_path: Path
) -> None:
    await org(session, tmp_path)
    data = load_yaml(campaign_file(tmp_path))
    decomposed = unicodedata.normalize("NFD", "Đánh giá kết quả\r\nnhiệm kỳ 2021–2025.\u200b")
    data["documents"][0]["sections"][0]["text"] = decomposed
    campaign = await import_campaign_data(session=session, data=data, folder=tmp_path)
    (_bctt, sections), _dieule = await documents_of(session=session, campaign=campaign)
    assert sections[0].text == "Đánh giá kết quả\nnhiệm kỳ 2021–2025."
    assert unicodedata.is_normalized("NFC", sections[0].text)

    # Left out: the text goes, as any other key.
    await import_campaign(session=session, path=campaign_file(tmp_path, text="~"))
    (_bctt, sections), _dieule = await documents_of(session=session, campaign=campaign)
    assert sections[0].text == ""


async def test_a_text_over_the_limit_is_an_error_on_its_line(
    session: AsyncSession, tmp_path: Path, english: None
) -> None:
    await org(session, tmp_path)
    path = campaign_file(tmp_path, text="x" * (SECTION_TEXT_LIMIT + 1))
    problem = await problem_of(import_campaign(session=session, path=path))
    assert problem.line == TEXT_LINE
    assert problem.message == f"text: the text is longer than {SECTION_TEXT_LIMIT} characters"


async def test_the_import_says_which_full_texts_gopy_keeps(
    session: AsyncSession, tmp_path: Path, english: None
) -> None:
    await org(session, tmp_path)
    (tmp_path / "a.pdf").write_bytes(PDF_BYTES)
    told = await import_campaign_told(
        session=session, path=campaign_file(tmp_path, bctt="a.pdf"), now=FIRST
    )
    assert told.splitlines()[1] == "Full texts kept by gopy: bctt (PDF, 1 kB)."


@given(st.binary(max_size=2048))
@settings(max_examples=300, deadline=None)
def test_no_bytes_break_the_type_check(data: bytes) -> None:
    assert sniff(data) in (None, PDF, DOCX)
    assert sniff(b"PK\x03\x04" + data) in (None, DOCX)


def test_the_type_is_the_bytes_not_the_name() -> None:
    assert sniff(PDF_BYTES) == PDF
    assert sniff(docx_bytes("x")) == DOCX
    assert sniff(b" %PDF-1.4") is None
    assert sniff(b"\x89PNG\r\n\x1a\n") is None
