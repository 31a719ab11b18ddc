"""Draft documents written as Markdown: ``#`` a document, ``##`` a section, text its summary.

    # Dự thảo Báo cáo chính trị {#bctt}
    <https://example.org/du-thao/bao-cao-chinh-tri.pdf>

    ## I. Kết quả thực hiện Nghị quyết Đại hội XIII
    Đánh giá thành tựu nổi bật trên các lĩnh vực nhiệm kỳ 2021–2025.

A campaign file points at it with ``documents: drafts.md``; the result is the same list of
documents a YAML ``documents:`` list gives, so the same checks apply to both.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from bot.importers.yaml_lines import MAX_BYTES, ImportProblem

_CODE = re.compile(r"\s*\{#([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\}\s*$")
_URL = re.compile(r"^<?(https?://\S+?)>?$", re.IGNORECASE)
_NUMBER = re.compile(r"^((?:[IVXLC]+|\d+(?:\.\d+)*))[.):–-]?\s+(.+)$")
SUMMARY_LIMIT = 1024


def slug(title: str) -> str:
    """``Dự thảo Điều lệ Đảng`` → ``du-thao-dieu-le-dang``: a code when the file gives none."""
    decomposed = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return "-".join(re.findall(r"[a-z0-9]+", bare))[:64].strip("-") or "doc"


def parse_documents(text: str, *, source: str) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    section: dict[str, Any] | None = None
    summary: list[str] = []

    def close_section() -> None:
        if section is not None:
            section["summary"] = "\n".join(summary).strip()[:SUMMARY_LIMIT]

    for number, raw in enumerate(unicodedata.normalize("NFC", text).splitlines(), start=1):
        line = raw.strip()
        if line.startswith("## "):
            if not documents:
                raise ImportProblem(
                    "a section (##) before any document (#)", line=number, source=source
                )
            close_section()
            section = _section(line[3:].strip(), len(documents[-1]["sections"]) + 1)
            documents[-1]["sections"].append(section)
            summary = []
        elif line.startswith("# "):
            close_section()
            section, summary = None, []
            documents.append(_document(line[2:].strip()))
        elif section is not None:
            summary.append(line)
        elif documents and documents[-1]["url"] is None and (link := _URL.match(line)):
            documents[-1]["url"] = link[1]
    close_section()
    if not documents:
        raise ImportProblem("no document: start each one with '# Title'", source=source)
    return documents


def _document(heading: str) -> dict[str, Any]:
    found = _CODE.search(heading)
    title = heading[: found.start()].strip() if found else heading
    return {
        "code": found[1] if found else slug(title),
        "title": title,
        "url": None,
        "sections": [],
    }


def _section(heading: str, position: int) -> dict[str, Any]:
    numbered = _NUMBER.match(heading)
    if numbered:
        return {"number": numbered[1], "heading": numbered[2].strip()}
    return {"number": str(position), "heading": heading}


def load_documents(path: Path) -> list[dict[str, Any]]:
    source = path.name
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportProblem("the file is larger than 5 MB", source=source)
        text = path.read_text("utf-8")
    except OSError as error:
        raise ImportProblem(f"cannot read the file: {error.strerror}", source=source) from None
    except UnicodeDecodeError:
        raise ImportProblem("the file is not UTF-8 text", source=source) from None
    return parse_documents(text, source=source)
