"""`pressroom bench search`: full-text search through the API, against a lookup by id and
against ILIKE, in one run on one machine.

Uses the API benchmark's stack (<data_dir>/bench) and corpus. Query words are drawn from the
data itself: a statistics pass (ts_stat) over a sample of articles sorts words by the share of
articles that contain them, so "rare" and "very common" mean what they say on any corpus.

The sample is of rows (BERNOULLI), not of pages (SYSTEM): documents are stored roughly in the
order they were loaded, so a page sample is a sample of a few periods, and a word tied to a
period looked rare in it. "2024" was picked as one of the rarest words and matches 130,824 of
the million articles. The sample is of every language, as searches are: numbers rare in Persian
articles and common in English ones were picked as rare, each in 3,000 to 15,000 articles.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx

from pressroom.bench.api_bench import (
    checkpoint,
    count_articles,
    prepare_bench_stack,
    run_with_cpu,
    warm_up,
)
from pressroom.bench.report import machine_description
from pressroom.bench.servers import uvicorn_server
from pressroom.bench.wrk import WrkResult, run_wrk
from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from pressroom.local.layout import Layout
from pressroom.local.ports import free_port
from pressroom.search.engine import FINDS_ANY, QUOTED_LEXEME, SearchFilter, walk_arguments
from pressroom.search.syntax import parse_query
from pressroom.search.tsquery import DEFAULT_LANGUAGE, compile_query

Notify = Callable[[str], None]

# The share of the articles a common word is in, at least and at most; a phrase in more than the
# most is not selective, and is measured apart (phrase_shares()).
COMMON_SHARE = (0.02, 0.10)

# Words only: markers (§...) and pairs of neighbouring words ('a b') are terms too. And only
# words that a search typed as they stand finds ($1: the language a search without `lang` is
# compiled in): a term is a lexeme, and an English lexeme is a stem ('basketbal'), which the
# search stems again into another ('basketb') that no article holds; a pair holding it measured
# a misspelling and its "did you mean".
WORD_STATS = """
SELECT word, ndoc FROM ts_stat($$
    SELECT d.terms
      FROM pressroom.search_documents d TABLESAMPLE BERNOULLI (1) REPEATABLE (3)
$$)
WHERE length(word) >= 4 AND word NOT LIKE '§%' AND word NOT LIKE '% %'
  AND pressroom.plain_search_query($1, word) = quote_literal(word)::tsquery
"""
SAMPLED = """
SELECT count(*) FROM pressroom.search_documents d TABLESAMPLE BERNOULLI (1) REPEATABLE (3)
"""
# The common words ($1) each sampled article ($2 per cent of them) holds: pairs of words found
# together, as the two words of a search are (scenarios()).
COMMON_TOGETHER = """
SELECT ARRAY(SELECT w FROM unnest(tsvector_to_array(d.terms)) AS w
              WHERE w = ANY($1::text[]) ORDER BY w) AS words
  FROM pressroom.search_documents d TABLESAMPLE BERNOULLI ($2) REPEATABLE (3)
"""
# The sample's documents that hold each of these terms ($1): a phrase's share of the articles is
# its rarest term's (phrase_shares()).
TERM_STATS = """
SELECT word, ndoc FROM ts_stat($$
    SELECT d.terms
      FROM pressroom.search_documents d TABLESAMPLE BERNOULLI (1) REPEATABLE (3)
$$)
WHERE word = ANY($1::text[])
"""
TITLES = """
SELECT a.title FROM pressroom.articles a TABLESAMPLE SYSTEM (1) REPEATABLE (5)
 WHERE a.language = 'fa' LIMIT 200
