"""The desk's comments: the list (``comment_list``), one comment (``comment_page``), what is
done to it (``comment_actions``), and the groups of opinions (``themes``)."""

from __future__ import annotations

from bot.web.desk import comment_actions, comment_list, comment_page, paths, themes
from bot.web.desk.guard import DeskRoute


def routes() -> list[DeskRoute]:
    return [
        DeskRoute("GET", paths.COMMENTS, comment_list.comment_list),
        DeskRoute("GET", paths.COMMENT_ROUTE, comment_page.show_comment),
        DeskRoute("GET", paths.COMMENT_PHOTO_ROUTE, comment_page.photo),
        DeskRoute("POST", paths.COMMENT_REPLY_ROUTE, comment_actions.reply),
        DeskRoute("POST", paths.COMMENT_MODERATE_ROUTE, comment_actions.moderate_comment),
        DeskRoute("POST", paths.COMMENT_THEME_ROUTE, comment_actions.move_comment),
        *themes.routes(),
    ]
