"""aiogram Routers, one module per audience and flow; their keyboards, states and middlewares."""

from __future__ import annotations

from aiogram import Router


def build_router() -> Router:
    """All routers in the order they must see updates (specific flows before fallbacks)."""
    from handlers import common, errors, history, report, start

    root = Router(name="gopy")
    root.include_routers(
        errors.build_router(),
        report.build_router(),
        start.build_router(),
        history.build_router(),
        common.build_router(),
    )
    return root
