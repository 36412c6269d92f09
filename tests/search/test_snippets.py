"""Snippets: ts_headline's marks, made in the normalised text, carried onto the text as written."""

from __future__ import annotations

import html
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom.search.normalize import normalize_text
from pressroom.search.snippets import (
    FRAGMENT_DELIMITER,
    MARK_END,
    MARK_START,
    MARKS,
    escaped,
    in_original,
)
from tests.search.test_normalize import CASES, INTERESTING


def _marked(words: list[str], chosen: set[int]) -> str:
    return " ".join(
        f"{MARK_START}{word}{MARK_END}" if n in chosen and word else word
        for n, word in enumerate(words)
    )


def _readable(text: str) -> str:
    return text.replace(MARK_START, "[").replace(MARK_END, "]")


def _check(shown: str, original: str, pieces: list[str], *, as_given: bool = False) -> None:
    """`shown` is the original's spans of `pieces` (marked normalised text), marked where they
    are: each piece's text comes from the original, normalises to the piece, and its marks
    enclose words that normalise to the words marked there. With as_given, a piece may also be
    shown as it was given."""
    shown_pieces = shown.split(FRAGMENT_DELIMITER)
    assert len(shown_pieces) == len(pieces)
    for piece, shown_piece in zip(pieces, shown_pieces, strict=True):
        if as_given and shown_piece == piece:
            continue
        plain = shown_piece.replace(MARK_START, "").replace(MARK_END, "")
        assert plain in original, (piece, shown_piece)
        marked_words = [part.partition(MARK_END)[0] for part in piece.split(MARK_START)[1:]]
        shown_words = [part.partition(MARK_END)[0] for part in shown_piece.split(MARK_START)[1:]]
        assert [normalize_text(word) for word in shown_words] == marked_words
        unmarked = piece.replace(MARK_START, "").replace(MARK_END, "")
        assert normalize_text(plain) == unmarked


def test_persian_digits_and_half_spaces_stay_as_written() -> None:
    original = "نرخ تورم در سال ۱۴۰۳ به رکورد تازه‌ای رسید و كتابها گران شد"
    normalised = normalize_text(original)
    marked = normalised.replace("1403", f"{MARK_START}1403{MARK_END}").replace(
        "کتاب", f"{MARK_START}کتاب{MARK_END}"
    )
    assert _readable(in_original(marked, original)) == (
        "نرخ تورم در سال [۱۴۰۳] به رکورد تازه‌ای رسید و [كتاب]ها گران شد"
    )


def test_fragments_are_found_in_the_normalised_text() -> None:
    original = "  اوّل: " + " ".join(f"واژه{n}" for n in range(30)) + " تورمِ ۱۲٫۵ درصدی"
    normalised = normalize_text(original)
    words = normalised.split(" ")
    first = _marked(words[2:8], {1})
    last = _marked(words[-5:], {2, 3})
    shown = in_original(first + FRAGMENT_DELIMITER + last, original, normalised)
    assert _readable(shown) == (
        "واژه1 [واژه2] واژه3 واژه4 واژه5 واژه6 … واژه28 واژه29 [تورمِ] [۱۲٫۵] درصدی"
    )


def test_a_piece_not_in_the_text_is_shown_as_given() -> None:
    # ts_headline replaces what its parser takes for markup by a space, outside HighlightAll.
    original = "before <b>bold</b> after " + "word " * 60
    marked = f"before {MARK_START}bold{MARK_END} after"
    assert in_original(marked, original, normalize_text(original)) == marked


def test_a_text_written_as_it_is_normalised_keeps_its_marks() -> None:
    original = "وزارت نفت گزارش تازه‌ای داد"
    marked = f"{MARK_START}وزارت{MARK_END} {MARK_START}نفت{MARK_END} گزارش تازه ای داد"
    # Not as written (the half-space): the marks are carried over.
    assert _readable(in_original(marked, original)) == "[وزارت] [نفت] گزارش تازه‌ای داد"
    written_as_normalised = original.replace("\u200c", " ")
    assert in_original(marked, written_as_normalised) == marked
    # Marks that enclose nothing, or do not close, are not shown.
    assert in_original(f"{MARK_START}{MARK_END}وزارت نفت", "وزارت نفت") == "وزارت نفت"
    assert in_original(f"{MARK_START}وزارت نفت", "وزارت نفت") == "وزارت نفت"


def test_marks_in_the_original_are_not_forged() -> None:
    original = f"a {MARK_START}fake{MARK_END} mark and a real one"
    shown = in_original(f"a fake mark and a {MARK_START}real{MARK_END} one", original)
    assert _readable(shown) == "a fake mark and a [real] one"


@pytest.mark.parametrize(("raw", "normal"), CASES)
def test_every_rule_maps_back(raw: str, normal: str) -> None:
    words = normal.split(" ")
    marked = _marked(words, set(range(len(words))))
    _check(in_original(marked, raw), raw, [marked])


def _maps_back(original: str, rng: random.Random, *, as_given: bool) -> None:
    # ts_headline is given the normalised text without the marks' characters (engine.SEARCH).
    normalised = normalize_text(original).translate(str.maketrans("", "", MARKS))
    words = normalised.split(" ")
    chosen = {n for n in range(len(words)) if rng.random() < 0.4}
    whole = _marked(words, chosen)
    _check(in_original(whole, original), original, [whole], as_given=as_given)
    cut = sorted(rng.sample(range(len(words) + 1), 2)) if len(words) > 1 else [0, 1]
    pieces = [_marked(words[: cut[0] + 1], chosen), _marked(words[cut[1] :], chosen)]
    pieces = [piece for piece in pieces if piece] or [whole]
    shown = in_original(FRAGMENT_DELIMITER.join(pieces), original, normalised)
    _check(shown, original, pieces, as_given=as_given)


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.sampled_from(INTERESTING), max_size=60), st.randoms())
def test_persian_and_arabic_text_maps_back_whole_or_in_fragments(
    original: str, rng: random.Random
) -> None:
    _maps_back(original, rng, as_given=False)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=30), st.randoms())
def test_any_text_maps_back_or_is_shown_as_given(original: str, rng: random.Random) -> None:
    # NFKC turns some characters into a space and a combining mark ("¨"), whose space may
    # then be dropped: such a text is shown normalised.
    _maps_back(original, rng, as_given=True)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"&<>\"'a ب", *INTERESTING]), max_size=30))
def test_escaped_is_html_escape(text: str) -> None:
    assert escaped(text) == html.escape(text)
