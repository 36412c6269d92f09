"""Query/document pairs written for pressroom: (language, query, document, should match).

Every normalisation rule appears in both directions (document in Arabic form found by a Persian
query, and the reverse), with half-space variants, digits, diacritics, stopwords, mixed scripts
and English stemming. The search endpoint's tests reuse them.
"""

from __future__ import annotations

PAIRS: list[tuple[str, str, str, bool]] = [
    # Arabic yeh / kaf / alef maksura, both directions.
    ("fa", "کتاب", "كتاب تازه منتشر شد", True),
    ("fa", "كتاب", "کتاب تازه منتشر شد", True),
    ("fa", "علی", "سخنان علي در مجلس", True),
    ("fa", "علي", "سخنان علی در مجلس", True),
    ("fa", "مصطفی", "دیدار با مصطفى", True),
    ("fa", "یکشنبه", "جلسه روز يكشنبه برگزار شد", True),
    # Teh marbuta and heh with hamza.
    ("fa", "مدرسه", "افتتاح مدرسة جدید", True),
    ("fa", "مدرسة", "افتتاح مدرسه جدید", True),
    ("fa", "خانه", "خانۀ فرهنگ بازگشایی شد", True),
    ("fa", "خانۀ", "خانه فرهنگ بازگشایی شد", True),
    # Alef with hamza and wasla.
    ("fa", "احمد", "گفت‌وگو با أحمد", True),
    ("fa", "أحمد", "گفت‌وگو با احمد", True),
    ("fa", "اسلام", "تاریخ إسلام", True),
    # Alef madda stays a letter of its own.
    ("fa", "آب", "آب و هوا", True),
    # Tatweel and diacritics.
    ("fa", "کتاب", "کـــتاب سال", True),
    ("fa", "السلام", "اَلسَّلامُ عَلَيْكُمْ", True),
    ("fa", "رحمن", "رحمٰن", True),
    # Digits: Persian, Arabic-Indic and ASCII find each other.
    ("fa", "1402", "بودجه سال ۱۴۰۲ تصویب شد", True),
    ("fa", "۱۴۰۲", "بودجه سال 1402 تصویب شد", True),
    ("fa", "٢٠٢٤", "المپیک ۲۰۲۴ پاریس", True),
    # Decimal and thousands separators: a number as typed on either keyboard (migration 0016).
    ("fa", "3.2", "تورم ۳٫۲ درصد افزایش یافت", True),
    ("fa", "۳٫۲", "inflation rose 3.2 percent", True),
    ("fa", "3.2", "تورم ۳۲ درصد افزایش یافت", False),
    ("fa", "1,250,000", "قیمت ۱٬۲۵۰٬۰۰۰ تومان", True),
    # Half-space policy: all three spellings find each other.
    ("fa", "کتاب‌ها", "کتابها را خواندم", True),
    ("fa", "کتابها", "کتاب‌ها را خواندم", True),
    ("fa", "کتاب ها", "کتاب‌ها را خواندم", True),
    ("fa", "کتاب‌ها", "کتاب ها را خواندم", True),
    ("fa", "کتاب‌های", "کتابهای درسی", True),
    ("fa", "انجام می‌شود", "این کار انجام مي‌شود", True),  # "می" and "شود" are stopwords
    # Presentation forms.
    ("fa", "کتاب", "ﻛﺘﺎﺏ", True),
    # Stopwords are not required to match.
    ("fa", "کتاب های من", "کتاب خوبی بود", True),
    ("fa", "اقتصاد در ایران", "اقتصاد ایران رشد کرد", True),
    # Mixed scripts: English inside Persian, stemmed as English.
    ("fa", "google", "شرکت Google محصول تازه‌ای معرفی کرد", True),
    ("fa", "Google", "شرکت google محصول تازه‌ای معرفی کرد", True),
    ("fa", "running", "برنامه runs on Linux", True),
    ("fa", "گوگل google", "گوگل و Google", True),
    # English articles: stemming, case, stopwords.
    ("en", "running", "She runs the marathon", True),
    ("en", "Elections", "The election results are in", True),
    ("en", "the economy", "Economy grows again", True),
    ("en", "تهران", "Talks held in تهران today", True),
    # Things that must not match.
    ("fa", "کتاب", "کتک خورد", False),
    ("fa", "تنها", "تن ها", False),
    ("fa", "اقتصاد", "ورزش و فرهنگ", False),
    ("en", "running", "He is a good rug maker", False),
    ("fa", "آب", "اب", False),
]
