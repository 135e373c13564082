"""Comparable forms of place names, shared by the loader and the matching selectors.

People write regions in many ways: "Ярославская обл.", "Yaroslavl oblast", "Республика Татарстан",
"Tatarstan", "Орёл"/"Орел". A name is folded (case, ё/е, punctuation, hyphens) and then, for a
second, looser comparison, stripped of the words that only say what kind of region it is.
"""

from __future__ import annotations

import re
import unicodedata

# Words and phrases that name a kind of region rather than a region, in Russian, English and the
# romanisations that ISO 3166-2 uses. Longer phrases first ("автономный округ" before "ао").
_KIND_PHRASES = (
    "город федерального значения",
    "city of federal significance",
    "автономный округ",
    "автономная область",
    "autonomous okrug",
    "autonomous district",
    "autonomous oblast",
    "autonomous region",
    "avtonomnyy okrug",
    "avtonomnaya oblast",
    "federal city",
    "republic of",
    "respublika",
    "республика",
    "республики",
    "область",
    "обл",
    "край",
    "респ",
    "аобл",
    "ао",
    "город",
    "г",
    "oblast",
    "oblasti",
    "oblysy",
    "oblusu",
    "voblasts",
    "voblasc",
    "viloyati",
    "region",
    "province",
    "republic",
    "krai",
    "kray",
    "city",
    "the",
)
_KIND_RE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in _KIND_PHRASES) + r")\b")
_APOSTROPHES_RE = re.compile(r"['’ʹʼ`´]")
_PUNCTUATION_RE = re.compile(r"[^\w]+")
# Parts of an official name that are names in their own right: "Республика Саха (Якутия)",
# "Чувашская Республика — Чувашия", "Tatarstan, Respublika".
_PART_SEPARATORS_RE = re.compile(r"[()—–,]|\s-\s")


def name_fold(text: str) -> str:
    """Case-, accent-, ё- and punctuation-insensitive form: "Орёл-на-Оке." -> "орел на оке"."""
    text = _latin_accents_strip(text).casefold().replace("ё", "е")
    text = _APOSTROPHES_RE.sub("", text)
    return " ".join(_PUNCTUATION_RE.sub(" ", text).split())


def _latin_accents_strip(text: str) -> str:
    """ "Aqtöbe" -> "Aqtobe", "voblasć" -> "voblasc"; Cyrillic й and ё keep their marks."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def name_strip_kind(folded: str) -> str:
    """A folded name without the words that only give the kind of region."""
    return " ".join(_KIND_RE.sub(" ", folded).split())


def name_keys(name: str) -> set[str]:
    """Loose keys under which a region's name can be found: the stripped name and its parts."""
    keys = {name_strip_kind(name_fold(name))}
    parts = _PART_SEPARATORS_RE.split(name)
    if len(parts) > 1:
        keys.update(name_strip_kind(name_fold(part)) for part in parts)
    keys.discard("")
    return keys
