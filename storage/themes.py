"""Groups of opinions («nhóm ý kiến») of one document and section, stored.

Re-grouping finds the themes again with the engine (``bot.themes``) and keeps what officials
did. Groups found are matched to the previous automatic themes by their members (Jaccard), so
a theme's id and an official's name for it survive a re-run; a theme others were merged into
also takes the groups mostly made of its members, so a merge holds; a theme an official
defined takes the comments ``assign`` puts into it; a pinned (moved) comment never moves.
New comments between runs go into the themes they are near (``place_new``), with the
examples officials' moves gave them.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, delete, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.themes import Defined, Doc, assign, discover, representative
from storage.comments import COUNTED
from storage.completeness import subtree
from storage.forms import InvalidValue, clean_text
from storage.models import (
    Comment,
    CommentStatus,
    CommentTheme,
    Document,
    Section,
    ThemeOrigin,
)

# A found group takes the id (and an official's name) of the previous theme it shares at least
# this share of members with.
MATCH = 0.25
# Examples a theme keeps (an official's moves, a merged theme's quotes): the newest win.
MAX_EXAMPLES = 20
# Members' texts a theme lends ``assign`` when new comments are placed: bounds the cost.
SAMPLE = 20
LABEL_LENGTH = 120
_CHUNK = 1000  # ids per UPDATE … IN (…): well under either database's parameter limit
# Primary keys read back from the database are never NULL.
COMMENT_ID = cast("ColumnElement[int]", col(Comment.id))
THEME_ID = cast("ColumnElement[int]", col(CommentTheme.id))


@dataclass(frozen=True, slots=True)
class Scope:
    """What is grouped: the comments on one document and section (None: on the document, or
    the campaign, as a whole)."""

    campaign_id: int
    document_id: int | None = None
    section_id: int | None = None

    @classmethod
    def of(cls, item: Comment | CommentTheme) -> Scope:
        return cls(item.campaign_id, item.document_id, item.section_id)


def _within(model: type[Comment] | type[CommentTheme], scope: Scope) -> list[ColumnElement[bool]]:
    def same(column: Any, value: int | None) -> ColumnElement[bool]:
        return col(column).is_(None) if value is None else col(column) == value

    return [
        col(model.campaign_id) == scope.campaign_id,
        same(model.document_id, scope.document_id),
        same(model.section_id, scope.section_id),
    ]


def _counted() -> ColumnElement[bool]:
    return col(Comment.status).in_(COUNTED)


async def scope_themes(*, session: AsyncSession, scope: Scope) -> list[CommentTheme]:
    """Every theme of ``scope`` ever made, merged ones too, oldest first."""
    result = await session.execute(
        select(CommentTheme).where(*_within(CommentTheme, scope)).order_by(col(CommentTheme.id))
    )
    return list(result.scalars().all())


async def live_themes(*, session: AsyncSession, scope: Scope) -> list[CommentTheme]:
    """The themes of ``scope`` not merged into another, oldest first."""
    return [
        t for t in await scope_themes(session=session, scope=scope) if t.merged_into_id is None
    ]


def _final(by_id: dict[int, CommentTheme], theme_id: int | None) -> int | None:
    """The live theme ``theme_id`` ended up in, following merges."""
    for _hop in range(32):
        theme = by_id.get(theme_id) if theme_id is not None else None
        if theme is None or theme.merged_into_id is None:
            return theme_id if theme is not None else None
        theme_id = theme.merged_into_id
    return None


def _defined(theme: CommentTheme) -> Defined:
    assert theme.id is not None
    return Defined(theme.id, theme.label, tuple(theme.keywords), tuple(theme.examples))


def _jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


@dataclass(frozen=True, slots=True)
class Regrouped:
    themes: int  # live themes after the run
    grouped: int  # counted comments in a theme
    other: int  # counted comments in none («Ý kiến khác»)


async def regroup(*, session: AsyncSession, scope: Scope, now: datetime) -> Regrouped:
    """Group the counted comments of ``scope`` again, keeping officials' edits."""
    themes = await scope_themes(session=session, scope=scope)
    by_id = {t.id: t for t in themes if t.id is not None}
    live = {i: t for i, t in by_id.items() if t.merged_into_id is None}
    rows = (
        await session.execute(
            sa_select(
                COMMENT_ID, col(Comment.text), col(Comment.theme_id), col(Comment.theme_pinned)
            )
            .where(*_within(Comment, scope), _counted())
            .order_by(col(Comment.id))
        )
    ).all()
    previous: dict[int, set[int]] = defaultdict(set)
    current: dict[int, int | None] = {}
    placement: dict[int, int | None] = {}
    free: list[Doc] = []
    for comment_id, text, theme_id, pinned in rows:
        current[comment_id] = theme_id
        final = _final(by_id, theme_id)
        if final is not None:
            previous[final].add(comment_id)
        if pinned and final is not None:
            placement[comment_id] = final
        else:
            free.append(Doc(comment_id, text))
    # Seconds of computing on a large section: off the event loop, so the bot keeps answering.
    found = await asyncio.to_thread(discover, free, seed=0) if free else []
    targets = {t.merged_into_id for t in themes if t.merged_into_id is not None}
    automatic = {i: previous[i] for i, t in live.items() if t.origin is ThemeOrigin.AUTO}
    matched = _match(found, automatic, targets)
    groups: dict[int, list[int]] = {}
    for index, group in enumerate(found):
        theme = live.get(matched[index]) if index in matched else None
        if theme is None:
            theme = await _new_theme(session, scope, group.label, now)
            assert theme.id is not None
            live[theme.id] = theme
        elif not theme.renamed and theme.id not in groups and theme.label != group.label:
            theme.label = group.label[:LABEL_LENGTH]
            theme.updated_at = now
            session.add(theme)
        assert theme.id is not None
        groups.setdefault(theme.id, []).extend(group.members)
        placement.update(dict.fromkeys(group.members, theme.id))
    defined = [t for t in live.values() if t.origin is ThemeOrigin.DEFINED]
    if defined and free:
        placement.update(_to_defined(free, defined, groups))
    changed: dict[int | None, list[int]] = defaultdict(list)
    for comment_id, theme_id in current.items():
        target = placement.get(comment_id)
        if target != theme_id:
            changed[target].append(comment_id)
    for target, ids in changed.items():
        await _set_theme(session, ids, target)
    kept = set(placement.values())
    gone = [
        i
        for i, t in live.items()
        if i not in kept and not t.renamed and t.origin is ThemeOrigin.AUTO and i not in targets
    ]
    if gone:
        # Withdrawn or spam comments may still point at them.
        await session.execute(
            update(Comment).where(col(Comment.theme_id).in_(gone)).values(theme_id=None)
        )
        await session.execute(delete(CommentTheme).where(col(CommentTheme.id).in_(gone)))
    await session.flush()
    grouped = sum(1 for v in placement.values() if v is not None)
    return Regrouped(len(live) - len(gone), grouped, len(current) - grouped)