"""


@dataclass(frozen=True, slots=True)
class SearchBenchOptions:
    articles: int = 1_000_000
    duration_s: int = 15  # per scenario, over all rounds
    rounds: int = 3
    warmup_s: int = 5
    connections: int = 2
    ilike_requests: int = 5
    output: Path = Path("bench/results/search.md")

    @property
    def seconds_a_round(self) -> int:
        return max(1, round(self.duration_s / self.rounds))


@dataclass(frozen=True, slots=True)
class Inputs:
    ids: list[int]
    rare: list[str]
    common: list[str]
    together: list[str]  # two common words of one language that an article holds together
    never_together: list[str]  # two common words of one language that no article holds together
    very_common: str
    very_common_share: float
    phrases: list[str]  # in at most COMMON_SHARE[1] of the articles: selective
    prefixes: list[str]
    site: str
    site_id: int
    common_phrases: list[str] = field(default_factory=list)  # in more of them


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    paths: list[str]
    target: float | None  # p95 at most this many times the lookup's p95
    # The same searches for the ILIKE service, if comparable: few where each reads the table.
    ilike: list[dict[str, str]]


@dataclass(frozen=True, slots=True)
class Measured:
    """A scenario's runs, one a round, in the order measured."""

    rounds: tuple[WrkResult, ...]
    server_cpu_us: float | None  # per request, over all rounds: the API worker
    postgres_cpu_us: float | None  # per request, over all rounds: PostgreSQL's backends

    def median(self, percentile: Callable[[WrkResult], float]) -> float:
        return statistics.median(percentile(run) for run in self.rounds)

    @property
    def requests_per_s(self) -> float:
        seconds = sum(run.duration_us for run in self.rounds) / 1_000_000
        return sum(run.requests for run in self.rounds) / seconds

    @property
    def non_2xx(self) -> int:
        return sum(run.non_2xx for run in self.rounds)


def ratios(measured: Measured, lookup: Measured) -> list[float]:
    """Each round's p95 over the same round's lookup p95."""
    return [
        run.p95_us / base.p95_us for run, base in zip(measured.rounds, lookup.rounds, strict=True)
    ]


def cpu_per_request(runs: list[tuple[WrkResult, float | None]]) -> float | None:
    """Microseconds per request over all rounds, from each round's per-request figure."""
    if any(cpu is None for _, cpu in runs):
        return None
    requests = sum(run.requests for run, _ in runs)
    return sum(run.requests * (cpu or 0.0) for run, cpu in runs) / max(requests, 1)


@dataclass(frozen=True, slots=True)
class IlikeResult:
    requests: int
    timed_out: int
    p50_ms: float
    p95_ms: float


async def _inputs(targets: DatabaseTargets) -> Inputs:
    conn = await asyncpg.connect(targets.reader)
    try:
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM pressroom.articles TABLESAMPLE SYSTEM (2) REPEATABLE (7) LIMIT 20000"
            )
        ]
        sampled = await conn.fetchval(SAMPLED)
        stats = sorted(
            await conn.fetch(WORD_STATS, DEFAULT_LANGUAGE), key=lambda r: (r["ndoc"], r["word"])
        )
        share = {r["word"]: r["ndoc"] / sampled for r in stats}
        rng = random.Random(11)  # noqa: S311 - picking benchmark inputs, not secrets
        # The sample's rarest tokens are numbers (counts, years, ids), as in real news.
        rare = [r["word"] for r in stats[:50]]
        words = [r for r in stats if not any(c.isdigit() for c in r["word"])]
        least, most = COMMON_SHARE
        common = [r["word"] for r in words if least <= share[r["word"]] <= most]
        very_common = words[-1]["word"]
        together, never_together = await draw_pairs(conn, rng, common)
        titles = [r["title"] for r in await conn.fetch(TITLES)]
        site = await conn.fetchrow(
            "SELECT s.id, s.domain FROM pressroom.sites s WHERE s.language = 'fa' "
            "ORDER BY s.domain LIMIT 1"
        )
        if site is None or not rare or not common:
            raise RuntimeError("the bench corpus has no Persian sites or too few distinct words")
        title_words = [title.split() for title in titles]
        openings = list(dict.fromkeys(" ".join(w[:2]) for w in title_words if len(w) >= 3))
        phrase_share = await phrase_shares(conn, openings, sampled)
    finally:
        await conn.close()
    # In the openings' order; phrases made only of stopwords have no share and are neither.
    phrases = [p for p, part in phrase_share.items() if part <= most]
    common_phrases = [p for p, part in phrase_share.items() if part > most]
    prefixes = [f"{w[0]} {w[1][:3]}" for w in title_words if len(w) >= 2 and len(w[1]) >= 3]
    return Inputs(
        ids=ids,
        rare=rng.sample(rare, min(50, len(rare))),
        common=rng.sample(common, min(50, len(common))),
        together=together,
        never_together=never_together,
        very_common=very_common,
        very_common_share=share[very_common],
        phrases=phrases[:50],
        prefixes=prefixes[:50],
        site=site["domain"],
        site_id=site["id"],
        common_phrases=common_phrases[:50],
    )


