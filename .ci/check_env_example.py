"""Fail when config/settings.py reads an environment variable that .env.example does not list."""

import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
settings = (root / "config" / "settings.py").read_text()
example = (root / ".env.example").read_text()

read = set(re.findall(r"env_(?:str|bool|int|list)\(\s*\"([A-Z0-9_]+)\"", settings))
listed = set(re.findall(r"^#? ?([A-Z0-9_]+)=", example, re.M))
missing = sorted(read - listed)
if missing:
    sys.exit(f".env.example does not list: {', '.join(missing)} (config/settings.py reads them)")
print(f".env.example lists all {len(read)} variables config/settings.py reads")
