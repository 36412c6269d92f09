"""Article text: titles, summaries and bodies from per-language grammars in ``vocabulary``.

Bodies are assembled from per-(language, section) pools of pre-generated paragraphs, not word
by word: that is what makes million-article benchmark corpora cheap. Pool text holds
placeholders for the article's main person and city, so each article still names its own.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from random import Random
from typing import NamedTuple

from pressroom.sample import vocabulary as vocab
from pressroom.sample.random_streams import POOL_SALT, choice, mix64, new_rng, pick

ARABIC_FORM_SHARE = 0.05
NO_ZWNJ_SHARE = 0.04
PERSIAN_DIGIT_SHARE = 0.75
TITLE_WORDS = (6, 14)
SUMMARY_WORDS = (25, 60)
BODY_WORDS = (250, 1200)
# A summary of lead sentences of 9..36 words always lands in 25..60 words and 1..3 sentences;
# paragraphs of at most 6 * 45 words keep the body-fitting loops from overshooting.
_SENTENCE_WORDS, _LEAD_WORDS = (4, 45), (9, 36)
_POOL_SENTENCES, _POOL_LEADS, _POOL_PARAGRAPHS = 2500, 600, 4000

_Dynamic = Callable[[Random], str]
_Template = tuple[tuple[str, str | None], ...]
# (alternatives, cumulative weights, the alternatives as plain strings when none has a slot)
_Rule = tuple[tuple[_Template, ...], tuple[int, ...], tuple[str, ...] | None]

_PERSON, _CITY = "\x01", "\x02"  # placeholders; a person is two words, a city one
_FA_DIGITS = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹\u066b")
_EN_AN = re.compile(r"\b([Aa]) (?=[aeiouAEIOU])")
_SLOT = re.compile(r"\{(\w+)\}")


class ArticleText(NamedTuple):
    title: str
    summary: str
    body: str
    body_words: int


def article_text(rng: Random, language: str, section: str, person: str, city: str) -> ArticleText:
    """The text of one article naming ``person`` and ``city``; draws title, summary, body,
    then orthography from ``rng``, in that order, as the corpus's output depends on it."""
    paragraphs, leads = _pools(language, section)
    title = _title(_grammar(language, section), rng, person, city, language)
    summary = _fill(_summary(rng, leads), person, city)
    body, words = _body(rng, paragraphs, leads)
    body = _fill(body, person, city)
    if language == "fa":
        title, summary, body = _orthography(rng, title, summary, body)
    return ArticleText(title, summary, body, words)


