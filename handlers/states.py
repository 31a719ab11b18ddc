"""FSM states of the conversations."""

from aiogram.fsm.state import State, StatesGroup


class ReportFlow(StatesGroup):
    choosing_target = State()
    choosing_period = State()
    filling = State()
    reviewing = State()


class ReplyFlow(StatesGroup):
    writing = State()  # an official's answer to the comment whose button they pressed


class CommentFlow(StatesGroup):
    choosing = State()  # campaign → document → section, with buttons
    writing = State()  # text, photos, a voice note; the stance; then anonymous or named
    category = State()  # who the commenter is (one tap, or skipped)
    place = State()  # a campaign-wide code: the ward, tapped or typed
    naming = State()
    phone = State()
    confirming = State()


class LetterheadFlow(StatesGroup):
    """An official typing one part of the unit's letterhead; the state names the part."""

    issuer = State()
    sign = State()
    place = State()
    recipients = State()
    signer = State()
    email = State()


class RecordFlow(StatesGroup):
    """An official recording a comment that reached the unit on paper, at a meeting, by mail."""

    medium = State()
    choosing = State()  # campaign → document → section, with the citizens' picker
    writing = State()  # photos of the pages and/or a typed summary
    stance = State()
    category = State()
    naming = State()
    confirming = State()
