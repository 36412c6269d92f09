"""One normalisation for documents and queries, in Python and, identically, in SQL.

pressroom.normalize_text() (migrations 0002, 0004, 0009, 0016) applies the same rules in the same order with the
same tables, built from the constants below; tests/search/test_normalize.py checks that the two
agree on large generated sets of strings. The rules, so that text typed on an Arabic keyboard,
with or without half-spaces, with Persian or Arabic-Indic digits, finds the same articles:

1. NFKC: Arabic presentation forms (and other compatibility characters) to their base letters.
2. Arabic yeh and alef maksura to Persian yeh; Arabic kaf to Persian kaf; teh marbuta and the
   heh forms (with hamza, goal, ae) to heh; alef with hamza or wasla to alef (alef madda, a
   letter of its own in Persian, stays).
3. Persian and Arabic-Indic digits to ASCII digits, and the Arabic decimal and thousands
   separators between two digits to a full stop and a comma, so "۳٫۲" is the number "3.2" as
   typed on any keyboard, and "۱٬۰۰۰" is "1,000".
4. Tatweel, harakat, superscript alef and other combining Arabic marks removed; invisible
   format characters (zero-width joiner and space, direction marks, soft hyphen) removed.
5. The zero-width non-joiner (half-space), non-breaking and all other Unicode spaces become a
   plain space, and runs of spaces one.
6. A plural suffix written joined to a word of at least three letters is split off, so that
   "کتاب‌ها", "کتابها" and "کتاب ها" all become "کتاب ها" (short words such as "تنها" stay whole).
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

# Rule 2 and 3: character to character.
LETTER_FROM = "\u064a\u0649\u0643\u0629\u06c0\u06c1\u06c2\u06d5\u0623\u0625\u0671"
LETTER_TO = "\u06cc\u06cc\u06a9\u0647\u0647\u0647\u0647\u0647\u0627\u0627\u0627"
DIGIT_FROM = "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9" + (
    "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)
DIGIT_TO = "0123456789" * 2
# Rule 4: removed outright. Tatweel; fathatan..sukun and the other combining marks U+064B-U+065F;
# superscript alef; Quranic marks U+06D6-U+06ED; ZWJ, ZWSP, LRM/RLM, LRE..RLO, word joiner,
# BOM, soft hyphen, Arabic letter mark.
REMOVED = (
    "\u0640"
    + "".join(chr(c) for c in range(0x064B, 0x0660))
    + "\u0670"
    + "".join(chr(c) for c in range(0x06D6, 0x06EE))
    + "\u200b\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\ufeff\u00ad\u061c"
)
# Rule 5: spaces, the half-space included, spelled out rather than \s, whose meaning differs
# between Python's re and PostgreSQL's regular expressions. Escapes both engines read alike.
OTHER_SPACES = (
    "\\t\\n\\v\\f\\r\\u001c-\\u001f\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u200c"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)
SPACES = " " + OTHER_SPACES
ARABIC_LETTERS = "\\u0621-\\u063a\\u0641-\\u064a\\u066e-\\u06d3"
PLURAL_SUFFIXES = ("هایی", "های", "ها")  # longest first: both engines try them in this order

_TABLE = str.maketrans(LETTER_FROM + DIGIT_FROM, LETTER_TO + DIGIT_TO, REMOVED)
# Rule 3, the separators: only between digits, since a separator typed between words (for a
# comma, say) would otherwise join them into one token ("word.word" parses as a host name).
# The lookahead lets one digit close a number and open the next ("1٫2٫3" is "1.2.3").
DECIMAL_SEPARATOR, THOUSANDS_SEPARATOR = "\u066b", "\u066c"
SEPARATED_DECIMAL = f"([0-9]){DECIMAL_SEPARATOR}(?=[0-9])"
SEPARATED_THOUSANDS = f"([0-9]){THOUSANDS_SEPARATOR}(?=[0-9])"
_SEPARATED_DECIMAL = re.compile(SEPARATED_DECIMAL)
_SEPARATED_THOUSANDS = re.compile(SEPARATED_THOUSANDS)
# A run of spaces becomes one plain space. Written so that a lone plain space, which needs no
# change and is most of a text's spaces, is not a match: PostgreSQL builds its result match by
# match, and `[spaces]+` cost 240 µs on a 3.7 kB body, this 30 µs. Both engines take the longer
# alternative where both apply (PostgreSQL: an alternation is greedy; Python: the first wins).
SPACE_RUN = f"[{SPACES}]{{2,}}|[{OTHER_SPACES}]"
JOINED_PLURAL = f"([{ARABIC_LETTERS}]{{3,}})({'|'.join(PLURAL_SUFFIXES)})(?![{ARABIC_LETTERS}])"
_SPACE_RUN = re.compile(SPACE_RUN)
_JOINED_PLURAL = re.compile(JOINED_PLURAL)


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TABLE)
    text = _SEPARATED_DECIMAL.sub(r"\1.", text)
    text = _SEPARATED_THOUSANDS.sub(r"\1,", text)
    text = _SPACE_RUN.sub(" ", text)
    return _JOINED_PLURAL.sub(r"\1 \2", text).strip(" ")


def _unicode_literal(chars: str) -> str:
    return "U&'" + "".join(f"\\{ord(c):04X}" for c in chars) + "'"


def _replace_chain(expression: str, sources: str, targets: str) -> str:
    for source, target in zip(sources, targets, strict=True):
        expression = (
            f"replace({expression}, {_unicode_literal(source)}, {_unicode_literal(target)})"
        )
    return expression


def _char_class(chars: str) -> str:
    return "[" + "".join(f"\\u{ord(c):04x}" for c in chars) + "]"


# The character mappings in groups that tend to occur together, each tried only when one of
# its characters is there: Arabic-keyboard yeh and kaf; the heh and alef forms; Persian digits;
# Arabic-Indic digits.
MAPPED_GROUPS = (
    (LETTER_FROM[:3], LETTER_TO[:3]),
    (LETTER_FROM[3:], LETTER_TO[3:]),
    (DIGIT_FROM[:10], DIGIT_TO[:10]),
    (DIGIT_FROM[10:], DIGIT_TO[10:]),
)


def sql_definition() -> str:
    """The CREATE OR REPLACE FUNCTION of pressroom.normalize_text(), built from the same tables
    as normalize_text(); the latest migration defining the function (0016) holds this text, and
    a test keeps the two identical.

    Shaped for speed on long bodies, since every article body goes through it on every write.
    translate() compares every character with every character of its table (1.9 ms a 3.6 kB
    body with ours); a replace() per mapped character is cheaper but still reads the whole text
    each time, about 10 µs a call on a body, so the replacements run by group, and only for the
    groups a regular expression test finds in the text. That needs variables, hence PL/pgSQL
    (an SQL function would have to be inlined to be cheap, and cannot name an intermediate
    result; called rather than inlined it cost 0.2 ms). NFKC is skipped for text already in
    NFKC, which the IS NORMALIZED test finds three times faster than normalize() rewrites it;
    removed characters are one regular expression."""
    removed = "".join(f"\\u{ord(c):04x}" for c in REMOVED)
    groups = "\n".join(
        f"    IF t ~ '{_char_class(sources)}' THEN\n"
        f"        t := {_replace_chain('t', sources, targets)};\n"
        "    END IF;"
        for sources, targets in MAPPED_GROUPS
    )
    return f"""CREATE OR REPLACE FUNCTION pressroom.normalize_text(input text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    -- Generated by pressroom.search.normalize.sql_definition(); edit that, not this.
    AS $$
DECLARE
    t text := input;
BEGIN
    IF t IS NOT NFKC NORMALIZED THEN
        t := normalize(t, NFKC);
    END IF;
    t := regexp_replace(t, '[{removed}]+', '', 'g');
{groups}
    IF t ~ '[{DECIMAL_SEPARATOR}{THOUSANDS_SEPARATOR}]' THEN
        t := regexp_replace(t, '{SEPARATED_DECIMAL}', '\\1.', 'g');
        t := regexp_replace(t, '{SEPARATED_THOUSANDS}', '\\1,', 'g');
    END IF;
    t := regexp_replace(t, '{SPACE_RUN}', ' ', 'g');
    RETURN btrim(regexp_replace(t, '{JOINED_PLURAL}', '\\1 \\2', 'g'), ' ');
END
$$;
"""


def _stopword_list() -> list[str]:
    raw = (resources.files("pressroom.search") / "stopwords_fa.txt").read_text(encoding="utf-8")
    words = {normalize_text(line) for line in raw.splitlines() if line and not line.startswith("#")}
    # A line that normalises to two words ("می‌شود") contributes both.
    return sorted({word for entry in words for word in entry.split(" ") if word})


PERSIAN_STOPWORDS: tuple[str, ...] = tuple(_stopword_list())


def stopwords_sql_definition() -> str:
    """pressroom.persian_stopwords(): the shipped list as an IMMUTABLE array, so ts_delete() can
    drop stopwords on managed PostgreSQL, where no stopword file can be put on the server."""
    array = "{" + ",".join(f'"{word}"' for word in PERSIAN_STOPWORDS) + "}"
    return f"""CREATE FUNCTION pressroom.persian_stopwords() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- Generated from src/pressroom/search/stopwords_fa.txt by stopwords_sql_definition().
    AS $$ SELECT '{array}'::text[] $$;
"""