async def _new_theme(
    session: AsyncSession, scope: Scope, label: str, now: datetime
) -> CommentTheme:
    theme = CommentTheme(
        campaign_id=scope.campaign_id,
        document_id=scope.document_id,
        section_id=scope.section_id,
        label=label[:LABEL_LENGTH],
        created_at=now,
        updated_at=now,
    )
    session.add(theme)
    await session.flush()
    return theme


def _match(
    found: Sequence[Any], previous: dict[int, set[int]], merged: set[int]
) -> dict[int, int]:
    """Found group index → the previous automatic theme it continues: one to one, the largest
    overlaps first; then a group left over whose members were mostly in a theme an official
    merged others into goes there too (the merge holds)."""
    sets = [set(group.members) for group in found]
    scored = (
        (_jaccard(sets[index], members), index, theme_id)
        for index in range(len(found))
        for theme_id, members in previous.items()
        if members and not sets[index].isdisjoint(members)
    )
    pairs = sorted(
        (-score, index, theme_id) for score, index, theme_id in scored if score >= MATCH
    )
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for _score, index, theme_id in pairs:
        if index not in matched and theme_id not in taken:
            matched[index] = theme_id
            taken.add(theme_id)
    for index, members in enumerate(sets):
        for theme_id in sorted(merged & previous.keys()):
            if index not in matched and 2 * len(members & previous[theme_id]) > len(members):
                matched[index] = theme_id
    return matched


def _to_defined(
    free: Sequence[Doc], defined: Sequence[CommentTheme], groups: dict[int, list[int]]
) -> dict[int, int]:
    """The comments nearer to a theme an official defined than to the group found for them.

    Each group competes through ``assign`` with the examples of its other half (so a comment
    is never compared with itself): a defined theme takes what is near it, not every comment
    an engine would give the only theme it is offered.
    """
    texts = {d.key: d.text for d in free}
    named = [_defined(t) for t in defined]
    ids = {t.key for t in named}
    taken: dict[int, int] = {}

    def rival(key: int, label: str, members: Sequence[int]) -> Defined:
        return Defined(key, label, (), tuple(texts[m] for m in members[:SAMPLE]))

    grouped: set[int] = set()
    for theme_id, members in sorted(groups.items()):
        grouped.update(members)
        halves = (members[0::2], members[1::2])
        for mine, other in (halves, halves[::-1]):
            if not mine:
                continue
            rivals = [rival(theme_id, "", other)] if other else []
            chosen = assign([Doc(m, texts[m]) for m in mine], [*named, *rivals])
            taken.update({k: v for k, v in chosen.items() if v in ids and v is not None})
    loose = [d for d in free if d.key not in grouped]
    if loose:
        rivals = [rival(i, "", members) for i, members in sorted(groups.items())]
        chosen = assign(loose, [*named, *rivals])
        taken.update({k: v for k, v in chosen.items() if v in ids and v is not None})
    return taken


