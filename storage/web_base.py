"""Where gopy's web pages are reached from outside, for links sent in chat."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WebBase:
    url: str  # GOPY_PUBLIC_URL, else the webhook's, else this computer's web server
    public: bool  # False: only this computer reaches it (a trial, the simulator)