async def phrase_shares(
    conn: asyncpg.Connection, phrases: list[str], sampled: int
) -> dict[str, float]:
    """Each phrase's share of the sampled articles (SAMPLED counts them), as a search finds it:
    its rarest term's share, exact for two words (one term: their pair, or the one word left
    when the other is a stopword). A phrase made only of stopwords is left out: it finds
    nothing.

    The sample corpus writes titles from templates, and a title's opening can be one of them:
    «وزارت بهداشت» and «سازمان جهانی» are in half of its articles. The issue's 3× target is for
    selective searches and its 10× for a very common word; a phrase in half the articles is not
    selective. Drawn regardless (up to session 23), eight of the fifty were in 10-34% of the
    sample's articles (seven phrases, one drawn twice), four of them among the ten dearest
    searches of the scenario (docs/search.md, "Session 24")."""
    terms: dict[str, list[str]] = {}
    for phrase in phrases:
        compiled = await compile_query(conn, parse_query(f'"{phrase}"'), None)
        if lexemes := [_unquoted(m) for m in QUOTED_LEXEME.findall(compiled.matching)]:
            terms[phrase] = lexemes
    wanted = sorted({lexeme for lexemes in terms.values() for lexeme in lexemes})
    held = {r["word"]: r["ndoc"] for r in await conn.fetch(TERM_STATS, wanted)}
    return {
        phrase: min(held.get(lexeme, 0) for lexeme in lexemes) / max(sampled, 1)
        for phrase, lexemes in terms.items()
    }


def _unquoted(lexeme: str) -> str:
    """A lexeme as ts_stat() gives it, from the quoted form a tsquery's text has."""
    return re.sub(r"''|\\(.)", lambda m: m.group(1) or "'", lexeme[1:-1])


async def draw_pairs(
    conn: asyncpg.Connection, rng: random.Random, common: list[str], sample_percent: float = 1.0
) -> tuple[list[str], list[str]]:
    """Fifty searches of two common words of one language found together in an article of the
    sample, drawn by article, so pairs that often meet are drawn often, as searches for the
    news's topics are; and up to fifty of two such words that no article holds together.

    Drawn from any two common words instead (up to session 20), a fifth of the pairs never met:
    the sample corpus writes each section's articles from pools of that section's own
    paragraphs (sample/text.py), so two words of different sections never share an article,
    while in real news they do now and then. A search learns that two words never meet only by
    reading both words' postings over all years, 5-8 ms whatever the windows (docs/search.md,
    "Benchmark"), and those pairs set the scenario's p95. They are measured apart, without a
    target."""
    held = [r["words"] for r in await conn.fetch(COMMON_TOGETHER, common, sample_percent)]
    choices = [languages for words in held if (languages := _pairable(words))]
    if not choices:
        raise RuntimeError("no sampled article holds two common words of one language")
    together = [" ".join(rng.sample(rng.choice(rng.choice(choices)), 2)) for _ in range(50)]
    met = {frozenset(pair) for words in held for pair in itertools.combinations(words, 2)}
    languages = _pairable(common)
    never: list[str] = []
    for _ in range(500):
        if len(never) == 50:
            break
        first, second = rng.sample(rng.choice(languages), 2)
        if frozenset((first, second)) not in met and not await _meet(conn, first, second):
            never.append(f"{first} {second}")
    return together, never


async def _meet(conn: asyncpg.Connection, first: str, second: str) -> bool:
    """Whether any article holds both words (the sample's are a hundredth of them), asked as
    the API asks it for a "did you mean": a plain EXISTS was planned as a scan of the table,
    reading every document's terms from TOAST (minutes on the million)."""
    compiled = await compile_query(conn, parse_query(f"{first} {second}"), None)
    _, arguments = walk_arguments(
        SearchFilter(), compiled, datetime.now(UTC), timedelta(days=7), None, 1, first_found=True
    )
    return bool(await conn.fetchval(FINDS_ANY, *arguments))


def _pairable(words: list[str]) -> list[list[str]]:
    """The words by language (Persian, English), where a language has two or more of them."""
    persian = [word for word in words if _persian(word)]
    english = [word for word in words if not _persian(word)]
    return [group for group in (persian, english) if len(group) >= 2]


