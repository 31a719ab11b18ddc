"""aiogram Routers, one module per audience and flow; their keyboards, states and middlewares."""

from __future__ import annotations

from aiogram import Router


def build_router() -> Router:
    """All routers in the order they must see updates (specific flows before fallbacks)."""
    from handlers import common, errors, filters, groups, history, officials, report, start

    # Reports and invites are personal: the flows run only in private chats, so nothing a
    # secretary types or receives is shown to a group the bot was added to.
    private = Router(name="private")
    private.message.filter(filters.in_private_chat)
    private.callback_query.filter(filters.in_private_chat)
    private.include_routers(
        report.build_router(),
        start.build_router(),
        history.build_router(),
        officials.build_router(),
        common.build_router(),
    )
    root = Router(name="gopy")
    root.include_routers(errors.build_router(), private, groups.build_router())
    return root
