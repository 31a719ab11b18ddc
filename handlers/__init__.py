"""aiogram Routers, one module per audience and flow; their keyboards, states and middlewares."""

from __future__ import annotations

from aiogram import Router


def build_router() -> Router:
    """All routers in the order they must see updates (specific flows before fallbacks)."""
    from handlers import (
        comment,
        common,
        desk,
        errors,
        export,
        filters,
        groups,
        history,
        letterhead,
        moderation,
        moderation_buttons,
        my_comments,
        officials,
        qr,
        record,
        report,
        start,
        theme_typing,
        themes,
    )

    # Reports and invites are personal: the flows run only in private chats, so nothing a
    # secretary types or receives is shown to a group the bot was added to.
    private = Router(name="private")
    private.message.filter(filters.in_private_chat)
    private.callback_query.filter(filters.in_private_chat)
    # Comments first: a comment in progress guards itself against interruptions the way a
    # report does, and a report in progress is left to the report router.
    private.include_routers(
        # An official recording a letter: its own steps before the citizens' (a summary typed
        # there may look like a poster's code).
        record.build_router(),
        comment.build_router(),
        report.build_router(),
        letterhead.build_router(),
        # Typed steps of groups of opinions, before start's handling of plain text.
        theme_typing.build_router(),
        themes.build_router(),
        start.build_router(),
        history.build_router(),
        officials.build_router(),
        desk.build_router(),
        my_comments.build_router(),
        moderation.build_router(),
        moderation_buttons.build_router(),
        qr.build_router(),
        export.build_router(),
        common.build_router(),
    )
    root = Router(name="gopy")
    root.include_routers(errors.build_router(), private, groups.build_router())
    filters.checks_without_threads(root)
    return root
