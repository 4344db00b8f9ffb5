"""The console's languages: Chinese by default, English by a switch (remembered in a cookie)
or by the browser's ``Accept-Language``.

Every text of the templates and of the console's own code is an English message id marked
for gettext (``_("Workbench")``, ``N_`` where it is only named); the Chinese catalogue
``locale/zh/LC_MESSAGES/messages.po`` translates them. The catalogue is read and compiled in
memory when the app starts — there is no build step and no compiled ``.mo`` to fall out of
step with its ``.po``; ``make messages`` extracts new ids into it. English is the ids
themselves.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
DEFAULT: Language = "zh"
COOKIE = "dossier_lang"
LOCALE_DIR = Path(__file__).parent / "locale"
HTML_LANG: dict[Language, str] = {"zh": "zh-CN", "en": "en"}


def N_(message: str) -> str:
    """Mark a message id for extraction where it is only named; translated where shown."""
    return message


@cache
def catalogue(language: Language) -> gettext.NullTranslations:
    """The compiled translations of ``language`` (English: the message ids themselves)."""
    if language == "en":
        return gettext.NullTranslations()
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as source:
        parsed = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, parsed)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def language_of(request: Request) -> Language:
    """The cookie's choice, else the first language of ``Accept-Language`` we speak, else
    Chinese."""
    chosen = request.cookies.get(COOKIE)
    if chosen == "en":
        return "en"
    if chosen == "zh":
        return "zh"
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


@dataclass(frozen=True)
class Translator:
    """The console's texts in one language."""

    language: Language

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.language]

    def __call__(self, message: str, **values: Any) -> str:
        """``message`` translated, with ``%(name)s`` placeholders filled from ``values``."""
        text = catalogue(self.language).gettext(message)
        return text % values if values else text

    def pick(self, zh: str, en: str) -> str:
        """One of two texts the domain already carries in both languages."""
        return zh if self.language == "zh" else en


GetText = Callable[..., str]
