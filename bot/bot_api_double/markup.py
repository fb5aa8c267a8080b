"""Telegram's parse modes, reimplemented after tdlib's parsers.

A bot that sends an unescaped ``<`` in HTML or a bare ``.`` in MarkdownV2 gets a 400 from
the real Bot API; the double must fail the same way so such bugs show up in tests, and it
must strip the markup so tests see the text a person would read.
"""

from __future__ import annotations

import re
from typing import Any

Entity = dict[str, Any]

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
    "pre": "pre",
    "code": "code",
    "blockquote": "blockquote",
    "a": "text_link",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n"
_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"


class ParseError(ValueError):
    """The text cannot be parsed; the message is Telegram's own wording."""


def utf16_len(text: str) -> int:
    """Telegram measures offsets and limits in UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _at(text: str, index: int) -> str:
    return text[index] if index < len(text) else "\0"


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Return the visible text and its entities, or raise ParseError."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown(text)
    raise ValueError(f"unsupported parse_mode {parse_mode!r}")


def strip_blank(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace the way Telegram does, keeping entities aligned."""
    stripped_front = text.lstrip()
    shift = utf16_len(text[: len(text) - len(stripped_front)])
    result = stripped_front.rstrip()
    limit = utf16_len(result)
    fixed: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    return result, fixed


