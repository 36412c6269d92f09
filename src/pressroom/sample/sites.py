"""Sample news sites: their domains and display names, and the per-site publishing profile."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from pressroom.sample import vocabulary as vocab
from pressroom.sample.random_streams import PROFILE_SALT, choice, mix64, new_rng, stream_base


@dataclass(frozen=True, slots=True)
class SampleSite:
    domain: str
    name: str
    language: str


@dataclass(frozen=True, slots=True)
class SiteProfile:
    site: SampleSite
    authors: tuple[str, ...]
    url_style: int
    image_host: str


def unique_site(rng: Random, language: str, index: int, taken: set[str]) -> SampleSite:
    """A site whose domain is not in ``taken``; adds the domain to ``taken``."""
    for _ in range(30):
        label, tld, name = _site_candidate(rng, language)
        if f"{label}.{tld}" not in taken:
            break
    else:  # the name space is small; numbering keeps any number of sites unique
        number = index
        while f"{label}{number}.{tld}" in taken:
            number += 1
        label = f"{label}{number}"
    taken.add(f"{label}.{tld}")
    return SampleSite(domain=f"{label}.{tld}", name=name, language=language)


def _site_candidate(rng: Random, language: str) -> tuple[str, str, str]:
    """(domain label, top-level domain, display name)."""
    if language == "fa":
        first, first_name = choice(vocab.FA_SITE_PREFIXES, rng)
        second, second_name = choice(vocab.FA_SITE_SUFFIXES, rng)
        while second == first:
            second, second_name = choice(vocab.FA_SITE_SUFFIXES, rng)
        joiner = "" if second_name.startswith(vocab.ZWNJ) else " "
        name, tlds, dash = f"{first_name}{joiner}{second_name}", vocab.FA_TLDS, 0.4
    else:
        first, second = choice(vocab.EN_SITE_PREFIXES, rng), choice(vocab.EN_SITE_SUFFIXES, rng)
        name = f"{first.capitalize()} {second.capitalize()}"
        name = f"The {name}" if rng.random() < 0.3 else name
        tlds, dash = vocab.EN_TLDS, 0.2
    label = f"{first}-{second}" if rng.random() < dash else f"{first}{second}"
    return label, choice(tlds, rng), name


def site_profile(site: SampleSite, index: int, seed: int) -> SiteProfile:
    rng = new_rng()
    rng.seed(mix64(stream_base(seed, PROFILE_SALT) ^ index))
    first, last = vocab.FIRST_NAMES[site.language], vocab.LAST_NAMES[site.language]
    names = [f"{choice(first, rng)} {choice(last, rng)}" for _ in range(5 + rng.randrange(26))]
    image_host = f"{choice(('cdn', 'static', 'img', 'media'), rng)}.{site.domain}"
    return SiteProfile(site, tuple(dict.fromkeys(names)), rng.randrange(4), image_host)
