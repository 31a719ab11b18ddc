"""What an official does to a comment from the desk, by the chat's rules and functions:
answer it (``services.answers``: /reply), hide, mark as spam or restore it
(``storage.comments.moderate``: /hide, /spam, /restore), move it to another group
(``storage.themes.move``, for those ``storage.theme_access`` lets). Each answers 303 back to
the comment's page (Post/Redirect/Get); a refusal is a 400 page and stores nothing."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiohttp import web

from bot.web.desk import paths
from bot.web.desk.comment_page import comment_response, readable
from bot.web.desk.guard import DeskCall
from handlers.reply_letter import reply_words
from services.answers import MAX_REPLY, Route, answer_comment, clean_answer
from storage.comments import Moderation, moderate
from storage.forms import InvalidValue
from storage.theme_access import movable
from storage.themes import ThemeError, move


def _withdrawn(call: DeskCall) -> web.Response:
    return call.bad_form(
        lambda: _("The author withdrew this comment: it can no longer be answered or moderated.")
    )


async def reply(call: DeskCall) -> web.StreamResponse:
    found = await readable(call)
    if found is None:
        return call.not_found()
    typed = call.form.text("text")
    try:
        text = clean_answer(typed)
    except InvalidValue as error:
        if error.reason == "too_long":

            def problem() -> str:
                return _("An answer can have at most {limit} characters.").format(limit=MAX_REPLY)
        else:

            def problem() -> str:
                return _("Please write your answer before sending it.")

        return await comment_response(call, found, status=400, problem=problem, kept=typed)
    answered = await answer_comment(
        session=call.session,
        comment=found.comment,
        campaign=found.scope.campaign,
        unit=found.unit,
        official=call.member.person,
        text=text,
        defaults=call.desk.outreach.defaults,
        words=reply_words(call.desk.site.pages.i18n),
        now=call.desk.site.clock.now(),
    )
    if answered is None:
        return _withdrawn(call)
    if answered.route is Route.LETTER:
        call.after_commit(call.desk.outreach.wake)
    return call.redirect(paths.comment_path(found.comment.receipt), done=answered.route.value)


async def moderate_comment(call: DeskCall) -> web.StreamResponse:
    found = await readable(call)
    if found is None:
        return call.not_found()
    try:
        action = Moderation(call.form.text("action"))
    except ValueError:
        return call.bad_form(lambda: _("Please choose hide, spam or restore."))
    done = await moderate(
        session=call.session,
        comment=found.comment,
        action=action,
        by=call.member.person,
        now=call.desk.site.clock.now(),
    )
    if not done:
        return _withdrawn(call)
    return call.redirect(paths.comment_path(found.comment.receipt), done=action.value)


async def move_comment(call: DeskCall) -> web.StreamResponse:
    found = await readable(call)
    if found is None:
        return call.not_found()
    comment = found.comment
    access = await movable(session=call.session, member=call.member, comment=comment)
    if access is None:
        # Read, but not theirs to regroup (a ward's official; the groups are the campaign's).
        return call.not_found()
    raw = call.form.text("theme")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return call.bad_form(lambda: _("Please choose a group."))
    assert comment.id is not None
    try:
        await move(
            session=call.session,
            comment_id=comment.id,
            theme_id=int(raw),
            now=call.desk.site.clock.now(),
        )
    except ThemeError:
        return call.bad_form(
            lambda: _("This group is gone or belongs to another section. Please choose again.")
        )
    return call.redirect(paths.comment_path(comment.receipt), done="moved")
