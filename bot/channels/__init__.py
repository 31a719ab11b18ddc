"""Channels are aiogram sessions: Telegram (stock), the local simulator, later Zalo."""
