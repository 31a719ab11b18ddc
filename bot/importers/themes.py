"""Themes named by an official for a section, read from YAML (docs/themes-yaml.md)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.importers.yaml_lines import load_yaml, validate


class ThemeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    label: str = Field(min_length=1, max_length=120)
    keywords: list[str] = Field(default_factory=list, max_length=50)
    examples: list[str] = Field(default_factory=list, max_length=20)


class ThemesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    themes: list[ThemeSpec] = Field(min_length=1, max_length=100)


def read_themes(path: Path) -> list[ThemeSpec]:
    """The themes of ``path``; a problem is an ImportProblem naming the file and line."""
    return validate(ThemesFile, load_yaml(path), source=path.name).themes