class _Builder:
    """Collects visible text while tracking UTF-16 offsets for entities."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[Entity] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.offset += utf16_len(chunk)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.offset > start:
            self.entities.append({"type": kind, "offset": start, "length": self.offset - start})
            self.entities[-1].update({k: v for k, v in extra.items() if v})

    def result(self) -> tuple[str, list[Entity]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def _decode_html_entity(text: str, index: int) -> tuple[str, int] | None:
    """Decode ``&...;`` at index; unknown entities stay literal, as in Telegram."""
    match = re.match(r"&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});", text[index:])
    if match is None:
        return None
    name = match.group(1)
    if name.startswith("#x"):
        code = int(name[2:], 16)
    elif name.startswith("#"):
        code = int(name[1:])
    elif name in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[name], index + match.end()
    else:
        return None
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), index + match.end()


def _decode_attribute(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_html_entity(value, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def _parse_html(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    stack: list[tuple[str, str, int]] = []  # tag, argument, utf16 start
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
        if ch != "<":
            out.add(ch)
            i += 1
            continue
        begin = i
        i += 1
        if _at(text, i) != "/":
            i = _html_start_tag(text, begin, stack, out.offset)
            continue
        if not stack:
            raise ParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        i += 1
        name_start = i
        while i < n and text[i] not in _SPACES and text[i] != ">":
            i += 1
        end_name = text[name_start:i].lower()
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n or text[i] != ">":
            raise ParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        i += 1
        tag, argument, start = stack.pop()
        if end_name and end_name != tag:
            raise ParseError(
                f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                f'expected "</{tag}>", found "</{end_name}>"'
            )
        kind = _HTML_ENTITY_TYPES[tag]
        if tag == "a":
            out.entity(kind, start, url=argument)
        elif tag == "code" and argument:
            out.entity("pre", start, language=argument)
        elif tag == "blockquote" and argument == "expandable":
            out.entity("expandable_blockquote", start)
        elif tag == "tg-emoji":
            out.entity(kind, start, custom_emoji_id=argument)
        else:
            out.entity(kind, start)
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _html_start_tag(text: str, begin: int, stack: list[tuple[str, str, int]], offset: int) -> int:
    """Parse one start tag beginning at ``begin``; return the index after it."""
    n = len(text)
    i = begin + 1
    while i < n and text[i] not in _SPACES and text[i] != ">":
        i += 1
    if i >= n:
        raise ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    tag = text[begin + 1 : i].lower()
    where = f"at byte offset {_byte_offset(text, begin)}"
    if tag not in _HTML_TAGS:
        raise ParseError(f'Unsupported start tag "{tag}" {where}')
    argument = ""
    while True:
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise ParseError(f"Unclosed start tag {where}")
        if text[i] == ">":
            break
        name_start = i
        while i < n and text[i] not in _SPACES and text[i] not in "=>":
            i += 1
        name = text[name_start:i].lower()
        if not name:
            raise ParseError(f'Empty attribute name in the tag "{tag}" {where}')
        while i < n and text[i] in _SPACES:
            i += 1
        if _at(text, i) != "=":
            if tag == "blockquote" and name == "expandable":
                argument = "expandable"
                continue
            raise ParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" {where}'
            )
        i += 1
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise ParseError(f'Unclosed start tag "{tag}" {where}')
        if text[i] in "'\"":
            quote = text[i]
            end = text.find(quote, i + 1)
            if end < 0:
                raise ParseError(f"Unclosed start tag {where}")
            value = _decode_attribute(text[i + 1 : end])
            i = end + 1
        else:
            token_start = i
            while i < n and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            value = text[token_start:i].lower()
            if i < n and text[i] not in _SPACES and text[i] != ">":
                raise ParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(text, token_start)}"
                )
        if i < n and text[i] not in _SPACES and text[i] != ">":
            raise ParseError(f"Unclosed start tag {where}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
    if tag == "span" and argument != "spoiler":
        raise ParseError(f'Tag "span" must have class "tg-spoiler" {where}')
    stack.append((tag, argument, offset))
    return i + 1


_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _reserved(char: str) -> ParseError:
    return ParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _mdv2_closes(kind: str, text: str, i: int) -> bool:
    ch = text[i]
    nxt = _at(text, i + 1)
    if kind == "bold":
        return ch == "*"
    if kind == "italic":
        return ch == "_" and nxt != "_"
    if kind == "underline":
        return ch == "_" and nxt == "_"
    if kind == "strikethrough":
        return ch == "~"
    if kind == "spoiler":
        return ch == "|" and nxt == "|"
    if kind == "code":
        return ch == "`"
    if kind == "pre":
        return ch == "`" and nxt == "`" and _at(text, i + 2) == "`"
    return ch == "]"  # text_link, custom_emoji


def _parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    # kind, utf16 start, byte offset for errors, language, index of visible text start
    stack: list[tuple[str, int, int, str, int]] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        nxt = _at(text, i + 1)
        if ch == "\\" and 0 < ord(nxt) <= 126:
            out.add(nxt)
            i += 2
            continue
        in_code = bool(stack) and stack[-1][0] in ("code", "pre")
        if ch == ">" and not in_code and (i == 0 or text[i - 1] == "\n"):
            i += 1  # blockquote marker; quotes carry no validation worth imitating
            continue
        reserved = "`" if in_code else _MDV2_RESERVED
        if ch not in reserved:
            out.add(ch)
            i += 1
            continue
        if stack and _mdv2_closes(stack[-1][0], text, i):
            i = _mdv2_close(text, i, stack, out)
            continue
        begin = _byte_offset(text, i)
        language = ""
        if ch == "_" and nxt == "_":
            kind, i = "underline", i + 2
        elif ch == "_":
            kind, i = "italic", i + 1
        elif ch == "*":
            kind, i = "bold", i + 1
        elif ch == "~":
            kind, i = "strikethrough", i + 1
        elif ch == "|" and nxt == "|":
            kind, i = "spoiler", i + 2
        elif ch == "[":
            kind, i = "text_link", i + 1
        elif ch == "!" and nxt == "[":
            kind, i = "custom_emoji", i + 2
        elif ch == "`" and nxt == "`" and _at(text, i + 2) == "`":
            kind, i = "pre", i + 3
            lang_end = i
            while lang_end < n and text[lang_end] not in _SPACES and text[lang_end] != "`":
                lang_end += 1
            if lang_end != i and lang_end < n and text[lang_end] != "`":
                language, i = text[i:lang_end], lang_end
            if _at(text, i) in "\r\n" and i < n:
                pair = _at(text, i + 1)
                i += 2 if pair in "\r\n" and pair != text[i] and i + 1 < n else 1
        elif ch == "`":
            kind, i = "code", i + 1
        else:
            raise _reserved(ch)
        stack.append((kind, out.offset, begin, language, len(out.parts)))
    if stack:
        kind = _MDV2_NAMES[stack[-1][0]]
        raise ParseError(f"Can't find end of {kind} entity at byte offset {stack[-1][2]}")
    return out.result()


def _mdv2_close(
    text: str, i: int, stack: list[tuple[str, int, int, str, int]], out: _Builder
) -> int:
    kind, start, _, language, part_index = stack.pop()
    if kind in ("underline", "spoiler"):
        i += 2
    elif kind == "pre":
        i += 3
    elif kind in ("text_link", "custom_emoji"):
        i += 1
        if _at(text, i) != "(":
            if kind == "custom_emoji":
                raise ParseError("Custom emoji entity must contain a tg://emoji URL")
            out.entity(kind, start, url="".join(out.parts[part_index:]))
            return i
        i += 1
        url_begin = i
        url: list[str] = []
        while i < len(text) and text[i] != ")":
            if text[i] == "\\" and 0 < ord(_at(text, i + 1)) <= 126:
                url.append(text[i + 1])
                i += 2
                continue
            url.append(text[i])
            i += 1
        if i >= len(text):
            raise ParseError(
                f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}"
            )
        i += 1
        if kind == "custom_emoji":
            out.entity(kind, start, custom_emoji_id="".join(url).rpartition("=")[2])
        else:
            out.entity(kind, start, url="".join(url))
        return i
    else:
        i += 1
    if kind == "pre":
        out.entity(kind, start, language=language)
    else:
        out.entity(kind, start)
    return i


def _parse_markdown(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == "\\" and _at(text, i + 1) in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if ch not in "_*`[":
            out.add(ch)
            i += 1
            continue
        begin = i
        end_char = "]" if ch == "[" else ch
        i += 1
        is_pre = False
        language = ""
        if ch == "`" and _at(text, i) == "`" and _at(text, i + 1) == "`":
            i += 2
            is_pre = True
            lang_end = i
            while lang_end < n and text[lang_end] not in _SPACES and text[lang_end] != "`":
                lang_end += 1
            if lang_end != i and lang_end < n and text[lang_end] != "`":
                language, i = text[i:lang_end], lang_end
            if i < n and text[i] in "\r\n":
                pair = _at(text, i + 1)
                i += 2 if pair in "\r\n" and pair != text[i] and i + 1 < n else 1
        start = out.offset
        content_start = i
        while i < n and (
            text[i] != end_char or (is_pre and not (_at(text, i + 1) == "`" == _at(text, i + 2)))
        ):
            out.add(text[i])
            i += 1
        if i >= n:
            raise ParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        content = text[content_start:i]
        if ch == "[":
            url = content
            if _at(text, i + 1) == "(":
                close = text.find(")", i + 2)
                close = n if close < 0 else close
                url = text[i + 2 : close]
                i = close
            out.entity("text_link", start, url=url)
        elif ch == "`":
            out.entity("pre" if is_pre else "code", start, language=language)
        else:
            out.entity("bold" if ch == "*" else "italic", start)
        i += 3 if is_pre else 1
    return out.result()
