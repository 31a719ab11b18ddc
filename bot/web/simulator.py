"""The simulator's JSON API: personas, typing, pressing buttons, and long-polling the chat."""

from __future__ import annotations

import itertools
import json
import math
import mimetypes
import time
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Message
from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.channels import updates
from bot.channels.local import ChatMessage, Hub
from storage.codes import invite_payload
from storage.database import SessionFactory
from storage.forms import MAX_TEXT
from storage.invites import create_invites
from storage.models import Person, Role, RoleKind, Unit, UnitLevel

NAMES = (
    "Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Cường", "Phạm Thu Dung", "Hoàng Quốc Duy",
    "Vũ Thị Hà", "Đặng Văn Hải", "Bùi Thị Hạnh", "Đỗ Minh Khoa", "Ngô Thị Lan",
    "Dương Văn Long", "Lý Thị Mai", "Phan Văn Nam", "Tạ Thị Ngọc", "Cao Minh Phúc",
    "Lương Thị Quỳnh", "Đinh Văn Tâm", "Hồ Thị Thu", "Kiều Văn Toàn", "Mạc Thị Uyên",
    "Chu Văn Việt", "Lò Thị Xuân", "Tô Minh Yên", "Quách Thị Yến",
)  # fmt: skip
OFFICIAL_NAMES = ("Trịnh Văn Sơn", "Nguyễn Thị Hằng", "Lê Quang Huy", "Phạm Thị Nga")
# Persona ids are stable (the transcripts are kept by id): cells in import order from 1001,
# the wards' officials from 2001, the city's official at 2501.
SECRETARY_BASE = 1001
OFFICIAL_ID = 2001
CITY_OFFICIAL_ID = 2501
CITIZEN_ID = 3001
CITY_OFFICIAL_NAME = "Hoàng Minh Tuấn"
MAX_WAIT = 25.0


CHATS_FOLDER = "simulator-chats"


def chats_folder(database_url: str) -> Path | None:
    """Where the simulator keeps its transcripts: a folder beside the SQLite database whose
    people and reports they talk about (server-side, like a messenger's history, and not in
    the browser: the ids of old buttons must match the bot's). None for a server database."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().parent / CHATS_FOLDER


@dataclass(frozen=True, slots=True)
class Persona:
    id: int
    name: str
    role: str
    unit: Unit | None
    # The heading the page lists the persona under: the ward (or city) it belongs to.
    group: str | None = None


class Simulator:
    """Turns page actions into real ``Update``s fed to the Dispatcher."""

    def __init__(self, dp: Dispatcher, bot: Bot, hub: Hub, sessions: SessionFactory) -> None:
        self.dp, self.bot, self.hub, self.sessions = dp, bot, hub, sessions
        # Update ids must not repeat across restarts: re-used ones would be dropped as
        # re-deliveries by the dedupe table.
        self._update_ids = itertools.count(time.time_ns() // 1000)

    async def personas(self) -> list[Persona]:
        """People to play: a secretary per cell, an official per ward, one of the city, and a
        citizen. The first units in import order only: a real city is too big for a picker.

        Listed from the top as the page groups them: the city's official, then each ward's
        official and its cells' secretaries."""
        async with self.sessions() as session:
            cells = await _first(session, UnitLevel.CELL, len(NAMES))
            wards = await _first(session, UnitLevel.WARD, len(OFFICIAL_NAMES))
            city = next(iter(await _first(session, UnitLevel.CITY, 1)), None)
        found: list[Persona] = []
        if city is not None:
            found.append(
                Persona(
                    CITY_OFFICIAL_ID, CITY_OFFICIAL_NAME, RoleKind.OFFICIAL.value, city, city.name
                )
            )
        secretaries = [
            Persona(SECRETARY_BASE + i, NAMES[i], RoleKind.SECRETARY.value, cell)
            for i, cell in enumerate(cells)
        ]
        for i, ward in enumerate(wards):
            found.append(
                Persona(
                    OFFICIAL_ID + i, OFFICIAL_NAMES[i], RoleKind.OFFICIAL.value, ward, ward.name
                )
            )
            found += [
                replace(s, group=ward.name)
                for s in secretaries
                if s.unit is not None and s.unit.parent_id == ward.id
            ]
        found += [s for s in secretaries if not _under(s, wards)]
        found.append(Persona(CITIZEN_ID, "Mai Thị Thảo", "citizen", None))
        return found

    async def persona(self, persona_id: int) -> Persona | None:
        return next((p for p in await self.personas() if p.id == persona_id), None)

    async def joined(self, persona: Persona) -> bool:
        if persona.unit is None:
            return True
        async with self.sessions() as session:
            role = (
                await session.execute(
                    select(Role.id)
                    .join(Person, col(Person.id) == Role.person_id)
                    .where(
                        Person.channel == "local",
                        Person.external_id == str(persona.id),
                        Role.unit_id == persona.unit.id,
                        col(Role.active).is_(True),
                    )
                )
            ).first()
        return role is not None

    async def join(self, persona: Persona) -> None:
        """Play the real invite flow: an official issues a code, the persona sends it."""
        assert persona.unit is not None
        async with self.sessions() as session:
            (code,) = await create_invites(
                session=session,
                unit=persona.unit,
                role=RoleKind(persona.role),
                key=self.dp["server_key"],
                now=self.hub.clock.now(),
            )
            await session.commit()
        await self.say(persona, f"/start {invite_payload(code)}")

    async def say(self, persona: Persona, text: str) -> None:
        sender = updates.user(persona.id, persona.name)
        message_id = self.hub.next_message_id()
        await self.hub.record(persona.id, ChatMessage(message_id, "user", text))
        update = updates.text_update(
            update_id=next(self._update_ids),
            sender=sender,
            text=text,
            message_id=message_id,
            date=self.hub.clock.now(),
        )
        await self.dp.feed_update(self.bot, update)

    async def press(self, persona: Persona, message_id: int, data: str) -> bool:
        shown = self.hub.chat(persona.id).messages.get(message_id)
        if shown is None or shown.sender != "bot":
            return False
        sender = updates.user(persona.id, persona.name)
        message = Message(
            message_id=message_id,
            date=self.hub.clock.now(),
            chat=updates.private_chat(persona.id),
            from_user=self.hub.bot_user(),
            text=shown.text,
        )
        update_id = next(self._update_ids)
        await self.dp.feed_update(
            self.bot,
            updates.callback_update(
                update_id=update_id,
                sender=sender,
                data=data,
                message=message,
                callback_id=f"{persona.id}:{update_id}",
            ),
        )
        return True


