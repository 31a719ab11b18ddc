"""Composition root: settings, CLI, application assembly, channels, web routes."""