async def _set_theme(session: AsyncSession, ids: Sequence[int], theme_id: int | None) -> None:
    for start in range(0, len(ids), _CHUNK):
        await session.execute(
            update(Comment)
            .where(col(Comment.id).in_(ids[start : start + _CHUNK]))
            .values(theme_id=theme_id)
        )


async def _member_texts(session: AsyncSession, theme_id: int, limit: int) -> list[str]:
    result = await session.execute(
        select(col(Comment.text))
        .where(col(Comment.theme_id) == theme_id, _counted())
        .order_by(col(Comment.id).desc())
        .limit(limit)
    )
    return list(result.scalars().all())


async def place_new(
    *, session: AsyncSession, scope: Scope, since: datetime | None = None, sample: int = SAMPLE
) -> int:
    """Put comments without a theme (sent after ``since``) into the existing themes they are
    near; the rest wait for the next re-grouping. Returns how many were placed."""
    themes = await live_themes(session=session, scope=scope)
    if not themes:
        return 0
    query = sa_select(COMMENT_ID, col(Comment.text)).where(
        *_within(Comment, scope),
        _counted(),
        col(Comment.theme_id).is_(None),
        col(Comment.theme_pinned).is_(False),
    )
    if since is not None:
        query = query.where(col(Comment.created_at) > since)
    docs = [Doc(i, t) for i, t in (await session.execute(query.order_by(col(Comment.id)))).all()]
    if not docs:
        return 0
    defined = []
    for theme in themes:
        assert theme.id is not None
        texts = await _member_texts(session, theme.id, sample)
        examples = (*theme.examples, *texts)
        defined.append(Defined(theme.id, theme.label, tuple(theme.keywords), examples))
    chosen = assign(docs, defined)
    by_theme: dict[int, list[int]] = defaultdict(list)
    for comment_id, theme_id in chosen.items():
        if theme_id is not None:
            by_theme[theme_id].append(comment_id)
    for theme_id, ids in sorted(by_theme.items()):
        await _set_theme(session, ids, theme_id)
    await session.flush()
    return sum(len(ids) for ids in by_theme.values())


async def unthemed_share(*, session: AsyncSession, scope: Scope) -> tuple[int, int]:
    """(comments in no theme, counted comments) of ``scope``."""
    row = (
        await session.execute(
            sa_select(
                func.count(),
                func.count(col(Comment.theme_id)),
            ).where(*_within(Comment, scope), _counted())
        )
    ).one()
    total, themed = int(row[0]), int(row[1])
    return total - themed, total


async def scopes_of(*, session: AsyncSession, campaign_id: int) -> list[Scope]:
    """Every document and section of the campaign that has counted comments."""
    result = await session.execute(
        sa_select(col(Comment.document_id), col(Comment.section_id))
        .where(col(Comment.campaign_id) == campaign_id, _counted())
        .distinct()
    )
    found = [Scope(campaign_id, d, s) for d, s in result.all()]
    return sorted(found, key=lambda s: (s.document_id or 0, s.section_id or 0))


# What officials do -----------------------------------------------------------------------


class ThemeError(Exception):
    """An edit that cannot be done: unknown or merged theme, another section, empty name."""


def tidy(text: str) -> str:
    """NFC, no control or invisible characters, blanks folded to one space; "" for nothing
    (what an official types for a name or keyword, checked before it is stored)."""
    try:
        return " ".join(clean_text(text).split())
    except InvalidValue:
        return ""


def _label(text: str) -> str:
    label = tidy(text)[:LABEL_LENGTH].strip()
    if not label:
        raise ThemeError("empty label")
    return label


async def get_live(session: AsyncSession, theme_id: int) -> CommentTheme:
    theme = await session.get(CommentTheme, theme_id)
    if theme is None or theme.merged_into_id is not None:
        raise ThemeError(f"no live theme {theme_id}")
    return theme


