"""The officials' desk templates (package data, read by ``bot.web.pages``)."""