def _search(**params: str) -> str:
    return "/search?" + urlencode(params)


def _persian(word: str) -> bool:
    return any("\u0600" <= char <= "\u06ff" for char in word)


def scenarios(inputs: Inputs) -> list[Scenario]:
    """Two common words are two of one language found together in an article, as people search
    (draw_pairs()): most pairs of a Persian and an English word never meet in one article, which
    makes GIN prove, over all years, that nothing holds both (docs/search.md, "Benchmark").
    Such pairs are measured too, apart, without a target, and so are two words of one language
    that never meet. A word on a site is one of the site's language (Persian), as people search
    a site: an English word on a Persian site found nothing, at the same cost."""
    rng = random.Random(5)  # noqa: S311 - picking benchmark inputs, not secrets
    persian = [word for word in inputs.common if _persian(word)]
    english = [word for word in inputs.common if not _persian(word)]
    pairs = inputs.together
    apart = (
        [f"{rng.choice(persian)} {rng.choice(english)}" for _ in range(50)]
        if persian and english
        else []
    )
    vc = inputs.very_common
    most = COMMON_SHARE[1]
    return [
        Scenario("article", "GET /articles/{id}, random ids (the baseline)",
                 [f"/articles/{i}" for i in inputs.ids], None, []),
        Scenario("rare", "a rare word or number (one of the 50 rarest in the sample)",
                 [_search(q=w) for w in inputs.rare], 3.0, [{"q": w} for w in inputs.rare[:2]]),
        Scenario("two_common", "two common words of one language (each in 2-10% of articles), "
                 "found together in an article", [_search(q=p) for p in pairs], 3.0,
                 [{"q": p} for p in pairs[:2]]),
        *([Scenario("apart", "a common Persian and a common English word (they seldom meet)",
                    [_search(q=p) for p in apart], None, [])] if apart else []),
        *([Scenario("never_meet", "two common words of one language that no article holds "
                    "together", [_search(q=p) for p in inputs.never_together], None, [])]
          if inputs.never_together else []),
        Scenario("phrase", f"a two-word phrase from a title, in at most {most:.0%} of articles",
                 [_search(q=f'"{p}"') for p in inputs.phrases], 3.0,
                 [{"q": p, "phrase": "true"} for p in inputs.phrases[:3]]),
        *([Scenario("common_phrase", f"a two-word phrase from a title, in more than {most:.0%} "
                    "of articles (neither selective nor one word)",
                    [_search(q=f'"{p}"') for p in inputs.common_phrases], None, [])]
          if inputs.common_phrases else []),
        Scenario("very_common", f"a very common word ({inputs.very_common_share:.0%} of articles)",
                 [_search(q=vc)], 10.0, [{"q": vc}]),
        Scenario("site", f"a common Persian word on one Persian site ({inputs.site})",
                 [_search(q=w, site=inputs.site) for w in persian], 3.0,
                 [{"q": w, "site_id": str(inputs.site_id)} for w in persian]),
        Scenario("suggest", "GET /search/suggest, a title's first word and 3 letters",
                 ["/search/suggest?" + urlencode({"q": p}) for p in inputs.prefixes], 3.0, []),
    ]  # fmt: skip


ILIKE_TIMEOUT_S = 60


def _ilike(base_url: str, searches: list[dict[str, str]], requests: int) -> IlikeResult:
    """Sequential requests: a search that scans the table takes a minute or more, and wrk's
    timeout would drop exactly the slow ones from the percentiles. A request the service gives
    up on (its query timeout) counts as taking the whole timeout: a lower bound."""
    latencies = []
    timed_out = 0
    with httpx.Client(base_url=base_url, timeout=ILIKE_TIMEOUT_S + 30) as client:
        for params in searches[:requests]:
            started = time.perf_counter()
            try:
                ok = client.get("/search", params=params).status_code == 200
            except httpx.HTTPError:
                ok = False
            elapsed_ms = (time.perf_counter() - started) * 1000
            if not ok:
                timed_out += 1
                elapsed_ms = max(elapsed_ms, ILIKE_TIMEOUT_S * 1000)
            latencies.append(elapsed_ms)
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return IlikeResult(len(latencies), timed_out, statistics.median(latencies), p95)