async def rename(
    *, session: AsyncSession, theme_id: int, label: str, now: datetime
) -> CommentTheme:
    theme = await get_live(session, theme_id)
    theme.label = _label(label)
    theme.renamed = True
    theme.updated_at = now
    session.add(theme)
    await session.flush()
    return theme


def _with_examples(theme: CommentTheme, texts: Iterable[str]) -> None:
    examples = [e for e in theme.examples]
    for text in texts:
        if text and text not in examples:
            examples.append(text)
    # A new list: the JSON column notices a changed value, not an appended one.
    theme.examples = examples[-MAX_EXAMPLES:]


async def merge(
    *, session: AsyncSession, source_id: int, target_id: int, now: datetime
) -> CommentTheme:
    """Put every comment of ``source`` into ``target``; ``source`` stays merged for good."""
    if source_id == target_id:
        raise ThemeError("a theme cannot be merged into itself")
    source = await get_live(session, source_id)
    target = await get_live(session, target_id)
    if Scope.of(source) != Scope.of(target):
        raise ThemeError("themes of different sections")
    await session.execute(
        update(Comment).where(col(Comment.theme_id) == source_id).values(theme_id=target_id)
    )
    await session.execute(
        update(CommentTheme)
        .where(col(CommentTheme.merged_into_id) == source_id)
        .values(merged_into_id=target_id)
    )
    # Both themes' words now bring comments to the target when grouping runs again.
    texts = await _member_texts(session, target_id, SAMPLE)
    docs = [Doc(i, t) for i, t in enumerate(texts)]
    quotes = [texts[i] for i in representative(docs, 3)] if docs else []
    _with_examples(target, [*source.examples, *quotes])
    target.keywords = list(dict.fromkeys([*target.keywords, *source.keywords]))
    target.updated_at = now
    source.merged_into_id = target_id
    source.updated_at = now
    session.add_all([source, target])
    await session.flush()
    return target


def groupable(comment: Comment) -> bool:
    """Whether the comment belongs in a group at all: withdrawn and spam ones never do."""
    return comment.status in COUNTED


async def move(
    *, session: AsyncSession, comment_id: int, theme_id: int, now: datetime
) -> CommentTheme:
    """Put one comment into ``theme`` for good (pinned), and learn from it (an example)."""
    comment = await session.get(Comment, comment_id)
    theme = await get_live(session, theme_id)
    if comment is None or not groupable(comment) or Scope.of(comment) != Scope.of(theme):
        raise ThemeError("the comment is not a counted one of this theme's section")
    comment.theme_id = theme_id
    comment.theme_pinned = True
    _with_examples(theme, [comment.text])
    theme.updated_at = now
    session.add_all([comment, theme])
    await session.flush()
    return theme


async def define(
    *,
    session: AsyncSession,
    scope: Scope,
    label: str,
    keywords: Sequence[str] = (),
    examples: Sequence[str] = (),
    by_id: int | None = None,
    now: datetime,
) -> CommentTheme:
    """A theme named by an official; comments come to it by its keywords and examples.

    A live theme of the same name (case aside) takes the keywords and examples instead: a file
    of themes can be loaded again.
    """
    name = _label(label)
    words = [k for k in map(tidy, keywords) if k]
    same = [
        t
        for t in await live_themes(session=session, scope=scope)
        if t.label.casefold() == name.casefold()
    ]
    if same:
        theme = same[0]
        theme.keywords = list(dict.fromkeys([*theme.keywords, *words]))
        _with_examples(theme, map(tidy, examples))
        theme.origin = ThemeOrigin.DEFINED
        theme.updated_at = now
    else:
        theme = CommentTheme(
            campaign_id=scope.campaign_id,
            document_id=scope.document_id,
            section_id=scope.section_id,
            label=name,
            renamed=True,
            origin=ThemeOrigin.DEFINED,
            keywords=words,
            examples=[e for e in map(tidy, examples) if e][-MAX_EXAMPLES:],
            created_by_id=by_id,
            created_at=now,
            updated_at=now,
        )
    session.add(theme)
    await session.flush()
    return theme


# What is shown ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quote:
    comment_id: int
    receipt: str
    text: str


@dataclass(frozen=True, slots=True)
class ThemeCount:
    """A theme with how many comments it has; ``theme_id`` None is «Ý kiến khác»."""

    theme_id: int | None
    label: str
    count: int
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True, slots=True)
class Among:
    """Which comments of a scope count: those of a unit and below, sent in a period."""

    unit_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.unit_id is not None:
            tree = subtree(self.unit_id)
            found.append(col(Comment.unit_id).in_(sa_select(tree.c.id)))
        if self.since is not None:
            found.append(col(Comment.created_at) >= self.since)
        if self.until is not None:
            found.append(col(Comment.created_at) <= self.until)
        return found


