"""Who may read what: the rules file (rules.py) and the files a caller's groups can read (readable.py)."""

from rag.access.readable import readable_files
from rag.access.rules import ADMINS, EVERYONE, AccessRules, caller_groups, rules_path

__all__ = ["ADMINS", "EVERYONE", "AccessRules", "caller_groups", "readable_files", "rules_path"]
