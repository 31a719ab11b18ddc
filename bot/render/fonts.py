"""DejaVu Sans, regular and bold, found on the system: it covers Vietnamese.

The font files are not in the repository: they are installed with the Debian package
``fonts-dejavu-core``, whose licence (Bitstream Vera, DejaVu changes in the public domain) is in
``/usr/share/doc/fonts-dejavu-core/copyright``. ``GOPY_POSTER_FONT_DIR`` points elsewhere.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

ENV_VAR = "GOPY_POSTER_FONT_DIR"
DEBIAN_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
INSTALL_HINT = (
    "install the Debian package fonts-dejavu-core (apt-get install fonts-dejavu-core) "
    f"or set {ENV_VAR} to a folder holding {REGULAR} and {BOLD}"
)


class FontMissing(RuntimeError):
    """DejaVu Sans is not where it was looked for."""


@dataclass(frozen=True)
class FontFiles:
    """The two DejaVu Sans files a poster is drawn with."""

    regular: Path
    bold: Path


def font_files(directory: Path | None = None) -> FontFiles:
    """The files from ``directory``, else $GOPY_POSTER_FONT_DIR, Debian's folder or fc-match."""
    if directory is None:
        configured = os.environ.get(ENV_VAR)
        directory = Path(configured) if configured else None
    return _find(directory)


def font(
    size: int, *, bold: bool = False, directory: Path | None = None
) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (or Sans Bold) at ``size`` pixels."""
    files = font_files(directory)
    # A fresh object per call costs ~0.1 ms and keeps FreeType faces out of shared use when
    # posters are drawn in worker threads.
    return ImageFont.truetype(str(files.bold if bold else files.regular), size)


# functools.cache keeps found paths only: a FontMissing is raised again on the next call, so a
# font installed later is picked up without a restart.
@functools.cache
def _find(directory: Path | None) -> FontFiles:
    if directory is not None:
        # An explicit folder is a decision: falling back silently would hide a typo.
        found = _in_folder(directory)
        if found is None:
            raise FontMissing(f"{REGULAR} and {BOLD} not found in {directory}: {INSTALL_HINT}")
        return found
    found = _in_folder(DEBIAN_DIR) or _from_fontconfig()
    if found is None:
        raise FontMissing(f"DejaVu Sans not found: {INSTALL_HINT}")
    return found


def _in_folder(directory: Path) -> FontFiles | None:
    regular, bold = directory / REGULAR, directory / BOLD
    return FontFiles(regular, bold) if regular.is_file() and bold.is_file() else None


def _from_fontconfig() -> FontFiles | None:
    """Ask fc-match (other distributions keep DejaVu in other folders)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    regular = _fc_match(fc_match, "DejaVu Sans", REGULAR)
    bold = _fc_match(fc_match, "DejaVu Sans:bold", BOLD)
    return FontFiles(regular, bold) if regular and bold else None


def _fc_match(fc_match: str, pattern: str, expected: str) -> Path | None:
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [fc_match, "-f", "%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = Path(result.stdout.strip())
    # fc-match always answers with *some* font: only DejaVu itself is known to cover Vietnamese.
    return path if path.name == expected and path.is_file() else None