def _under(persona: Persona, wards: list[Unit]) -> bool:
    return persona.unit is not None and any(persona.unit.parent_id == w.id for w in wards)


async def _first(session: AsyncSession, level: UnitLevel, count: int) -> list[Unit]:
    """The first ``count`` units of a level in the order they were imported (the demo's file
    order: Ngọc Hà's cells before Giảng Võ's, whatever their codes)."""
    query = select(Unit).where(Unit.level == level).order_by(col(Unit.id)).limit(count)
    return list((await session.execute(query)).scalars().all())


def _error(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status)


def _number(raw: str) -> int | None:
    """A number in a URL, or None: ASCII digits only ("²" is a digit to isdigit(), and int()
    fails on it) and few of them (int() refuses more than 4,300 digits)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


async def _body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def routes(sim: Simulator) -> list[web.RouteDef]:
    async def page(_request: web.Request) -> web.Response:
        html = resources.files("bot.web").joinpath("simulator.html").read_text("utf-8")
        return web.Response(text=html, content_type="text/html")

    async def personas(_request: web.Request) -> web.Response:
        out = []
        for p in await sim.personas():
            out.append(
                {
                    "id": p.id,
                    "name": p.name,
                    "role": p.role,
                    "unit": p.unit.name if p.unit else None,
                    "group": p.group,
                    "joined": await sim.joined(p),
                }
            )
        return web.json_response({"personas": out})

    async def persona_of(value: Any) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        return await sim.persona(value)

    async def join(request: web.Request) -> web.Response:
        raw = request.match_info["persona"]
        persona = await persona_of(_number(raw))
        if persona is None or persona.unit is None:
            return _error(404, "unknown persona")
        await sim.join(persona)
        return web.json_response({"ok": True})

    async def send(request: web.Request) -> web.Response:
        body = await _body(request)
        if body is None:
            return _error(400, "expected a JSON object")
        persona = await persona_of(body.get("persona"))
        text = body.get("text")
        if persona is None:
            return _error(404, "unknown persona")
        # Telegram itself refuses empty and over-long messages; the simulator mirrors it, with
        # a margin so the bot's own "too long" answer can still be tried from the page.
        if not isinstance(text, str) or not text.strip() or len(text) > 2 * MAX_TEXT:
            return _error(400, "text must be 1–8000 characters")
        await sim.say(persona, text)
        return web.json_response({"ok": True})

    async def press(request: web.Request) -> web.Response:
        body = await _body(request)
        if body is None:
            return _error(400, "expected a JSON object")
        persona = await persona_of(body.get("persona"))
        message_id, data = body.get("message_id"), body.get("data")
        if persona is None:
            return _error(404, "unknown persona")
        if not isinstance(message_id, int) or not isinstance(data, str) or len(data) > 64:
            return _error(400, "message_id and data are required")
        if not await sim.press(persona, message_id, data):
            return _error(404, "unknown message")
        return web.json_response({"ok": True})

    async def messages(request: web.Request) -> web.Response:
        try:
            persona_id = int(request.query.get("persona", ""))
            after = max(0, int(request.query.get("after", "0")))
            wait = float(request.query.get("wait", MAX_WAIT))
            if not math.isfinite(wait):
                raise ValueError("wait")
            wait = min(MAX_WAIT, max(0.0, wait))
        except ValueError:
            return _error(400, "persona, after and wait must be numbers")
        persona = await sim.persona(persona_id)
        if persona is None:
            return _error(404, "unknown persona")
        found, last = await sim.hub.since(persona_id, after, wait)
        chat = sim.hub.chat(persona_id)
        keyboard = chat.keyboard
        return web.json_response(
            {
                "messages": [
                    {**m.public(), "keyboard": keyboard if m.sender == "bot" else None}
                    for m in found
                ],
                "keyboard": chat.keyboard,
                "last": last,
                # The badge follows the chat: joining by typing a code shows without a reload.
                "joined": await sim.joined(persona),
            }
        )

    async def sent_file(request: web.Request) -> web.Response:
        raw = request.match_info["file"]
        number = _number(raw)
        kept = sim.hub.files.get(number) if number is not None else None
        if kept is None:
            return _error(404, "unknown file")
        kind = mimetypes.guess_type(kept.name)[0] or "application/octet-stream"
        # Pictures and PDFs open in the tab; spreadsheets download.
        disposition = "inline" if kind in ("image/png", "application/pdf") else "attachment"
        return web.Response(
            body=kept.data,
            content_type=kind,
            headers={"Content-Disposition": f'{disposition}; filename="{kept.name}"'},
        )

    return [
        web.get("/", page),
        web.get("/api/files/{file}", sent_file),
        web.get("/api/personas", personas),
        web.post("/api/personas/{persona}/join", join),
        web.post("/api/send", send),
        web.post("/api/press", press),
        web.get("/api/messages", messages),
    ]
