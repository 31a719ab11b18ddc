"""Import units and campaigns from YAML files; every problem names the file and line to fix."""

from bot.importers.campaign import import_campaign, import_campaign_data
from bot.importers.org import OrgSummary, import_org
from bot.importers.yaml_lines import ImportProblem, load_yaml, parse_yaml

__all__ = [
    "ImportProblem",
    "OrgSummary",
    "import_campaign",
    "import_campaign_data",
    "import_org",
    "load_yaml",
    "parse_yaml",
]
