"""The wheel, installed as a ward office would: a fresh venv outside the checkout, then gopy.

``make wheel-smoke`` (part of ``make test``) runs ``python -m tests.smoke.wheel_smoke``. It builds
the wheel from a clean copy of the source (a stale ``build/`` cannot leak a deleted file into it),
installs it with its dependencies into a new venv in a temporary folder, and from another
temporary folder runs ``gopy db upgrade``, ``gopy demo``, ``gopy remind --dry-run``, ``gopy export
--format docx``, ``gopy qr --out --poster`` and ``gopy run`` against the fake Bot API of
``tests.fakes.telegram``, which feeds it one ``/help`` and waits for the answer in Vietnamese;
after ``gopy demo`` the database must hold each demo draft's full text as a PDF, drawn by the
installed package from its own data.
An editable install, or a file read by a path into the checkout, cannot pass: every module must
come from the venv, and everything runs where the checkout is out of reach.

The database is an SQLite file in the temporary folder; every child process has a timeout and
is stopped (its whole process group) on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from babel.messages.pofile import read_po

from tests.fakes.telegram import FakeTelegram, command_update, serve

CHECKOUT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage", "scheduler", "services")
BOT_USERNAME = "gopy_smoke_bot"
CHAT_ID = 4242
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Environment a developer may have set that must not reach the installed gopy: their database,
# token or .env-style settings, or a PYTHONPATH into the checkout. Fonts come from the system.
KEPT_GOPY = ("GOPY_POSTER_FONT_DIR",)
DROPPED = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")


class SmokeFailure(Exception):
    """One check of the installed wheel failed; the message says which and why."""


@dataclass
class Smoke:
    work: Path
    steps: list[tuple[str, float]] = field(default_factory=list)

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        print(f"wheel smoke: {name} …", flush=True)
        started = time.monotonic()
        yield
        took = time.monotonic() - started
        self.steps.append((name, took))
        print(f"wheel smoke: {name}: ok ({took:.1f} s)", flush=True)


def run(
    args: Sequence[str | Path],
    *,
    what: str,
    timeout: float,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; a non-zero exit or a timeout is a SmokeFailure with its output.

    The command gets its own process group, killed whole on a timeout (pip starts builders).
    """
    with subprocess.Popen(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            raise SmokeFailure(
                f"{what}: no answer within {timeout:.0f} s\n{_tail(stderr)}"
            ) from None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # anything it left behind
    if process.returncode != 0:
        raise SmokeFailure(
            f"{what}: exit {process.returncode}\n"
            f"--- stdout\n{_tail(stdout)}\n--- stderr\n{_tail(stderr)}"
        )
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _tail(text: str | bytes | None, lines: int = 25) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return "\n".join((text or "").splitlines()[-lines:])


def source_files() -> list[Path]:
    """What a fresh clone holds (tracked and new files, minus .gitignore), relative paths."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT,
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout
    names = [Path(n) for n in listed.decode().split("\0") if n]
    return [n for n in names if (CHECKOUT / n).is_file()]


def build_wheel(smoke: Smoke) -> Path:
    source = smoke.work / "source"
    for name in source_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CHECKOUT / name, target)
    out = smoke.work / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, source],
        what="pip wheel",
        timeout=300,
        cwd=smoke.work,
    )
    (wheel,) = out.glob("gopy_bot-*.whl")
    return wheel


def check_contents(wheel: Path) -> None:
    """Every file of the packages in the source (data included) is in the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    expected = {
        name.as_posix()
        for name in source_files()
        if name.parts[0] in PACKAGES and "__pycache__" not in name.parts
    }
    missing = sorted(expected - shipped)
    if missing:
        raise SmokeFailure(
            "these files of the source are missing from the wheel (pyproject.toml "
            "[tool.setuptools.package-data]):\n  " + "\n  ".join(missing)
        )


def make_venv(smoke: Smoke, wheel: Path) -> Path:
    venv = smoke.work / "venv"
    run([sys.executable, "-m", "venv", venv], what="python -m venv", timeout=120, cwd=smoke.work)
    run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel],
        what=f"pip install {wheel.name} (dependencies from the package index)",
        timeout=900,
        cwd=smoke.work,
    )
    return venv


