"""Random sequences of new comments, regrouping, placing, renames, merges, moves and defined
themes, on a SQLite file: every counted comment is in at most one live theme, pinned comments
never move, officials' names stay, merged themes never come back, counts add up."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select as sa_select
from sqlmodel import col

from storage.models import Comment, CommentStatus, CommentTheme
from storage.themes import (
    COMMENT_ID,
    define,
    live_themes,
    merge,
    move,
    place_new,
    regroup,
    rename,
    scope_themes,
    theme_counts,
)
from tests.integration.sqlite_machine import SqliteMachine
from tests.seed import seed_ward
from tests.themes_seed import GROUPS, NOW, Writer

TEXTS = [text for texts in GROUPS.values() for text in texts] + [
    "Hội trường tổ dân phố cần sửa mái",
    "Đề nghị tăng cường chuyển đổi số ở phường",
    "",
]


class ThemesMachine(SqliteMachine):
    prefix = "themes-"

    def __init__(self) -> None:
        super().__init__()
        self.pinned: dict[int, int] = {}  # comment → the theme an official put it in
        self.names: dict[int, str] = {}  # theme → the name an official gave it
        self.merged: set[int] = set()

    @initialize()
    def seed(self) -> None:
        async def build() -> Writer:
            async with self.sessions() as session:
                writer = Writer(await seed_ward(session))
                # Start from a grouped section: edits and regrouping meet from the first step.
                await writer.add_groups(session)
                await regroup(session=session, scope=writer.scope, now=NOW)
                await session.commit()
                return writer

        self.writer = self.run(build())

    async def _live(self) -> list[int]:
        async with self.sessions() as session:
            return [
                t.id
                for t in await live_themes(session=session, scope=self.writer.scope)
                if t.id is not None
            ]

    async def _comments(self) -> list[int]:
        async with self.sessions() as session:
            return list((await session.execute(sa_select(COMMENT_ID))).scalars().all())

    @rule(text=st.sampled_from(TEXTS), spam=st.booleans())
    def comment(self, text: str, spam: bool) -> None:
        async def add() -> None:
            async with self.sessions() as session:
                status = CommentStatus.SPAM if spam and text else CommentStatus.RECEIVED
                await self.writer.add(session, text, status=status)
                await session.commit()

        self.run(add())

    @rule()
    def regroup(self) -> None:
        async def go() -> None:
            async with self.sessions() as session:
                await regroup(session=session, scope=self.writer.scope, now=NOW)
                await session.commit()

        self.run(go())

    @rule()
    def place(self) -> None:
        async def go() -> None:
            async with self.sessions() as session:
                await place_new(session=session, scope=self.writer.scope)
                await session.commit()

        self.run(go())

    @rule(pick=st.integers(0, 20), name=st.sampled_from(["Đất đai", "Trường lớp", "Khác nữa"]))
    def rename(self, pick: int, name: str) -> None:
        live = self.run(self._live())
        if not live:
            return
        theme_id = live[pick % len(live)]

        async def go() -> None:
            async with self.sessions() as session:
                await rename(session=session, theme_id=theme_id, label=name, now=NOW)
                await session.commit()

        self.run(go())
        self.names[theme_id] = name

    @rule(a=st.integers(0, 20), b=st.integers(0, 20))
    def merge(self, a: int, b: int) -> None:
        live = self.run(self._live())
        if len(live) < 2 or a % len(live) == b % len(live):
            return
        source, target = live[a % len(live)], live[b % len(live)]

        async def go() -> None:
            async with self.sessions() as session:
                await merge(session=session, source_id=source, target_id=target, now=NOW)
                await session.commit()

        self.run(go())
        self.merged.add(source)
        self.pinned = {c: target if t == source else t for c, t in self.pinned.items()}

    @rule(c=st.integers(0, 100), t=st.integers(0, 20))
    def move(self, c: int, t: int) -> None:
        live, comments = self.run(self._live()), self.run(self._comments())
        if not live or not comments:
            return
        comment_id, theme_id = comments[c % len(comments)], live[t % len(live)]

        async def go() -> None:
            async with self.sessions() as session:
                await move(session=session, comment_id=comment_id, theme_id=theme_id, now=NOW)
                await session.commit()

        self.run(go())
        self.pinned[comment_id] = theme_id

    @rule()
    def define(self) -> None:
        async def go() -> int:
            async with self.sessions() as session:
                theme = await define(
                    session=session,
                    scope=self.writer.scope,
                    label="Giao thông công cộng",
                    keywords=["xe buýt điện"],
                    now=NOW,
                )
                await session.commit()
                assert theme.id is not None
                return theme.id

        self.names[self.run(go())] = "Giao thông công cộng"

    @invariant()
    def kept(self) -> None:
        if not hasattr(self, "writer"):
            return

        async def read() -> None:
            async with self.sessions() as session:
                themes = {
                    t.id: t for t in await scope_themes(session=session, scope=self.writer.scope)
                }
                rows = (
                    await session.execute(
                        sa_select(
                            COMMENT_ID,
                            col(Comment.theme_id),
                            col(Comment.theme_pinned),
                            col(Comment.status),
                        )
                    )
                ).all()
                counted = 0
                for comment_id, theme_id, pinned, status in rows:
                    if status is CommentStatus.SPAM:
                        continue
                    counted += 1
                    if theme_id is not None:
                        theme: CommentTheme | None = themes.get(theme_id)
                        assert theme is not None and theme.merged_into_id is None
                    if comment_id in self.pinned:
                        assert pinned and theme_id == self.pinned[comment_id], "pinned moved"
                for theme_id in self.merged:
                    merged = themes.get(theme_id)
                    assert merged is not None and merged.merged_into_id is not None
                for theme_id, name in self.names.items():
                    named = themes.get(theme_id)
                    assert named is not None, "an official's theme is never removed"
                    assert named.label == name and named.renamed
                counts = await theme_counts(session=session, scope=self.writer.scope, quotes=0)
                assert sum(t.count for t in counts) == counted

        self.run(read())


def test_themes_machine(sqlite_template: Path) -> None:
    ThemesMachine.template = sqlite_template
    run_state_machine_as_test(
        ThemesMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
