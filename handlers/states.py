"""FSM states of the conversations."""

from aiogram.fsm.state import State, StatesGroup


class ReportFlow(StatesGroup):
    choosing_target = State()
    choosing_period = State()
    filling = State()
    reviewing = State()
