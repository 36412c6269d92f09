"""The command line as a user meets it: output, exit codes, messages."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
import orjson
import pytest
from typer.testing import CliRunner

from pressroom.cli.main import app
from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from pressroom.sample import generate_articles
from pressroom.sample.corpus import SampleArticle

runner = CliRunner()


def test_sample_streams_deterministic_jsonl() -> None:
    first = runner.invoke(app, ["sample", "-n", "25", "-m", "4", "--seed", "5"])
    second = runner.invoke(app, ["sample", "-n", "25", "-m", "4", "--seed", "5"])
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    lines = first.stdout.splitlines()
    assert len(lines) == 25
    expected = [a.to_json_dict() for a in generate_articles(25, 4, 5)]
    assert [orjson.loads(line) for line in lines] == expected


def test_sample_to_a_file(tmp_path: pytest.TempPathFactory) -> None:
    target = tmp_path / "corpus.jsonl"  # type: ignore[operator]
    result = runner.invoke(app, ["sample", "-n", "1500", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert len(target.read_text().splitlines()) == 1500


def test_an_invalid_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESSROOM_API_WORKERS", "many")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert "PRESSROOM_API_WORKERS" in result.output
    assert "valid integer" in result.output


def test_tune_explains_every_setting() -> None:
    result = runner.invoke(app, ["tune", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    names = {s["name"] for s in report["settings"]}
    assert {"shared_buffers", "work_mem", "max_parallel_workers_per_gather"} <= names
    assert all(s["reason"] for s in report["settings"])


def test_status_of_a_running_stack(stack: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESSROOM_DATA_DIR", str(stack.data_dir))
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["healthy"] is True
    assert report["services"][0]["state"] == "running"


def test_status_without_a_stack_says_what_to_do(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSROOM_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert "pressroom up" in result.output


def test_migrate_without_a_stack_is_a_clear_error(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSROOM_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 1
    assert "error:" in result.output
    assert "Traceback" not in result.output


def test_search_prints_results_and_json(
    corpus: DatabaseTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", corpus.reader)
    text = runner.invoke(app, ["search", "تهران", "--limit", "3"])
    assert text.exit_code == 0, text.output
    assert "articles" in text.output
    as_json = runner.invoke(app, ["search", "تهران", "--limit", "3", "--json"])
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.stdout)
    assert len(body["items"]) == 3
    assert body["total"]["value"] >= 3
    assert {"title", "summary"} <= set(body["items"][0]["highlight"])


def test_search_errors_are_plain_messages(
    corpus: DatabaseTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", corpus.reader)
    only_excluded = runner.invoke(app, ["search", "--", "-تهران"])
    assert only_excluded.exit_code == 1
    assert "at least one word" in only_excluded.output
    bad_cursor = runner.invoke(app, ["search", "تهران", "--cursor", "nonsense"])
    assert bad_cursor.exit_code == 1
    assert "cursor" in bad_cursor.output
    stopwords = runner.invoke(app, ["search", "از و"])
    assert stopwords.exit_code == 0
    assert "too common" in stopwords.output


def test_keys_create_list_revoke(
    database: DatabaseTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database.writer)
    created = runner.invoke(app, ["keys", "create", "cli test"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("prk_")
    key_id = token.split("_")[1]
    listed = runner.invoke(app, ["keys", "list", "--json"])
    [key] = [k for k in map(orjson.loads, listed.stdout.splitlines()) if k["id"] == key_id]
    assert key["scopes"] == ["write"]
    assert key["revoked_at"] is None
    assert "secret" not in str(key)
    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    unknown = runner.invoke(app, ["keys", "revoke", "nosuchkey"])
    assert unknown.exit_code == 1
    assert "no API key" in unknown.output


def test_events_follow_and_replay(corpus: DatabaseTargets, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", corpus.writer)
    followed = runner.invoke(app, ["events", "follow", "--from", "2", "--limit", "3"])
    assert followed.exit_code == 0, followed.output
    events = [orjson.loads(line) for line in followed.stdout.splitlines()]
    assert [e["position"] for e in events] == [3, 4, 5]
    assert {e["type"] for e in events} == {"article.published"}
    checked = runner.invoke(app, ["events", "replay", "--check"])
    assert checked.exit_code == 0, checked.output
    assert "matches the log" in checked.output
    bad_name = runner.invoke(app, ["events", "follow", "--subscription", "Bad Name"])
    assert bad_name.exit_code == 1
    assert "subscription names" in bad_name.output


def test_ingest_from_standard_input_and_dry_run(
    database: DatabaseTargets, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", database.writer)
    monkeypatch.chdir(tmp_path)
    lines = (
        b"".join(orjson.dumps(a.to_json_dict()) + b"\n" for a in generate_articles(12, 3, 4))
        + b"not json\n"
    )
    checked = runner.invoke(app, ["ingest", "-", "--dry-run", "--json"], input=lines)
    assert checked.exit_code == 0, checked.output
    assert orjson.loads(checked.stdout)["rejected"] == 1
    loaded = runner.invoke(app, ["ingest", "-", "--json"], input=lines)
    summary = orjson.loads(loaded.stdout)
    assert (summary["read"], summary["inserted"], summary["rejected"]) == (13, 12, 1)
    dead = (tmp_path / "ingest.rejects.jsonl").read_text()
    assert '"line":13' in dead
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 1
    assert "no such file" in missing.output


def _vacuum_count(url: str, partition: str) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(url)
        try:
            value = await conn.fetchval(
                "SELECT vacuum_count FROM pg_stat_user_tables "
                "WHERE schemaname = 'pressroom' AND relname = $1",
                partition,
            )
            return int(value or 0)
        finally:
            await conn.close()

    return asyncio.run(count())


def test_ingest_settles_the_partitions_it_wrote(
    database: DatabaseTargets, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # As the tables' owner, who alone may vacuum them.
    monkeypatch.setenv("DATABASE_URL", database.owner)
    monkeypatch.chdir(tmp_path)
    articles = list(generate_articles(6, 2, 11))
    partitions = {f"articles_p{a.published_at:%Y_%m}" for a in articles}

    def ingest(batch: list[SampleArticle], *options: str) -> None:
        lines = b"".join(orjson.dumps(a.to_json_dict()) + b"\n" for a in batch)
        result = runner.invoke(app, ["ingest", "-", "--json", *options], input=lines)
        assert result.exit_code == 0, result.output

    before = {p: _vacuum_count(database.owner, p) for p in partitions}
    ingest(articles[:3], "--no-settle")
    assert {p: _vacuum_count(database.owner, p) for p in partitions} == before
    ingest(articles)
    written = {f"articles_p{a.published_at:%Y_%m}" for a in articles[3:]}
    for partition in written:
        assert _vacuum_count(database.owner, partition) > before[partition], partition