def _rule(entries: Sequence[str]) -> _Rule:
    templates = []
    for entry in entries:
        parts = _SLOT.split(entry)
        templates.append(tuple(zip(parts[0::2], [*parts[1::2], None], strict=True)))
    # Integer Zipf-like weights: earlier alternatives are likelier, identically on every CPU.
    weights = itertools.accumulate(720_720 // (rank + 8) for rank in range(len(entries)))
    plain = None if any(len(template) > 1 for template in templates) else tuple(entries)
    return tuple(templates), tuple(weights), plain


class _Grammar:
    def __init__(self, rules: Mapping[str, Sequence[str]], dynamic: Mapping[str, _Dynamic]):
        self._rules = {name: _rule(entries) for name, entries in rules.items()}
        self._dynamic = dict(dynamic)
        used = {slot for rule, _, _ in self._rules.values() for t in rule for _, slot in t if slot}
        if missing := used - self._rules.keys() - self._dynamic.keys():
            raise ValueError(f"grammar refers to undefined rules: {sorted(missing)}")

    def expand(self, name: str, rng: Random) -> str:
        dynamic = self._dynamic.get(name)
        if dynamic is not None:
            return dynamic(rng)
        templates, cumulative, plain = self._rules[name]
        if plain is not None:
            return plain[pick(cumulative, rng)]
        template = templates[pick(cumulative, rng)]
        return "".join([text + self.expand(slot, rng) if slot else text for text, slot in template])


def _numbers(language: str) -> dict[str, _Dynamic]:
    persian = language == "fa"

    def shown(value: str, rng: Random) -> str:
        # Persian sites mostly, not always, write Persian digits: search has to fold both.
        if persian and rng.random() < PERSIAN_DIGIT_SHARE:
            return value.translate(_FA_DIGITS)
        return value

    def num(rng: Random) -> str:
        scale = (10, 100, 1000)[int(rng.random() * 3)]
        value = scale + int(rng.random() * scale * 9)
        return shown(str(value) if persian else f"{value:,}", rng)

    first_year = 1385 if persian else 2005  # Solar Hijri years, as Iranian outlets date things
    return {
        "num": num,
        "few": lambda rng: shown(str(2 + int(rng.random() * 11)), rng),
        "pct": lambda rng: shown(f"{1 + rng.random() * 39:.1f}", rng),
        "year": lambda rng: shown(str(first_year + int(rng.random() * 21)), rng),
    }


@cache
def _grammar(language: str, section: str) -> _Grammar:
    rules = dict(vocab.GRAMMARS[language])
    rules["topic"] = vocab.TOPICS[language][section]
    rules["first"] = vocab.FIRST_NAMES[language]
    rules["last"] = vocab.LAST_NAMES[language]
    rules["city"] = vocab.CITIES[language]
    placeholders: dict[str, _Dynamic] = {"P": lambda _: _PERSON, "C": lambda _: _CITY}
    return _Grammar(rules, placeholders | _numbers(language))


@dataclass(frozen=True, slots=True)
class _Pool:
    entries: tuple[tuple[str, int], ...]  # (text, words once placeholders are filled)
    mean_words: float


@cache
def _pools(language: str, section: str) -> tuple[_Pool, _Pool]:
    """(body paragraphs, lead sentences): the same for every seed, so built once a process."""
    rng = new_rng()
    rng.seed(mix64(POOL_SALT << 16 | vocab.SECTIONS.index(section) << 1 | (language == "fa")))
    grammar = _grammar(language, section)
    sentences = _sentences(grammar, rng, "sentence", _POOL_SENTENCES, _SENTENCE_WORDS, language)
    leads = _sentences(grammar, rng, "lead", _POOL_LEADS, _LEAD_WORDS, language)
    paragraphs = []
    for _ in range(_POOL_PARAGRAPHS):
        chosen = rng.choices(sentences, k=2 + int(rng.random() * 5))
        paragraphs.append((" ".join(text for text, _ in chosen), sum(w for _, w in chosen)))
    return _as_pool(paragraphs), _as_pool(leads)


def _sentences(
    grammar: _Grammar, rng: Random, rule: str, size: int, bounds: tuple[int, int], language: str
) -> list[tuple[str, int]]:
    entries: list[tuple[str, int]] = []
    for _ in range(size * 20):
        text = _polish(grammar.expand(rule, rng), language)
        words = len(text.split()) + text.count(_PERSON)
        if bounds[0] <= words <= bounds[1]:
            entries.append((text, words))
            if len(entries) == size:
                return entries
    raise ValueError(f"{language} rule {rule!r} rarely fits in {bounds} words")


def _as_pool(entries: Sequence[tuple[str, int]]) -> _Pool:
    return _Pool(tuple(entries), sum(words for _, words in entries) / len(entries))


def _polish(text: str, language: str) -> str:
    if language != "en":
        return text
    text = _EN_AN.sub(r"\1n ", text)
    return text[:1].upper() + text[1:]


def _fill(text: str, person: str, city: str) -> str:
    return text.replace(_PERSON, person).replace(_CITY, city)


def _title(grammar: _Grammar, rng: Random, person: str, city: str, language: str) -> str:
    low, high = TITLE_WORDS
    for _ in range(4):
        words = _fill(grammar.expand("title", rng), person, city).split()
        if low <= len(words) <= high:
            break
    else:
        while len(words) < low:
            words += grammar.expand("topic", rng).split()
    return _polish(" ".join(words[:high]), language)


def _summary(rng: Random, leads: _Pool) -> str:
    texts, total = [], 0
    while total < SUMMARY_WORDS[0]:
        text, words = choice(leads.entries, rng)
        texts.append(text)
        total += words
    return " ".join(texts)


def _body(rng: Random, paragraphs: _Pool, leads: _Pool) -> tuple[str, int]:
    low, high = BODY_WORDS
    lead, total = choice(leads.entries, rng)
    wanted = (rng.triangular(low, high, 450) - total) / paragraphs.mean_words
    picks = rng.choices(paragraphs.entries, k=max(1, round(wanted)))
    total += sum([words for _, words in picks])
    while total < low:
        picks.append(choice(paragraphs.entries, rng))
        total += picks[-1][1]
    while total > high:
        total -= picks.pop()[1]
    texts = [text for text, _ in picks]
    texts[0] = f"{lead} {texts[0]}"
    return "\n\n".join(texts), total


def _orthography(rng: Random, title: str, summary: str, body: str) -> tuple[str, str, str]:
    """Arabic-keyboard letters or dropped half-spaces, as some Persian sites publish them."""
    roll = rng.random()
    if roll < ARABIC_FORM_SHARE:  # str.replace: str.translate is ~100x slower on long text
        return _arabic_forms(title), _arabic_forms(summary), _arabic_forms(body)
    if roll < ARABIC_FORM_SHARE + NO_ZWNJ_SHARE:
        zwnj = vocab.ZWNJ
        return title.replace(zwnj, ""), summary.replace(zwnj, ""), body.replace(zwnj, "")
    return title, summary, body


def _arabic_forms(text: str) -> str:
    return text.replace("ی", "ي").replace("ک", "ك")