BASELINE = "article"


# Before each measured run: every path was read in the warm-ups, and this only brings the API
# and its connections back to the scenario after the others.
REWARM_S = 1


def run_search_bench(settings: Settings, options: SearchBenchOptions, notify: Notify) -> Path:
    bench, targets = prepare_bench_stack(settings, options.articles, notify)
    notify("choosing words by how many articles hold them")
    inputs = asyncio.run(_inputs(targets))
    log = Layout(bench.data_dir).log_dir / "bench-servers.log"
    our_env = {"PRESSROOM_DATA_DIR": str(bench.data_dir), "PRESSROOM_LOG_LEVEL": "warning"}
    ilike_env = {"ILIKE_DATABASE_URL": targets.reader, "ILIKE_TIMEOUT_S": str(ILIKE_TIMEOUT_S)}
    theirs: dict[str, IlikeResult] = {}
    plan = scenarios(inputs)
    runs: dict[str, list[tuple[WrkResult, float | None, float | None]]] = {
        scenario.name: [] for scenario in plan
    }
    with (
        uvicorn_server("pressroom.api.app:create_app", free_port(), our_env, log, factory=True) as api,
        uvicorn_server("pressroom.bench.ilike_app:app", free_port(), ilike_env, log) as ilike,
    ):  # fmt: skip
        for scenario in plan:
            notify(f"warming up: {scenario.description}")
            warm_up(api.base_url, options.warmup_s, options.connections, scenario.paths)
        notify("checkpoint")
        asyncio.run(checkpoint(targets))
        # Every scenario once a round, the lookup first: what slows the machine for a minute (a
        # neighbour on the VM) then falls on one round of each, and each search is compared
        # with the lookup of its own round (render_search_report()).
        for round_number in range(1, options.rounds + 1):
            for scenario in plan:
                notify(f"wrk, round {round_number} of {options.rounds}: {scenario.description}")
                run_wrk(
                    api.base_url,
                    duration_s=REWARM_S,
                    connections=options.connections,
                    paths=scenario.paths,
                )
                runs[scenario.name].append(
                    run_with_cpu(
                        api,
                        bench,
                        api.base_url,
                        options.seconds_a_round,
                        options.connections,
                        scenario.paths,
                    )
                )
        for scenario in plan:
            if scenario.ilike:
                notify(f"ILIKE: {scenario.description}")
                theirs[scenario.name] = _ilike(
                    ilike.base_url, scenario.ilike, options.ilike_requests
                )
    ours = {
        name: Measured(
            tuple(run for run, _, _ in measured),
            cpu_per_request([(run, cpu) for run, cpu, _ in measured]),
            cpu_per_request([(run, cpu) for run, _, cpu in measured]),
        )
        for name, measured in runs.items()
    }
    articles = asyncio.run(count_articles(targets))
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(render_search_report(plan, ours, theirs, inputs, articles, options))
    return options.output


def _ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def _us(us: float | None) -> str:
    return "" if us is None else f"{us:,.0f}"


