"""Free text as the archive keeps it (自由文本): no control characters.

What a person types into a reason, a finding or a name is kept for decades and handed out as
CSV, XLSX and PDF. A control character (BEL, NUL, ESC …) is never something a person meant to
write, and XML — hence XLSX — cannot hold most of them: one of them recorded once would break
every later export of the register that shows it. So the archive refuses them at the door:

- single-line text (names, numbers, references, purposes) may hold no control character at all;
- multi-line text (findings, reasons, notes, terms) may also hold tab, line feed and carriage
  return, which XML keeps and which people use to lay out a paragraph;
- neither may hold what no XML document can: a lone surrogate (half of a broken UTF-16 pair),
  U+FFFE or U+FFFF.

"Control character" means Unicode category Cc: C0 (U+0000–U+001F), DEL (U+007F) and C1
(U+0080–U+009F). Text recorded by earlier releases may still hold them; exports show each one
escaped as ``\\uXXXX`` (:func:`escape_controls`) rather than fail.
"""

from __future__ import annotations

import re

LAYOUT = "\t\n\r"
"""The control characters multi-line text may hold: tab, line feed, carriage return."""

_NOT_XML = "\ud800-\udfff\ufffe\uffff"
_C0_C1 = "\x00-\x1f\x7f-\x9f"
_C0_C1_BUT_LAYOUT = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"

FORBIDDEN_IN_LINE = re.compile(f"[{_C0_C1}{_NOT_XML}]")
FORBIDDEN_IN_TEXT = re.compile(f"[{_C0_C1_BUT_LAYOUT}{_NOT_XML}]")

LINE_PATTERN = r"^[^\x00-\x1F\x7F-\x9F\uD800-\uDFFF\uFFFE\uFFFF]*$"
"""The rule for single-line text as a JSON Schema (ECMA-262) pattern, for the OpenAPI."""
TEXT_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uD800-\uDFFF\uFFFE\uFFFF]*$"
"""The rule for multi-line text as a JSON Schema (ECMA-262) pattern, for the OpenAPI."""


def forbidden_character(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The first character the archive refuses in ``text`` and its index, or None."""
    found = (FORBIDDEN_IN_TEXT if multiline else FORBIDDEN_IN_LINE).search(text)
    return None if found is None else (found.start(), found.group())


def describe(character: str) -> str:
    """A character as a person can read it in an error message: ``U+0007``."""
    return f"U+{ord(character):04X}"


def escape_controls(text: str) -> str:
    """``text`` with each character a multi-line field may not hold written as ``\\uXXXX``.

    For exports of text recorded before the archive refused such characters: the value stays
    readable, shows where the character was, and no longer breaks the file."""
    return FORBIDDEN_IN_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
SHEET_TITLE_LENGTH = 31


def sheet_title(title: str, *, fallback: str = "Sheet") -> str:
    """``title`` made fit to name a worksheet: Excel refuses ``\\ / ? * [ ] :``, a title
    longer than 31 characters, one that begins or ends with an apostrophe, and an empty one.

    Each forbidden character becomes a space, runs of spaces one space; control characters
    become nothing."""
    cleaned = FORBIDDEN_IN_LINE.sub("", SHEET_TITLE_FORBIDDEN.sub(" ", title))
    cleaned = " ".join(cleaned.split())[:SHEET_TITLE_LENGTH].strip().strip("'").strip()
    return cleaned or fallback
