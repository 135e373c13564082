"""The first guess at a report's category and severity: documented rules, not a model.

A coordinator changes either with a reason (services.case_category_change /
case_severity_change); the rules only make sure that a report of people hurt in a fight that is
happening now reaches the circle as the most urgent thing it is. docs/incidents.md lists them.

Category: the first rule whose words occur in the text (Russian and English stems), in the
order of CATEGORY_WORDS, so that "a fight after threats" is violence, not threats; someone hurt
with no other clue is violence; otherwise an everyday dispute.

Severity, from 1 (watch) to 4 (act at once):
    start from the category's base (BASE_SEVERITY),
    +1 if someone is hurt,
    +1 if more than 50 people are involved,
    +1 if it is happening now and is violence, a conflict between communities or a gathering,
    at most 4; and at least 3 for any report of people hurt.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from concord.incidents.models import Category, Report

if TYPE_CHECKING:
    from concord.incidents.services import ReportDraft

# Word stems, matched at the start of a word, case-insensitive.
CATEGORY_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (
        Category.VIOLENCE,
        (
            "драк",
            "избил",
            "избие",
            "нападен",
            "напал",
            "ранен",
            "пострада",
            "нож",
            "стрел",
            "поджог",
            "подожг",
            "fight",
            "beat",
            "attack",
            "stab",
            "shot",
            "wound",
            "assault",
        ),
    ),
    (
        Category.MASS_GATHERING,
        (
            "митинг",
            "толп",
            "собрал",
            "сход",
            "протест",
            "пикет",
            "шестви",
            "rally",
            "crowd",
            "protest",
            "gather",
            "march",
        ),
    ),
    (
        Category.THREATS,
        ("угрож", "угроз", "запуг", "threat", "intimidat"),
    ),
    (
        Category.VANDALISM,
        (
            "разбил",
            "разбит",
            "сломал",
            "поврежд",
            "осквер",
            "граффити",
            "надпис",
            "свастик",
            "vandal",
            "smash",
            "graffiti",
            "desecrat",
            "damage",
        ),
    ),
    (
        Category.HATE_SPEECH,
        (
            "оскорб",
            "ненавист",
            "призыв",
            "экстрем",
            "листовк",
            "insult",
            "hate",
            "incit",
            "slur",
            "leaflet",
        ),
    ),
    (
        Category.RUMOUR,
        ("слух", "говорят", "якобы", "фейк", "rumour", "rumor", "fake", "allegedly"),
    ),
    (
        Category.INTERCOMMUNITY_CONFLICT,
        (
            "конфликт",
            "столкнов",
            "стенка",
            "диаспор",
            "общин",
            "conflict",
            "clash",
            "community",
            "diaspora",
        ),
    ),
]

BASE_SEVERITY: dict[str, int] = {
    Category.EVERYDAY_DISPUTE: 1,
    Category.RUMOUR: 1,
    Category.HATE_SPEECH: 1,
    Category.THREATS: 2,
    Category.VANDALISM: 2,
    Category.MASS_GATHERING: 2,
    Category.INTERCOMMUNITY_CONFLICT: 2,
    Category.VIOLENCE: 3,
}
URGENT_WHEN_NOW = {Category.VIOLENCE, Category.INTERCOMMUNITY_CONFLICT, Category.MASS_GATHERING}
_PATTERNS = [
    (category, re.compile(r"\b(?:" + "|".join(stems) + ")", re.IGNORECASE))
    for category, stems in CATEGORY_WORDS
]


def propose_category(text: str, *, hurt: str) -> str:
    for category, pattern in _PATTERNS:
        if pattern.search(text):
            return category
    if hurt == Report.Hurt.YES:
        return Category.VIOLENCE
    return Category.EVERYDAY_DISPUTE


def propose_severity(category: str, *, hurt: str, crowd: str, when: str) -> int:
    severity = BASE_SEVERITY[category]
    if hurt == Report.Hurt.YES:
        severity += 1
    if crowd == Report.Crowd.MANY:
        severity += 1
    if when == Report.When.NOW and category in URGENT_WHEN_NOW:
        severity += 1
    if hurt == Report.Hurt.YES:
        severity = max(severity, 3)
    return min(severity, 4)


def propose(draft: ReportDraft) -> tuple[str, int]:
    """(category, severity) for a report, by the rules above."""
    category = propose_category(draft.text, hurt=draft.hurt)
    severity = propose_severity(category, hurt=draft.hurt, crowd=draft.crowd, when=draft.when)
    return category, severity
