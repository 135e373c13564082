"""What the Bot API checks in a message before sending it: the HTML of `parse_mode=HTML`
(only Telegram's few tags, properly nested, else "can't parse entities") and `reply_markup`
(inline keyboards with 1-64 byte callback data, reply keyboards, keyboard removal).

The parser is deliberately strict like the real one, so that a template that forgets to escape
a user's "<" fails in tests instead of in front of a 65-year-old.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from concord.testing.fakes.telegram.errors import ApiError, bad_request

# Telegram's HTML tags and the entity type each one makes.
ENTITY_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*/?>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
MAX_TEXT = 4096


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the plain text
    attrs: dict[str, str]


@dataclass
class ParsedHtml:
    text: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)


def _cant_parse(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _NAMED:
        return _NAMED[name]
    number = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    return chr(number) if 0 < number <= 0x10FFFF else "\ufffd"


def _unescape(value: str) -> str:
    return _ENTITY.sub(_decode_entity, value)


def _attrs(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        value = next((group for group in match.groups()[1:] if group is not None), "")
        attrs[match.group(1).lower()] = _unescape(value)
    return attrs


def _entity(opened: _Open, end: int) -> dict[str, Any] | None:
    """The entity an element makes, or None (an empty element or a link without href)."""
    entity: dict[str, Any] = {
        "type": ENTITY_OF_TAG[opened.tag],
        "offset": opened.start,
        "length": end - opened.start,
    }
    if opened.tag == "a":
        if not opened.attrs.get("href"):
            return None
        entity["url"] = opened.attrs["href"]
    if opened.tag == "tg-emoji":
        entity["custom_emoji_id"] = opened.attrs.get("emoji-id", "")
    if opened.tag == "blockquote" and "expandable" in opened.attrs:
        entity["type"] = "expandable_blockquote"
    return entity if entity["length"] > 0 else None


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.length = 0  # UTF-16 length of the plain text so far
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def run(self) -> ParsedHtml:
        index = 0
        while index < len(self.source):
            index = self._step(index)
        if self.stack:
            tag = self.stack[-1].tag
            raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return ParsedHtml("".join(self.parts), self.entities)

    def _step(self, index: int) -> int:
        char = self.source[index]
        if char == "<":
            return self._tag(index)
        if char == "&" and (match := _ENTITY.match(self.source, index)):
            self._text(_decode_entity(match))
            return match.end()
        self._text(char)
        return index + 1

    def _text(self, text: str) -> None:
        self.parts.append(text)
        self.length += _utf16_len(text)

    def _tag(self, index: int) -> int:
        match = _TAG.match(self.source, index)
        offset = _byte_offset(self.source, index)
        if match is None:
            raise _cant_parse(f"Unclosed start tag at byte offset {offset}")
        closing, name = match.group(1) == "/", match.group(2).lower()
        if closing:
            self._close(name, offset)
        else:
            self._open(name, _attrs(match.group(3)), offset)
        return match.end()

    def _open(self, name: str, attrs: dict[str, str], offset: int) -> None:
        spoiler_span = name != "span" or attrs.get("class") == "tg-spoiler"
        if name not in ENTITY_OF_TAG or not spoiler_span:
            raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {offset}')
        self.stack.append(_Open(name, self.length, attrs))

    def _close(self, name: str, offset: int) -> None:
        if not self.stack:
            raise _cant_parse(f"Unexpected end tag at byte offset {offset}")
        opened = self.stack[-1]
        if opened.tag != name:
            raise _cant_parse(
                f'Unmatched end tag at byte offset {offset}, expected "</{opened.tag}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        if entity := _entity(opened, self.length):
            self.entities.append(entity)


def parse_html(source: str) -> ParsedHtml:
    """Plain text and entities (UTF-16 offsets, as the API reports them) of Telegram HTML."""
    return _HtmlParser(source).run()


def message_text(params: dict[str, Any]) -> ParsedHtml:
    """The text of sendMessage/editMessageText after `parse_mode`, checked like the API does."""
    raw = params.get("text")
    if raw is None or str(raw) == "":
        raise bad_request("message text is empty")
    mode = str(params.get("parse_mode") or "")
    if mode.upper() == "HTML":
        parsed = parse_html(str(raw))
    elif mode in ("", "Markdown", "MarkdownV2"):
        # The fake does not render Markdown; Concord only sends HTML.
        parsed = ParsedHtml(str(raw))
    else:
        raise bad_request(f"unsupported parse_mode {mode}")
    if not parsed.text.strip():
        raise bad_request("message text is empty")
    if len(parsed.text) > MAX_TEXT:
        raise bad_request("message is too long")
    return parsed