def clean_env(venv: Path, database: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DROPPED and (not k.startswith("GOPY_") or k in KEPT_GOPY)
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONNOUSERSITE"] = "1"
    env["GOPY_DATABASE_URL"] = f"sqlite+aiosqlite:///{database}"
    env["GOPY_TELEGRAM_BOT_USERNAME"] = BOT_USERNAME
    return env


def check_modules_come_from_the_venv(venv: Path, here: Path, env: dict[str, str]) -> None:
    code = "import " + ", ".join(PACKAGES) + "\n"
    code += "".join(f"print({p}.__file__)\n" for p in PACKAGES)
    result = run(
        [venv / "bin" / "python", "-c", code],
        what="import the packages",
        timeout=60,
        cwd=here,
        env=env,
    )
    for line in result.stdout.splitlines():
        if not Path(line).resolve().is_relative_to(venv.resolve()):
            raise SmokeFailure(f"a package is imported from outside the venv: {line}")


def check_docx(path: Path) -> None:
    from docx import Document

    if not zipfile.is_zipfile(path):
        raise SmokeFailure(f"gopy export wrote {path.name}, which is not a DOCX (not a zip)")
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    if "Ngọc Hà" not in text:
        raise SmokeFailure(f"the letter {path.name} does not name the demo ward:\n{text[:500]}")


def check_drafts(database: Path) -> None:
    """``gopy demo`` drew every demo draft as a PDF (from the wheel's demo_campaign.yaml)."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        rows = db.execute(
            "SELECT d.code, f.content_type, substr(f.data, 1, 5), f.size FROM document d "
            "LEFT JOIN document_file f ON f.document_id = d.id ORDER BY d.position"
        ).fetchall()
    kept = [(code, kind, head) for code, kind, head, _size in rows]
    if not rows or any(k[1:] != ("application/pdf", b"%PDF-") for k in kept):
        raise SmokeFailure(f"gopy demo did not keep a PDF for each draft: {kept}")
    sizes = ", ".join(f"{code} {size / 1024:.0f} KiB" for code, _k, _h, size in rows)
    print(f"wheel smoke: demo drafts: {sizes}", flush=True)


def check_png(path: Path, *, link: bool) -> None:
    from PIL import Image

    data = path.read_bytes() if path.exists() else b""
    if not data.startswith(PNG_SIGNATURE):
        raise SmokeFailure(f"gopy qr did not write a PNG to {path.name}")
    image = Image.open(io.BytesIO(data))
    image.load()
    if link:
        import zxingcpp

        found = [r.text for r in zxingcpp.read_barcodes(image)]
        if not any(f"https://t.me/{BOT_USERNAME}?start=" in t for t in found):
            raise SmokeFailure(f"the QR code of {path.name} holds {found}, not a deep link")


def vietnamese_strings() -> set[str]:
    """The translated strings of the checkout's Vietnamese catalogue (long enough to be sure)."""
    po = CHECKOUT / "bot" / "locales" / "vi" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale="vi")
    found: set[str] = set()
    for message in catalog:
        text = message.string
        translated = isinstance(message.id, str) and message.id != text
        if translated and isinstance(text, str) and len(text) >= 20:
            found.add(text)
    return found


