"""Who may read what: group names (groups.py), the rules file (rules.py) and the files a caller's groups
can read (readable.py)."""

from rag.access.groups import ADMINS, EVERYONE, caller_groups, check_groups, parse_groups
from rag.access.readable import readable_files
from rag.access.rules import AccessRules, rules_path

__all__ = ["ADMINS", "EVERYONE", "AccessRules", "caller_groups", "check_groups", "parse_groups", "readable_files",
           "rules_path"]
