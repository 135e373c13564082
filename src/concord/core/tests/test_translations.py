"""Every string of the interface is translated into Russian and English.

The test runs `makemessages` on a copy of the source tree, so a string added without a
translation fails here even when nobody ran `make messages`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2]
ENTRY = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$')


def parse_po(text: str) -> list[dict[str, str]]:
    """Entries of a .po file as {"msgid": …, "msgstr": …, "flags": …} (no third-party parser)."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, key = {}, ""
        elif line.startswith("#,"):
            current["flags"] = current.get("flags", "") + line[2:]
        elif match := ENTRY.match(line):
            key = match.group(1)
            current[key] = match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
    return entries


def untranslated(entries: list[dict[str, str]]) -> list[str]:
    missing = []
    for entry in entries:
        if entry.get("msgid", "") == "" or "obsolete" in entry:
            continue  # the header
        translations = [value for key, value in entry.items() if key.startswith("msgstr")]
        if "fuzzy" in entry.get("flags", "") or not all(translations):
            missing.append(entry["msgid"])
    return missing


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is not installed (Debian package 'gettext').")
    copy = tmp_path_factory.mktemp("src") / "concord"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    command = [sys.executable, "-m", "concord.manage", "makemessages", "-l", "ru", "-l", "en"]
    subprocess.run([*command, "--no-obsolete"], cwd=copy, check=True, capture_output=True)
    return copy / "locale"


@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_string_is_left_untranslated(fresh_catalogues: Path, language: str) -> None:
    po = (fresh_catalogues / language / "LC_MESSAGES" / "django.po").read_text()
    missing = untranslated(parse_po(po))
    assert missing == [], f"{len(missing)} untranslated in {language}; run `make messages`"


def test_parser_sees_missing_translations() -> None:
    po = (
        'msgid ""\nmsgstr "header"\n\n'
        'msgid "Log in"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "A"\nmsgstr "Б"\n'
    )
    assert untranslated(parse_po(po)) == ["Log in", "A"]