def render_search_report(
    plan: list[Scenario],
    ours: dict[str, Measured],
    theirs: dict[str, IlikeResult],
    inputs: Inputs,
    articles: int,
    options: SearchBenchOptions,
) -> str:
    lookup = ours[BASELINE]
    lookup_p95s = ", ".join(_ms(run.p95_us) for run in lookup.rounds)
    lines = [
        "# Search benchmark",
        "",
        f"Written by `pressroom bench search` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "## Machine",
        "",
        *machine_description(),
        "",
        "## Setup",
        "",
        f"- {articles:,} sample articles (Persian and English, title, summary, body of ~3.6 kB).",
        f"- wrk, {options.connections} connections. First a {options.warmup_s} s warm-up of each "
        "scenario that requests each of its paths in turn (repeated until every one was "
        "reached), then a CHECKPOINT; then every scenario in each of "
        f"{options.rounds} rounds, {options.seconds_a_round} s a round after {REWARM_S} s of its "
        "requests, the lookup first. One API worker (uvicorn, uvloop, httptools); each scenario "
        "draws its requests at random from the paths listed for it.",
        "- Words are drawn from the data: a ts_stat pass over a 1% sample of articles (rows, not pages) "
        "gives each word's share of articles; only words that a search typed as they stand "
        "finds are drawn (an English stem such as 'basketbal' is not).",
        "- Phrases are the first two words of sampled Persian titles, told apart by their share "
        "of the same sample's articles: those in at most "
        f"{COMMON_SHARE[1]:.0%} (the most a common word is in) are selective and have the 3× "
        "target; those in more (the sample corpus writes titles from templates, and some "
        "openings are in a third of its articles) are measured apart, without a target.",
        f"- ILIKE: the same searches against `ILIKE '%word%'` on title, summary and body, newest "
        f"first (src/pressroom/bench/ilike_app.py), up to {options.ilike_requests} sequential "
        "requests each (2 or 3 where each reads the whole table); a request still running after "
        f"{ILIKE_TIMEOUT_S} s is cancelled and counted as {ILIKE_TIMEOUT_S} s, so those figures "
        "are lower bounds.",
        "",
        "## pressroom's search through the API",
        "",
        "Each round's p95 of a search is divided by the lookup's p95 in the same round, and the "
        "target is judged on the median of those ratios; every round's is shown. The lookup's "
        "p95 moves by up to half between measurements minutes apart on a shared VM "
        '(docs/search.md, "Benchmark"): a ratio to one measurement of it, or to the lower of '
        "two, followed that measurement's luck. Measured in rounds, a disturbance that lasts a "
        "minute falls on one round of each scenario, and the median sets it aside. "
        f"The lookup's p95 by round: {lookup_p95s} ms.",
        "",
        "p50, p95 and p99 are the medians of the rounds'. CPU per request is what the API worker "
        "and PostgreSQL's backends used during the scenario's measured runs, divided by their "
        "requests (from /proc): on two cores shared with wrk, the latencies follow it.",
        "",
        "| scenario | requests/s | p50 ms | p95 ms | p99 ms | p95 ÷ lookup p95 | by round | target "
        "| met | API CPU µs/request | PostgreSQL CPU µs/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for scenario in plan:
        measured = ours[scenario.name]
        each = ratios(measured, lookup)
        ratio = statistics.median(each)
        target = f"≤ {scenario.target:g}×" if scenario.target else ""
        target = "baseline" if scenario.name == BASELINE else target
        met = "" if scenario.target is None else ("yes" if ratio <= scenario.target else "**no**")
        by_round = "" if scenario.name == BASELINE else " · ".join(f"{r:.1f}" for r in each)
        errors = f" ({measured.non_2xx} non-2xx)" if measured.non_2xx else ""
        lines.append(
            f"| {scenario.description}{errors} | {measured.requests_per_s:,.0f} | "
            f"{_ms(measured.median(lambda r: r.p50_us))} | "
            f"{_ms(measured.median(lambda r: r.p95_us))} | "
            f"{_ms(measured.median(lambda r: r.p99_us))} | {ratio:.1f}× | {by_round} | {target} "
            f"| {met} | {_us(measured.server_cpu_us)} | {_us(measured.postgres_cpu_us)} |"
        )
    lines += [
        "",
        "## Against ILIKE on the same data",
        "",
        "| scenario | pressroom p50 ms | ILIKE requests | ILIKE p50 ms | ILIKE p95 ms | ILIKE ÷ pressroom (p50) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scenario in plan:
        if scenario.name not in theirs:
            continue
        mine, other = ours[scenario.name], theirs[scenario.name]
        mine_p50 = mine.median(lambda r: r.p50_us)
        at_least = "≥ " if other.timed_out else ""
        timeouts = (
            f" ({other.timed_out} timed out at {ILIKE_TIMEOUT_S} s)" if other.timed_out else ""
        )
        lines.append(
            f"| {scenario.description} | {_ms(mine_p50)} | {other.requests}{timeouts} | "
            f"{at_least}{other.p50_ms:,.1f} | {at_least}{other.p95_ms:,.1f} | "
            f"{at_least}{other.p50_ms * 1000 / mine_p50:,.0f}× |"
        )
    lines += [
        "",
        f"Very common word: `{inputs.very_common}`. ILIKE finds a very common word quickly, since "
        "it reads articles newest first and stops at 20, but it does not rank, match word "
        "forms, normalise Persian, or find a rare word without reading every article.",
        "",
    ]
    return "\n".join(lines)
