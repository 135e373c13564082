"""Choosing a city's Russian name among GeoNames' alternate names.

GeoNames lists alternate names without their language, and a Russian city has Cyrillic names in
Russian, Ukrainian, Belarusian, Bulgarian, Tatar and more, plus historical ones ("Куйбышев",
"Ленинград"). The Russian name is the one written in the Russian alphabet and orthography whose
romanisation GeoNames itself uses: the city's main name ("Samara" <- "Самара") or, failing that,
the most of its Latin alternate names ("Kazan’", "Kazan" <- "Казань", not Tatar "Казан").

Outside Russia the main name is romanised from the local language, so this favours the current
local name in Russian letters (Kazakhstan's "Кызылорда", not the Soviet "Ак-Мечеть" that more
Latin names spell) and can miss a Russian exonym: Ukraine's "Lviv" gives "Львив", not "Львов".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

_RUSSIAN_WORDS_RE = re.compile(r"^[А-ЯЁа-яё]+(?:[ -][А-ЯЁа-яё]+)*$")
# Spellings that Russian orthography does not allow but neighbouring languages and pre-1918
# spelling do: hard sign except before е/ё/ю/я ("Къазан", "Омьскъ"), Ukrainian "-ськ"/"-ць",
# "шч" for щ, and a soft sign between two consonants after a non-sonorant ("Коломьна").
_NOT_RUSSIAN_RE = re.compile(
    r"ъ(?![еёюя])|[сцз]ьк|ньск|ць|шч|[бвгджкмпфхцчшщ]ь[бвгджзклмнпрстфхцчшщ]"
)
_VOWELS = "аеёиоуыэюя"
# How each Russian letter appears in the romanisations GeoNames collects (BGN/PCGN, ISO 9 and the
# scientific transliteration with diacritics removed, German/French/Polish habits for х, ц, ч, ш).
_LETTER_PATTERNS = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "ж": "(?:zh|z)",
    "з": "z",
    "и": "i",
    "й": "(?:y|i|j)?",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "(?:kh|h|ch|x)",
    "ц": "(?:ts|c|tz)",
    "ч": "(?:ch|c)",
    "ш": "(?:sh|s)",
    "щ": "(?:shch|sc|sch)",
    "ъ": "['\"]?",
    "ы": "y",
    "ь": "'?",
    "э": "e",
    "ю": "(?:yu|ju|iu)",
    "я": "(?:ya|ja|ia)",
    "ё": "(?:e|yo|jo|io)",
}
# One plain romanisation, only to rank candidates that are otherwise equal by likeness to the name.
_SIMPLE_ROMAN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            *("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o"),
            *("p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e"),
            *("yu", "ya"),
        ],
        strict=True,
    )
)


def _e_pattern(previous: str | None) -> str:
    # BGN/PCGN writes "ye" at the start of a word and after vowels and signs ("Yekaterinburg").
    if previous is None or previous in " -":
        return "(?:ye|je)"
    if previous in _VOWELS + "ьъ":
        return "(?:ye|je|e)"
    return "e"


def _romanisation_pattern(name: str) -> re.Pattern[str]:
    parts: list[str] = []
    previous: str | None = None
    for letter in name.lower():
        if letter == "е":
            parts.append(_e_pattern(previous))
        else:
            parts.append(_LETTER_PATTERNS.get(letter, re.escape(letter)))
        previous = letter
    return re.compile("".join(parts))


def _latin_fold(name: str) -> str:
    name = re.sub(r"[’ʹʼ`]", "'", name)
    name = unicodedata.normalize("NFKD", name)
    return "".join(c for c in name if not unicodedata.combining(c)).lower().strip()


def _simple_roman(name: str) -> str:
    return "".join(_SIMPLE_ROMAN.get(letter, letter) for letter in name.lower())


def is_russian_spelling(name: str) -> bool:
    return bool(_RUSSIAN_WORDS_RE.match(name)) and not _NOT_RUSSIAN_RE.search(name.lower())


def russian_name_pick(
    *, name: str, alternate_names: Iterable[str], known: Iterable[str] = ()
) -> str | None:
    """The city's Russian name among `alternate_names`, or None when none is Russian.

    `known` are Russian names that win outright when they are among the candidates (a federal
    city is named like its region: Москва, Санкт-Петербург).
    """
    alternates = [a for a in alternate_names if a]
    candidates = sorted({a for a in alternates if is_russian_spelling(a)})
    if not candidates:
        return None
    main = _latin_fold(name)
    latin = {folded for a in [*alternates, name] if (folded := _latin_fold(a)).isascii()}
    known_names = set(known)

    def score(candidate: str) -> tuple[bool, bool, int, float]:
        pattern = _romanisation_pattern(candidate)
        return (
            candidate in known_names,
            bool(pattern.fullmatch(main)),
            sum(1 for romanised in latin if pattern.fullmatch(romanised)),
            difflib.SequenceMatcher(None, _simple_roman(candidate), main).ratio(),
        )

    return max(candidates, key=score)
