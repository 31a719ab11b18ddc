"""Persistence: SQLModel tables, the database engine, query functions per aggregate, FSM storage.

This package imports nothing from ``bot``, ``handlers`` or ``scheduler``.
"""
