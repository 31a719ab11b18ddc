"""Groups of opinions («nhóm ý kiến»): a pure-Python engine over comment texts.

``discover`` finds themes automatically; ``assign`` puts comments into themes officials named
(and new comments into existing themes: the incremental update); ``label_for`` and
``representative`` give a theme its key phrase and quotes. No database, no chat here.
"""

from bot.themes.discover import discover
from bot.themes.guided import assign
from bot.themes.label import label_for, representative
from bot.themes.model import Defined, Doc, Found

__all__ = ["Defined", "Doc", "Found", "assign", "discover", "label_for", "representative"]
