"""Normalisation: each rule, and Python and SQL agreeing on whatever text is thrown at them."""

from __future__ import annotations

from importlib import resources

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom.search.normalize import normalize_text, sql_definition

CASES = [
    # Arabic letters typed on an Arabic keyboard become the Persian ones.
    ("كتاب", "کتاب"),
    ("علي", "علی"),
    ("مصطفى", "مصطفی"),
    # Teh marbuta and heh forms become heh; alef with hamza or wasla becomes alef.
    ("مدرسة", "مدرسه"),
    ("خانۀ", "خانه"),
    ("رسانهٔ ملی", "رسانه ملی"),
    ("أحمد إسلام ٱلله", "احمد اسلام الله"),
    ("آب", "آب"),  # alef madda is a Persian letter of its own
    # Digits.
    ("۱۴۰۲", "1402"),
    ("٢٠٢٤", "2024"),
    # Tatweel and diacritics.
    ("کـــتاب", "کتاب"),
    ("اَلسَّلامُ عَلَيْكُمْ", "السلام علیکم"),
    ("رحمٰن", "رحمن"),
    # Presentation forms.
    ("ﻛﺘﺎﺏ", "کتاب"),
    ("ﻻ", "لا"),
    # Half-space, spaces and invisible characters.
    ("کتاب\u200cها", "کتاب ها"),
    ("کتابها", "کتاب ها"),
    ("کتاب ها", "کتاب ها"),
    ("کتاب‌های جدید", "کتاب های جدید"),
    ("کتابهایی", "کتاب هایی"),
    ("تنها", "تنها"),  # too short to carry a plural suffix
    ("می\u200cشود", "می شود"),
    ("news\u00a0today\u2003now", "news today now"),
    ("a\u200db\u200bc\u200ed", "abcd"),
    ("  padded\t\n", "padded"),
    # The Arabic decimal and thousands separators between digits, as typed in English.
    ("افزایش ۳٫۲ درصد", "افزایش 3.2 درصد"),
    ("۱٬۲۵۰٬۰۰۰ تومان", "1,250,000 تومان"),
    ("١٫٥", "1.5"),
    ("1٫2٫3", "1.2.3"),
    # Not between digits: left alone, so no two words become one token.
    ("ایران٫تهران", "ایران٫تهران"),
    ("٫۵ و ۳٫", "٫5 و 3٫"),
    # English is left alone.
    ("Running Tests", "Running Tests"),
]


@pytest.mark.parametrize(("raw", "normal"), CASES)
def test_each_rule(raw: str, normal: str) -> None:
    assert normalize_text(raw) == normal


@pytest.mark.parametrize(("raw", "normal"), CASES)
def test_normalizing_twice_changes_nothing(raw: str, normal: str) -> None:
    assert normalize_text(normalize_text(raw)) == normalize_text(raw)


def test_the_latest_migration_of_the_function_holds_the_generated_definition() -> None:
    folder = resources.files("pressroom.db.migrations")
    defining = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.name.endswith(".up.sql")
        and "FUNCTION pressroom.normalize_text" in entry.read_text(encoding="utf-8")
    )
    latest = defining[-1]
    assert sql_definition() in (folder / latest).read_text(encoding="utf-8"), (
        f"regenerate {latest} from sql_definition()"
    )


# Everything the rules touch, and neighbours they must leave alone.
INTERESTING = (
    [chr(c) for c in range(0x0600, 0x0700)]
    + [chr(c) for c in range(0xFB50, 0xFBB2)]
    + [chr(c) for c in range(0xFE70, 0xFEFD)]
    + list("\u200c\u200d\u200b\u200e\u200f\u00a0\u2003\u3000\u00ad\ufeff \t\n")
    + list("abcXYZ019 .,-")
)
# Numbers: digits of the three kinds around the separators, so that digit, separator, digit
# sequences (rare among the characters above) are generated often.
NUMERALS = list("0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩\u066b\u066c.,ب ")
texts = (
    st.text(alphabet=st.sampled_from(INTERESTING), max_size=40)
    | st.text(alphabet=st.sampled_from(NUMERALS), max_size=20)
    | st.text(max_size=20)
)


async def _agree(conn: asyncpg.Connection, samples: list[str]) -> None:
    # NUL cannot be stored in PostgreSQL text at all; everything else must agree.
    samples = [s for s in samples if "\x00" not in s]
    rows = await conn.fetch(
        "SELECT pressroom.normalize_text(t) AS n FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY i",
        samples,
    )
    for sample, row in zip(samples, rows, strict=True):
        assert row["n"] == normalize_text(sample), repr(sample)


async def test_sql_agrees_with_python_on_the_cases(reader: asyncpg.Connection) -> None:
    await _agree(reader, [raw for raw, _ in CASES])


async def test_sql_agrees_with_python_on_generated_text(reader: asyncpg.Connection) -> None:
    samples: list[str] = []

    @settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
    @given(texts)
    def collect(text: str) -> None:
        samples.append(text)

    collect()
    await _agree(reader, samples)
