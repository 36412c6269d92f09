"""Highlighted snippets: the title and summary of a search result with its words marked, in the
article's own text.

ts_headline() marks words in the normalised text (search/normalize.py), the text the search's
words were matched in, so "كتاب" typed on an Arabic keyboard marks "کتاب". Shown as it is, that
text is not the article's: Persian digits become ASCII ones and a half-space a space, so
"۱۴۰۳" reads "1403" and "کتاب‌ها" reads "کتاب ها" in the one snippet of a page that holds a
match. The marks are therefore carried back onto the text as written (in_original()), and the
normalised text is shown only where that cannot be done.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from pressroom.search.normalize import (
    DECIMAL_SEPARATOR,
    DIGIT_FROM,
    DIGIT_TO,
    LETTER_FROM,
    LETTER_TO,
    OTHER_SPACES,
    REMOVED,
    THOUSANDS_SEPARATOR,
)

MARK_START, MARK_END = "\ue000", "\ue001"  # private-use: never in text once stripped from it

# Titles are highlighted whole, and so are summaries of up to SUMMARY_WHOLE characters (about
# as many words as two fragments show, at half the cost: 15 µs against 29 for a sample
# summary); longer ones give up to two fragments. Bodies are never read: snippets come from
# title and summary.
SUMMARY_WHOLE = 300
SUMMARY_WORDS = 30
FRAGMENT_DELIMITER = " … "
TITLE_HEADLINE = f"HighlightAll=true, StartSel={MARK_START}, StopSel={MARK_END}"
SUMMARY_HEADLINE = (
    f"MaxWords={SUMMARY_WORDS}, MinWords=12, ShortWord=2, MaxFragments=2, "
    f'FragmentDelimiter="{FRAGMENT_DELIMITER}", StartSel={MARK_START}, StopSel={MARK_END}'
)

MARKS = MARK_START + MARK_END
_WITHOUT_MARKS = str.maketrans("", "", MARKS)
# Every character normalize_text() turns into a plain space on its own (rule 5), read from its
# character class: none lies above the highest character the class names (2 ms at import, a
# fifth of scanning every character of the BMP).
_HIGHEST_SPACE = max(map(ord, codecs.decode(OTHER_SPACES, "unicode_escape")))
_SPACES = "".join(re.findall(f"[{OTHER_SPACES}]", "".join(map(chr, range(_HIGHEST_SPACE + 1)))))
_SEPARATORS = {DECIMAL_SEPARATOR: ".", THOUSANDS_SEPARATOR: ","}
# The rules of normalize_text() that put one character in the place of one: Arabic-keyboard
# letters, digits, lone spaces of other kinds, and the Arabic decimal and thousands separators
# (between digits only: elsewhere the texts then differ there, which costs the slower way, not
# a wrong mark). Most of a real text needs nothing else, and then every character of the
# normalised text stands where its original does. (Translating a whole text is not cheap, 0.1
# µs a character, so only the marked words are compared.)
_ONE_FOR_ONE = str.maketrans(
    LETTER_FROM + DIGIT_FROM + _SPACES + "".join(_SEPARATORS),
    LETTER_TO + DIGIT_TO + " " * len(_SPACES) + "".join(_SEPARATORS.values()),
)
# What each character becomes on its own (rules 2, 4 and 5; a separator's depends on its
# neighbours, rule 3).
_ONE_FOR_AT_MOST_ONE = str.maketrans(
    LETTER_FROM + DIGIT_FROM + _SPACES, LETTER_TO + DIGIT_TO + " " * len(_SPACES), REMOVED
)

# Where each character of a normalised text comes from in the original: the span of the
# original characters it was made of.
Origins = list[tuple[int, int]]
Spans = list[tuple[int, int]]


class Piece(NamedTuple):
    """A piece of ts_headline()'s output: as it gave it, where it starts in the normalised
    text (-1: not found there), without its marks, and the spans its marks enclosed."""

    marked: str
    at: int
    plain: str
    spans: Spans


# Characters compared at either edge of a fragment found at the same place in both texts.
EDGE = 3
# How far from where the normalised text has it a marked word is looked for in the original.
NEAR = 16


def escaped(text: str) -> str:
    """html.escape(text): most titles and summaries hold none of the characters it replaces,
    and testing for them costs a sixth of its five passes (0.14 against 0.82 µs a title)."""
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return html.escape(text)
    return text


def marked_to_html(text: str) -> str:
    """Escaped text with <mark> around the matched words, safe to put in a page as it is."""
    return escaped(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def summary_opening(summary: str) -> str:
    """A summary that holds none of the search's words: whole if it is short, as highlighted
    ones are, otherwise its first words, as many as a highlighted fragment shows."""
    if len(summary) <= SUMMARY_WHOLE:
        return summary
    words = summary.split(maxsplit=SUMMARY_WORDS)
    if len(words) > SUMMARY_WORDS:
        return " ".join(words[:SUMMARY_WORDS]) + " …"
    return summary


def in_original(marked: str, original: str, normalised: str | None = None) -> str:
    """ts_headline()'s marks carried onto the text as written: `marked` is the whole
    normalised text highlighted, or, given the `normalised` text it came from, fragments of it
    joined by FRAGMENT_DELIMITER. Each piece becomes the same span of `original` with the same
    words marked; one that cannot be matched up with the original (ts_headline drops what its
    parser reads as markup, outside HighlightAll) is shown as ts_headline gave it."""
    text = original
    if MARK_START in text or MARK_END in text:  # marks of its own would be forged
        text = text.translate(_WITHOUT_MARKS)
    if normalised is None:
        plain = _without_marks(marked)
        if plain == text and _marks_paired(marked):
            # Written as it is normalised (most titles, and some summaries, of the sample
            # corpus): the marked text is the text as written, marked.
            return marked
        spans = _spans(marked)
        whole = _whole(text, plain, spans)
        return (
            whole
            if whole is not None
            else _aligned(text, plain, [Piece(marked, 0, plain, spans)])[0]
        )
    pieces: list[Piece] = []
    searched_from = 0
    for piece in marked.split(FRAGMENT_DELIMITER):
        plain, spans = _unmark(piece)
        at = normalised.find(plain, searched_from) if plain else -1
        if at >= 0:
            searched_from = at + len(plain)
        pieces.append(Piece(piece, at, plain, spans))
    if len(normalised) == len(text) and all(
        at >= 0 and _same_places(text, plain, at, spans) for _, at, plain, spans in pieces
    ):
        return FRAGMENT_DELIMITER.join(
            _mark(text, at, at + len(plain), [(at + a, at + b) for a, b in spans])
            for _, at, plain, spans in pieces
        )
    return FRAGMENT_DELIMITER.join(_aligned(text, normalised, pieces))


def _whole(text: str, plain: str, spans: Spans) -> str | None:
    """The whole text marked, if every character of it is where its normalised one is, or
    else each marked word is found written as the one-for-one rules make it, near where the
    normalised text has it (a split plural or a run of spaces moves what follows by one). None
    where a marked word is written otherwise (diacritics, presentation forms)."""
    # The whole text: its edges need no check, only where the marks go.
    if len(plain) == len(text) and _same_places(text, plain, 0, spans, edges=False):
        return _mark(text, 0, len(text), spans)
    found: Spans = []
    drift = after = 0
    for start, end in spans:
        word = plain[start:end]
        at = _nearest(text, word, start + drift, after)
        if at is None:
            return None
        found.append((at, at + len(word)))
        drift, after = at - start, at + len(word)
    return _mark(text, 0, len(text), found)


def _nearest(text: str, word: str, expected: int, after: int) -> int | None:
    """Where `word` is written in `text`, as the one-for-one rules make it, closest to
    `expected` and not before `after`; None if not within NEAR characters."""
    for shift in range(2 * NEAR + 1):
        at = expected + (shift + 1) // 2 * (1 if shift % 2 else -1)
        if at < after or at + len(word) > len(text):
            continue
        written = text[at : at + len(word)]
        if written == word or written.translate(_ONE_FOR_ONE) == word:
            return at
    return None


def _same_places(text: str, plain: str, at: int, spans: Spans, *, edges: bool = True) -> bool:
    """Whether the piece `plain`, found at `at` of a normalised text as long as `text`, stands
    at the same place in `text`: its marked words (and its edges, unless edges=False) are what
    the one-for-one rules make of the original characters there."""
    checked = spans
    if edges:
        checked = [(0, min(EDGE, len(plain))), (max(len(plain) - EDGE, 0), len(plain)), *spans]
    for start, end in checked:
        written = text[at + start : at + end]
        if written != plain[start:end] and written.translate(_ONE_FOR_ONE) != plain[start:end]:
            return False
    return True


def _unmark(marked: str) -> tuple[str, Spans]:
    """The text without its marks, and the spans they enclosed in it."""
    return _without_marks(marked), _spans(marked)


def _without_marks(marked: str) -> str:
    return marked.replace(MARK_START, "").replace(MARK_END, "")


def _marks_paired(marked: str) -> bool:
    """Whether every mark opens, encloses a word and closes, as ts_headline() writes them."""
    return MARK_START + MARK_END not in marked and marked.count(MARK_START) == marked.count(
        MARK_END
    )


def _spans(marked: str) -> Spans:
    """The spans the marks enclose, in the text without them."""
    spans: Spans = []
    removed = 0
    at = marked.find(MARK_START)
    while at >= 0 and (end := marked.find(MARK_END, at)) >= 0:
        if end > at + 1:
            spans.append((at - removed, end - removed - 1))
        removed += 2
        at = marked.find(MARK_START, end)
    return spans


def _mark(text: str, start: int, end: int, spans: Spans) -> str:
    """text[start:end] with MARK_START and MARK_END around each of the spans (within it, in
    order, not overlapping)."""
    shown: list[str] = []
    at = start
    for span_start, span_end in spans:
        shown += [text[at:span_start], MARK_START, text[span_start:span_end], MARK_END]
        at = span_end
    shown.append(text[at:end])
    return "".join(shown)


def _aligned(text: str, normalised: str, pieces: list[Piece]) -> list[str]:
    """Each piece marked in `text`, through where each character of `normalised` comes from."""
    origins = _origins(text, normalised)
    shown: list[str] = []
    for piece, at, plain, spans in pieces:
        if not origins or at < 0 or not plain:
            shown.append(piece)
            continue
        start, end = origins[at][0], origins[at + len(plain) - 1][1]
        marks = [(origins[at + a][0], origins[at + b - 1][1]) for a, b in spans]
        shown.append(_mark(text, start, end, marks))
    return shown


@lru_cache(maxsize=8192)
def _image(cluster: str) -> str:
    """What normalize_text() makes of a letter and the combining marks after it, before it
    collapses spaces and splits plurals: NFKC composes them (alef and maddah above make alef
    madda), then rules 2 to 5 map or remove each character."""
    return unicodedata.normalize("NFKC", cluster).translate(_ONE_FOR_AT_MOST_ONE)


def _common_run(a: str, i: int, b: str, j: int) -> int:
    """How many characters a[i:] and b[j:] have in common at their start, compared in slices
    that double while they agree: most of a text is the same in both."""
    limit = min(len(a) - i, len(b) - j)
    if limit <= 0 or a[i] != b[j]:  # between two characters that differ, such as digits
        return 0
    run, step = 1, 16
    while run < limit:
        size = min(step, limit - run)
        if a[i + run : i + run + size] == b[j + run : j + run + size]:
            run += size
            step *= 2
        elif size == 1:
            break
        else:
            step = size // 2
    return run


def _origins(text: str, normalised: str) -> Origins:
    """The span of `text` each character of normalize_text(text) comes from; none where the
    two cannot be matched up. Runs the texts share are taken whole; the rest character by
    character, the way normalize_text() treats them."""
    origins: Origins = []
    # Compared after the one-for-one rules, digits and half-spaces do not break runs.
    same_places = text.translate(_ONE_FOR_ONE)
    i = 0
    while len(origins) < len(normalised):
        j = len(origins)
        # A run stops before a letter that combining marks follow: NFKC may compose them.
        run = _common_run(same_places, i, normalised, j)
        while run and i + run < len(text) and unicodedata.combining(text[i + run]):
            run -= 1
        if run:
            origins += [(k, k + 1) for k in range(i, i + run)]
            i += run
            continue
        if i == len(text):
            return []
        end = i + 1
        while end < len(text) and unicodedata.combining(text[end]) and _image(text[i]).strip():
            end += 1
        image = _image(text[i:end])
        if not image:  # removed (rule 4)
            i = end
        elif not image.strip(" "):  # a space: a run of them is one, none at either end
            if normalised[j] == " ":
                origins.append((i, end))
            i = end
            while i < len(text) and not _image(text[i]).strip(" "):
                i += 1
        elif normalised.startswith(image, j):
            origins += [(i, end)] * len(image)
            i = end
        elif normalised[j] == " ":  # the space before a plural suffix (rule 6)
            origins.append((i, i))
        elif text[i] in _SEPARATORS and normalised[j] == _SEPARATORS[text[i]]:  # rule 3
            origins.append((i, end))
            i = end
        else:
            return []
    return origins