async def theme_counts(
    *,
    session: AsyncSession,
    scope: Scope,
    among: Among = Among(),
    quotes: int = 3,
    top: int | None = None,
) -> list[ThemeCount]:
    """The themes of ``scope`` with their counts among ``among``'s comments, largest first,
    then «Ý kiến khác» (with the themes past the ``top`` largest); each with up to ``quotes``
    representative shown comments."""
    rows = (
        await session.execute(
            sa_select(col(Comment.theme_id), func.count())
            .where(*_within(Comment, scope), _counted(), *among.conditions())
            .group_by(col(Comment.theme_id))
        )
    ).all()
    labels = {t.id: t.label for t in await live_themes(session=session, scope=scope)}
    counted = sorted(
        ((theme_id, int(n)) for theme_id, n in rows if theme_id in labels),
        key=lambda item: (-item[1], item[0]),
    )
    other = sum(int(n) for theme_id, n in rows if theme_id not in labels)
    if top is not None:
        other += sum(n for _theme_id, n in counted[top:])
        counted = counted[:top]
    found = [
        ThemeCount(
            theme_id,
            labels[theme_id],
            n,
            await _quotes(session, scope, among, theme_id, quotes),
        )
        for theme_id, n in counted
    ]
    if other:
        found.append(
            ThemeCount(None, "", other, await _quotes(session, scope, among, None, quotes))
        )
    return found


async def _quotes(
    session: AsyncSession, scope: Scope, among: Among, theme_id: int | None, k: int
) -> tuple[Quote, ...]:
    if k <= 0:
        return ()
    which = (
        col(Comment.theme_id).is_(None) if theme_id is None else col(Comment.theme_id) == theme_id
    )
    # The newest shown members stand for the theme: bounded, whatever its size.
    rows = (
        await session.execute(
            sa_select(COMMENT_ID, col(Comment.receipt), col(Comment.text))
            .where(
                *_within(Comment, scope),
                which,
                col(Comment.status) == CommentStatus.RECEIVED,
                col(Comment.text) != "",
                *among.conditions(),
            )
            .order_by(col(Comment.id).desc())
            .limit(50)
        )
    ).all()
    by_id = {i: Quote(i, r, t) for i, r, t in rows}
    return tuple(by_id[i] for i in representative([Doc(i, t) for i, _r, t in rows], k))


async def theme_comments(
    *,
    session: AsyncSession,
    theme_id: int,
    among: Among = Among(),
    offset: int = 0,
    limit: int = 5,
) -> list[Comment]:
    """A theme's counted comments, newest first, a page at a time."""
    result = await session.execute(
        select(Comment)
        .where(col(Comment.theme_id) == theme_id, _counted(), *among.conditions())
        .order_by(col(Comment.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(result.scalars().all())


@dataclass(frozen=True, slots=True)
class ThemedRow:
    """One comment of ``gopy comments themes``."""

    receipt: str
    document: str
    section: str
    theme_id: int | None
    label: str


async def themed_rows(
    *,
    session: AsyncSession,
    campaign_id: int,
    document_id: int | None = None,
    section_id: int | None = None,
    batch: int = 2000,
) -> AsyncIterator[ThemedRow]:
    """Every counted comment of the campaign with its theme, in the order they came;
    streamed by keyset."""
    last = 0
    while True:
        query = (
            sa_select(
                COMMENT_ID,
                col(Comment.receipt),
                col(Document.code),
                col(Section.number),
                col(CommentTheme.id),
                col(CommentTheme.label),
            )
            .outerjoin(Document, col(Document.id) == Comment.document_id)
            .outerjoin(Section, col(Section.id) == Comment.section_id)
            .outerjoin(CommentTheme, col(CommentTheme.id) == Comment.theme_id)
            .where(col(Comment.campaign_id) == campaign_id, _counted(), col(Comment.id) > last)
        )
        if document_id is not None:
            query = query.where(col(Comment.document_id) == document_id)
        if section_id is not None:
            query = query.where(col(Comment.section_id) == section_id)
        rows = (await session.execute(query.order_by(col(Comment.id)).limit(batch))).all()
        for _id, receipt, document, section, theme_id, label in rows:
            yield ThemedRow(receipt, document or "", section or "", theme_id, label or "")
        if len(rows) < batch:
            return
        last = rows[-1][0]


async def theme_labels(*, session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    """Labels of the given themes (for exports that show a comment's theme)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    result = await session.execute(
        sa_select(THEME_ID, col(CommentTheme.label)).where(THEME_ID.in_(wanted))
    )
    return {i: label for i, label in result.all()}