def _log(path: Path) -> str:
    return _tail(path.read_bytes())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def answer_one_update(
    venv: Path, here: Path, env: dict[str, str], poster: str, desk_link: str
) -> str:
    """``gopy run`` polls the fake Bot API, answers ``/help``, serves the landing page and the
    full draft of the poster code ``poster``, opens the desk from ``desk_link`` (templates and
    catalogue read from the wheel), and stops on SIGINT."""
    fake = FakeTelegram()
    fake.pending.append(command_update(1, CHAT_ID, "/help"))
    server, api_url = await serve(fake)
    port = free_port()
    env = env | {
        "GOPY_TELEGRAM_TOKEN": "42:SMOKE",
        "GOPY_TELEGRAM_API_URL": api_url,
        "GOPY_WEB_PORT": str(port),
        "GOPY_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    log = here / "gopy-run.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            str(venv / "bin" / "gopy"),
            "run",
            cwd=here,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            reply = await _reply(fake, process, log)
            await check_landing(f"http://127.0.0.1:{port}", poster, log)
            await check_desk(f"http://127.0.0.1:{port}", desk_link, log)
            process.send_signal(signal.SIGINT)
            try:
                code = await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                raise SmokeFailure(
                    f"gopy run did not stop within 30 s of Ctrl-C\n{_log(log)}"
                ) from None
            if code != 0:
                raise SmokeFailure(f"gopy run stopped with exit {code}\n{_log(log)}")
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
            await server.cleanup()
    return reply


async def _reply(fake: FakeTelegram, process: asyncio.subprocess.Process, log: Path) -> str:
    """The text of the first sendMessage to the chat, waiting on the fake's event (≤ 90 s)."""
    deadline = asyncio.get_running_loop().time() + 90
    exited = asyncio.ensure_future(process.wait())
    try:
        while True:
            for call in fake.calls:
                if call.method == "sendMessage" and call.chat_id == CHAT_ID:
                    return call.text
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise SmokeFailure("gopy run did not answer /help within 90 s\n" + _log(log))
            fake.sent.clear()
            sent = asyncio.ensure_future(fake.sent.wait())
            await asyncio.wait({sent, exited}, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            sent.cancel()
            if exited.done():
                raise SmokeFailure(
                    f"gopy run exited ({process.returncode}) before answering /help\n" + _log(log)
                )
    finally:
        exited.cancel()


async def check_landing(base: str, poster: str, log: Path) -> None:
    """The poster's landing page in Vietnamese, and its full draft as a PDF."""
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{base}/q/{poster}") as response:
            page = await response.text()
            if response.status != 200 or "Góp ý ngay trên trang này" not in page:
                raise SmokeFailure(
                    f"gopy run served /q/{poster} with {response.status} and no Vietnamese "
                    f"landing page (templates or catalogue missing from the wheel?):\n"
                    f"{page[:2000]}\n{_log(log)}"
                )
        async with client.get(f"{base}/q/{poster}/draft") as response:
            body = await response.read()
            if response.status != 200 or not body.startswith(b"%PDF-"):
                raise SmokeFailure(
                    f"gopy run served /q/{poster}/draft with {response.status}, not a PDF"
                )


async def check_desk(base: str, link: str, log: Path) -> None:
    """The desk opened from a ``gopy web-link`` link: its button, the session, the board."""
    path = urlsplit(link).path
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        async with client.get(base + path) as response:
            page = await response.text()
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        if response.status != 200 or "Mở bàn làm việc" not in page or token is None:
            raise SmokeFailure(
                f"gopy run served the desk's link {path} with {response.status} and no "
                f"Vietnamese sign-in page:\n{page[:2000]}\n{_log(log)}"
            )
        async with client.post(base + path, data={"csrf": token[1]}) as response:
            board = await response.text()
            if response.status != 200 or "Bảng theo dõi" not in board:
                raise SmokeFailure(
                    f"signing in to the desk ended on {response.url} with {response.status}, "
                    f"not the board:\n{board[:2000]}\n{_log(log)}"
                )


def check_reply(reply: str) -> None:
    if not any(text in reply for text in vietnamese_strings()):
        raise SmokeFailure(
            "gopy run answered /help without any Vietnamese string of bot/locales/vi: "
            f"the catalogues did not load from the wheel. It said:\n{reply}"
        )


def smoke(smoke: Smoke) -> None:
    work = smoke.work
    with smoke.step("build the wheel from a clean copy of the source"):
        wheel = build_wheel(smoke)
        print(f"wheel smoke: {wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB", flush=True)
    with smoke.step("fresh venv outside the checkout, pip install the wheel"):
        venv = make_venv(smoke, wheel)
    here = work / "office"
    here.mkdir()
    env = clean_env(venv, here / "gopy.db")
    gopy = venv / "bin" / "gopy"

    def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return run(
            [gopy, *args], what="gopy " + " ".join(args), timeout=timeout, cwd=here, env=env
        )

    with smoke.step("the packages are imported from the venv"):
        check_modules_come_from_the_venv(venv, here, env)
    with smoke.step("gopy --help"):
        cli("--help")
    with smoke.step("gopy db upgrade"):
        cli("db", "upgrade")
    with smoke.step("gopy demo"):
        output = cli("demo").stdout
        units = ("Đảng bộ Thành phố Hà Nội", "phường Ngọc Hà", "phường Giảng Võ")
        codes = re.findall(r"[A-Z0-9]{5}-[A-Z0-9]{5}", output)
        if not all(unit in output for unit in units) or len(codes) != 22:
            raise SmokeFailure(f"gopy demo printed no city, wards and 22 invite codes:\n{output}")
        check_drafts(here / "gopy.db")
    with smoke.step("gopy remind --dry-run"):
        cli("remind", "--dry-run")
    with smoke.step("gopy export --format docx"):
        cli("export", "--unit", "NGOCHA", "--format", "docx", "--out", "report.docx")
        check_docx(here / "report.docx")
    with smoke.step("gopy qr --out --poster"):
        printed = cli(
            "qr", "dh14", "--document", "bctt", "--out", "qr.png", "--poster", "poster.png"
        ).stdout
        poster_codes = re.findall(r"GY-[A-Z0-9]{5}", printed)
        if not poster_codes:
            raise SmokeFailure(f"gopy qr printed no poster code:\n{printed}")
        check_png(here / "qr.png", link=True)
        check_png(here / "poster.png", link=False)
        cli("qr", "dh14", "--document", "bctt", "--poster", "poster.pdf", "--size", "a4")
        if not (here / "poster.pdf").read_bytes().startswith(b"%PDF-"):
            raise SmokeFailure("gopy qr did not write a PDF poster")
    with smoke.step("gopy web-link --unit --name"):
        desk_link = cli("web-link", "--unit", "NGOCHA", "--name", "Văn phòng Đảng ủy").stdout
        if "/desk/signin/" not in desk_link:
            raise SmokeFailure(f"gopy web-link printed no desk link:\n{desk_link}")
    with smoke.step("gopy run answers /help, serves a poster's page and opens the desk"):
        reply = asyncio.run(answer_one_update(venv, here, env, poster_codes[0], desk_link.strip()))
        check_reply(reply)
    # Last: it catches a data file that none of the commands above happened to read.
    with smoke.step("the wheel holds every file of the packages"):
        check_contents(wheel)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gopy-wheel-smoke-"))
    if work.resolve().is_relative_to(CHECKOUT):
        raise SystemExit(f"the temporary folder {work} is inside the checkout; set TMPDIR")
    state = Smoke(work)
    started = time.monotonic()
    try:
        smoke(state)
    except SmokeFailure as failure:
        print(f"\nwheel smoke FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    finally:
        if options.keep:
            print(f"wheel smoke: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"wheel smoke: all {len(state.steps)} checks passed in {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
