"""The web pages' Jinja2 templates and style (package data, read by ``bot.web.pages``)."""
