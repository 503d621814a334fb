"""The fixed value lists of the workshop and the checks that guard them."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .errors import PlanError

KINDS = ("front line", "support")
EFFECTS = ("strengthens", "weakens")
SENTIMENTS = ("positive", "neutral", "negative")
LEVELS = ("low", "medium", "high")
STATUSES = ("planned", "doing", "done", "dropped")
PHASES = (
    "review",
    "groups & roles",
    "customers & hand-offs",
    "touchpoint onion",
    "customer comments",
    "proposals",
    "vote",
    "action plans",
    "summary",
)

CSV_TABLE_NAMES = ("actions", "handoffs", "comments", "votes")  # what `export --what` offers
NAME_MAX = 80
TEXT_MAX = 10_000


def name_key(name: str) -> str:
    """The form in which names are compared: case-folded and NFC-normalised."""
    return unicodedata.normalize("NFC", name).casefold()


def clean_text(value: object, field: str, *, limit: int = TEXT_MAX, multiline: bool = True) -> str:
    """Return `value` as stored text, or refuse it with a message naming `field`.

    Text is kept as typed except for control characters, which are refused (tabs and, where
    `multiline`, newlines are allowed).
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PlanError(f"{field} must be text, not {type(value).__name__}.")
    allowed = "\t\n\r" if multiline else "\t"
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" and char not in allowed:
            raise PlanError(f"{field} contains a control character (U+{ord(char):04X}).")
        if category == "Cs":
            raise PlanError(
                f"{field} contains U+{ord(char):04X}, half of a character that is not valid "
                "text; type or paste it again."
            )
    if len(value) > limit:
        raise PlanError(f"{field} is {len(value):,} characters long; the limit is {limit:,}.")
    return value


def clean_name(value: object, field: str) -> str:
    """A name: one line, not blank, at most NAME_MAX characters, outer spaces trimmed."""
    text = clean_text(value, field, limit=NAME_MAX, multiline=False).strip()
    for char in text:
        if unicodedata.category(char) in ("Zl", "Zp"):
            raise PlanError(f"{field} must be one line (it contains U+{ord(char):04X}).")
    if not "".join(c for c in text if unicodedata.category(c) != "Cf").strip():
        raise PlanError(f"{field} must not be empty.")
    return text


def one_line(text: str) -> str:
    """`text` with line breaks and control characters shown as escapes, for one-line messages."""
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") and char != "\t"
        else char
        for char in text
    )


def choice(value: object, field: str, options: tuple[str, ...], default: str | None = None) -> str:
    """One of `options` (ignoring case and outer spaces), else a message listing them."""
    if value in (None, "") and default is not None:
        return default
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text not in options:
        listed = ", ".join(options)
        raise PlanError(f"{field} must be one of {listed}; got {value!r}.")
    return text


def rating(value: object, field: str) -> int | None:
    """A 1-5 rating, or None for "not rated yet"; strings of digits are accepted."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PlanError(f"{field} must be a whole number from 1 to 5; got {value!r}.")
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            raise PlanError(f"{field} must be a whole number from 1 to 5; got {value!r}.")
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise PlanError(f"{field} must be a whole number from 1 to 5; got {value!r}.")
    return value


def iso_date(value: object, field: str) -> str | None:
    """An ISO date YYYY-MM-DD, or None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise PlanError(f"{field} must be a date like 2026-03-31; got {value!r}.")


def flag(value: object, field: str) -> bool:
    """A yes/no value; JSON booleans, 0/1 and yes/no/true/false are understood."""
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    words = {"yes": True, "true": True, "y": True, "1": True}
    words |= {"no": False, "false": False, "n": False, "0": False}
    if isinstance(value, str) and value.strip().lower() in words:
        return words[value.strip().lower()]
    raise PlanError(f"{field} must be true or false; got {value!r}.")


def plural(count: int, noun: str) -> str:
    """ "1 comment", "2 comments": a count with its noun (nouns that take an s)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
