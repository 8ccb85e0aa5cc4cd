"""Every bad input ends with exit != 0 and one actionable last line, never a traceback (issue 10).

Table-driven: each case runs one real CLI process (`tap-directo`, `tap-directus`,
`target-dokus`, as Meltano starts them) against its own sandbox, and the test asserts the exit
code, that the last stderr line is one ERROR line matching the case's pattern, that stderr has
no `Traceback` and no secret, and that nothing was written that should not be: no Singer
messages on stdout (or only the states of records that did arrive), no API request where the
input is refused before the first one, no write to Dokus, no dead-letter line unless the case
dead-letters. The processes run a few at a time (2 cores), so the table stays well under a
minute.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_runner import CliResult, ForkedCli, exec_cli

from sandbox.common import Emulator, SandboxServer
from sandbox.directo import FULL_KEY, DirectoEmulator
from sandbox.directus import DirectusEmulator
from sandbox.dokus import DEFAULT_EMAIL, DEFAULT_PASSWORD, DokusEmulator

MISSING = object()  # the file is named on the command line but does not exist
SECRETS = (FULL_KEY, "directus-sandbox-token-7Qx", DEFAULT_PASSWORD)


@dataclass(frozen=True)
class Case:
    """One bad input: which CLI, which files, what the last line must say."""

    id: str
    plugin: str
    pattern: str  # searched in the message of the last stderr line
    config: Any = None  # None: a valid config; dict: merged into it; str/bytes: the raw file
    catalog: Any = None  # str/bytes: raw --catalog file
    state: Any = None  # str/bytes: raw --state file
    stdin: str | bytes = ""
    code: int = 1
    max_requests: int | None = 0  # API requests allowed (None: not checked)
    writes: tuple[int, ...] = (0,)  # how many Dokus POSTs may have been sent
    dead_letters: int = 0
    stdout: tuple[dict, ...] = ()  # STATE values the target may emit
    real: bool = False  # run the installed executable itself (else forked, see cli_runner)


def _catalog(*streams: tuple[str, bool]) -> str:
    return json.dumps(
        {
            "streams": [
                {
                    "tap_stream_id": name,
                    "schema": {"type": "object", "properties": {"id": {"type": "integer"}}},
                    "metadata": [{"breadcrumb": [], "metadata": {"selected": selected}}],
                }
                for name, selected in streams
            ]
        }
    )


def _lines(*messages: dict) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages)


SCHEMA = {
    "type": "SCHEMA",
    "stream": "products",
    "key_properties": ["product_number"],
    "schema": {
        "properties": {
            "product_number": {"type": "string"},
            "name": {"type": ["string", "null"]},
            "price": {"type": "number"},
            "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"},
        }
    },
}
GOOD = {
    "type": "RECORD",
    "stream": "products",
    "record": {"product_number": "G-1", "name": "Ost", "price": 5},
}
BOOKMARK = {"type": "STATE", "value": {"bookmarks": {"products": 1}}}


def _record(**fields: Any) -> dict:
    return {
        "type": "RECORD",
        "stream": "products",
        "record": {"product_number": "B-1", "name": "Lefse", "price": 1, **fields},
    }


def _file_cases() -> Iterator[Case]:
    """Config files for all three plugins; catalog and state files for both taps."""
    json_fix = r"fix the file \(meltano writes it from meltano.yml"
    for plugin in ("tap-directo", "tap-directus", "target-dokus"):
        short = plugin.split("-")[1]
        yield Case(
            f"{short}-config-not-json",
            plugin,
            rf"config file \S+config.json: is not JSON \(Expecting .* at line 1 column 2\); {json_fix}",
            config="{not json",
            real=True,
        )
        yield Case(
            f"{short}-config-list",
            plugin,
            r"config file \S+: holds a JSON list, expected a JSON object of settings",
            config="[1, 2, 3]",
        )
        yield Case(
            f"{short}-config-string",
            plugin,
            r"config file \S+: holds a JSON string, expected a JSON object",
            config='"base_url"',
        )
        yield Case(
            f"{short}-config-empty",
            plugin,
            r"config file \S+: is empty, expected a JSON object",
            config="",
        )
        yield Case(
            f"{short}-config-missing",
            plugin,
            r"config file \S+config.json: not found; check the path\.$",
            config=MISSING,
        )
        yield Case(
            f"{short}-config-not-utf8",
            plugin,
            r"config file \S+: is not UTF-8 text",
            config=b'{"base_url": "\xff"}',
        )
    for plugin in ("tap-directo", "tap-directus"):
        short = plugin.split("-")[1]
        regen = r"regenerate it with --discover \(meltano: --refresh-catalog\)\.$"
        yield Case(
            f"{short}-catalog-not-json",
            plugin,
            rf"catalog file \S+catalog.json: is not JSON .*; {regen}",
            catalog='{"streams": [',
        )
        yield Case(
            f"{short}-catalog-list",
            plugin,
            rf"catalog file \S+: holds a JSON list, expected a Singer catalog.*; {regen}",
            catalog="[1, 2, 3]",
        )
        yield Case(
            f"{short}-catalog-string",
            plugin,
            r"catalog file \S+: holds a JSON string",
            catalog='"items"',
        )
        yield Case(
            f"{short}-catalog-no-tap-stream-id",
            plugin,
            rf"catalog file \S+: stream 1 has no `tap_stream_id`; {regen}",
            catalog='{"streams": [{"stream": "items", "schema": {}}]}',
        )
        yield Case(
            f"{short}-catalog-streams-not-list",
            plugin,
            rf"catalog file \S+: has no `streams` list; {regen}",
            catalog='{"streams": {"items": {}}}',
        )
        yield Case(
            f"{short}-catalog-stream-not-object",
            plugin,
            r"catalog file \S+: stream 1 is a JSON string, not an object",
            catalog='{"streams": ["items"]}',
        )
        # tap-directus builds its streams from the catalog, less the tables its settings leave out
        yield Case(
            f"{short}-catalog-unknown-streams",
            plugin,
            r"catalog: selects only streams this tap does not have \(zzz\); its streams are: .+\. Regenerate the catalog",
            config={"tables": ["nope"]} if plugin == "tap-directus" else None,
            catalog=_catalog(("nope", False), ("zzz", True)),
        )
        yield Case(
            f"{short}-state-not-json",
            plugin,
            r"state file \S+state.json: is not JSON .*; fix it, or start over without it",
            state="{'bookmarks': {}}",
        )
        yield Case(
            f"{short}-state-list",
            plugin,
            r"state file \S+: holds a JSON list, expected a Singer state",
            state="[1, 2, 3]",
        )
        yield Case(
            f"{short}-state-bookmarks-list",
            plugin,
            r"state file \S+: `bookmarks` is a JSON list, not an object; fix it",
            state='{"bookmarks": ["items"]}',
        )
        yield Case(
            f"{short}-state-bookmark-not-date-time",
            plugin,
            r"""state file \S+: the bookmark of stream 'items' \("last week"\) is not a date-time; set it to an ISO 8601 date-time""",
            state='{"bookmarks": {"items": {"replication_key": "ts", "replication_key_value": "last week"}}}',
            real=True,
        )
        yield Case(
            f"{short}-state-bookmark-number-list",
            plugin,
            r"the bookmark of stream 'projects' \(\[2025\]\) is not a date-time",
            state='{"bookmarks": {"projects": {"replication_key_value": [2025]}}}',
        )
        yield Case(
            f"{short}-catalog-file-missing",
            plugin,
            r"^Error: Invalid value for '--catalog': '\S+': No such file or directory$",
            catalog=MISSING,
            code=2,
        )


def _input_case(id: str, pattern: str, stdin: str | bytes, **kwargs: Any) -> Case:
    """A Singer-input case: a SCHEMA reads the Dokus index (GETs), so only writes count."""
    return Case(id, "target-dokus", pattern, stdin=stdin, **{"max_requests": None, **kwargs})


def _target_cases() -> Iterator[Case]:
    bad = "Bad Singer input, nothing after it was written: line"
    target = "target-dokus"
    yield _input_case(
        "dokus-input-not-utf8",
        rf"{bad} 2: is not UTF-8 text \(byte 0xff at column \d+\); the tap must write UTF-8",
        stdin=_lines(SCHEMA).encode()
        + b'{"type": "RECORD", "stream": "products", "record": {"name": "\xff"}}\n',
        real=True,
    )
    yield _input_case(
        "dokus-input-not-json",
        rf"{bad} 2: is not JSON \(Expecting .*, column 2\)\. Fix the tap's output\.$",
        stdin=_lines(SCHEMA) + "{type: RECORD}\n",
    )
    yield _input_case(
        "dokus-input-truncated",
        rf"{bad} 3: the input ends in the middle of a message \(was the tap stopped\?\)",
        stdin=_lines(SCHEMA, GOOD) + '{"type": "RECORD", "stream": "prod',
        writes=(0, 1),  # G-1 came before the cut: it may have been sent before the run stopped
    )
    yield _input_case(
        "dokus-input-unknown-type",
        rf"{bad} 2: unknown message type 'RECORDS'; Singer messages are SCHEMA, RECORD, STATE",
        stdin=_lines(SCHEMA, {"type": "RECORDS", "stream": "products"}),
    )
    yield _input_case(
        "dokus-input-no-type", rf"{bad} 1: has no `type`\.", stdin=_lines({"stream": "products"})
    )
    yield _input_case(
        "dokus-input-json-list",
        rf"{bad} 1: is JSON but not a Singer message \(an object\)\.",
        stdin="[1, 2]\n",
    )
    yield _input_case(
        "dokus-input-record-before-schema",
        rf"{bad} 1: A record for stream 'products' was encountered before a corresponding schema",
        stdin=_lines(GOOD),
    )
    yield _input_case(
        "dokus-input-record-without-stream",
        rf"{bad} 2: Line is missing required stream key\(s\) of a RECORD message\.",
        stdin=_lines(SCHEMA, {"type": "RECORD", "record": {}}),
    )
    yield _input_case(
        "dokus-input-record-not-object",
        rf"{bad} 2: RECORD message whose `record` is not an object\.",
        stdin=_lines(SCHEMA, {"type": "RECORD", "stream": "products", "record": [1]}),
    )
    yield _input_case(
        "dokus-input-schema-without-properties",
        rf"{bad} 1: SCHEMA of stream 'products' has no `properties`\.",
        stdin=_lines({"type": "SCHEMA", "stream": "products", "schema": {"type": "object"}}),
    )
    yield _input_case(
        "dokus-input-invalid-json-schema",
        rf"{bad} 1: the SCHEMA is not a valid JSON schema",
        stdin=_lines({**SCHEMA, "schema": {"properties": {"price": {"type": "money"}}}}),
    )
    yield _input_case(
        "dokus-input-activate-version-before-schema",
        rf"{bad} 1: ACTIVATE_VERSION for stream 'products' before its SCHEMA\.",
        stdin=_lines({"type": "ACTIVATE_VERSION", "stream": "products", "version": 1}),
    )
    yield _input_case(
        "dokus-input-batch",
        rf"{bad} 2: target-dokus takes no BATCH messages; run the tap without `batch_config`\.",
        stdin=_lines(
            SCHEMA, {"type": "BATCH", "stream": "products", "encoding": {}, "manifest": []}
        ),
    )
    yield _input_case(
        "dokus-input-state-value-not-object",
        rf"{bad} 1: STATE message whose `value` is not an object\.",
        stdin=_lines({"type": "STATE", "value": "yesterday"}),
    )
    yield _input_case(
        "dokus-input-missing-key-property",
        rf"{bad} 2: Record is missing one or more key_properties\. Key Properties: \['product_number'\] Fix the tap's output or reshape it with stream_maps\.$",
        stdin=_lines(
            SCHEMA, {"type": "RECORD", "stream": "products", "record": {"name": "x", "price": 1}}
        ),
    )
    violates = r"record\(s\) that violate their stream's schema were written to \S+dead.jsonl; fix them and re-run"
    yield _input_case(
        "dokus-record-wrong-type",
        rf"^1 {violates}",
        stdin=_lines(SCHEMA, GOOD, BOOKMARK, _record(price="ti kroner")),
        writes=(1,),
        dead_letters=1,
        stdout=(BOOKMARK["value"],),
        real=True,
    )
    yield _input_case(
        "dokus-record-bad-date-time",
        rf"^1 {violates}",
        stdin=_lines(SCHEMA, _record(_sdc_deleted_at="i går")),
        dead_letters=1,
    )
    yield _input_case(
        "dokus-record-missing-required",
        rf"^2 {violates}",
        stdin=_lines(
            {**SCHEMA, "schema": {**SCHEMA["schema"], "required": ["name"]}},
            _record(price=None),
            {
                "type": "RECORD",
                "stream": "products",
                "record": {"product_number": "B-2", "price": 1},
            },
        ),
        dead_letters=2,
    )
    yield _input_case(
        "dokus-record-wrong-type-on-error-fail",
        r"record of stream 'products' at input line 4 violates its schema: field 'price' value is not of type 'number' \(on_error is fail",
        config={"on_error": "fail"},
        stdin=_lines(
            SCHEMA, GOOD, BOOKMARK, _record(price="ti kroner"), _record(product_number="B-9")
        ),
        writes=(1,),
        stdout=(BOOKMARK["value"],),
    )
    yield Case(
        "dokus-setting-on-error",
        target,
        r"'skip' is not one of \['dead_letter', 'fail'\] in config\['on_error'\]",
        config={"on_error": "skip"},
    )
    yield Case(
        "dokus-setting-stream-resources",
        target,
        r"stream_resources.erp: unknown Dokus resource 'varer'; use one of customers",
        config={"stream_resources": {"erp": "varer"}},
    )


def _setting_cases() -> Iterator[Case]:
    """A setting left empty (null) means unset, and never crashes the other checks."""
    yield Case(
        "directo-setting-null-and-bad-start-date",
        "tap-directo",
        r"start_date: 'yesterday' is not an ISO 8601 date-time",
        config={"timeout": None, "requests_per_minute": None, "start_date": "yesterday"},
    )
    yield Case(
        "directus-setting-null-and-bad-page-size",
        "tap-directus",
        r"page_size: must be 1 or more\.",
        config={"timeout": None, "requests_per_minute": None, "page_size": 0},
    )
    yield Case(
        "dokus-setting-null-and-bad-concurrency",
        "target-dokus",
        r"max_concurrency: use a number from 1 to 32",
        config={"timeout": None, "max_concurrency": 0},
    )


def _stream_map_cases() -> Iterator[Case]:
    """A stream map expression that does not parse (singer-sdk raised it with a traceback)."""
    pattern = (
        r"^stream_maps: Failed to parse expression 1 \+\. Fix the stream map in the settings\.$"
    )
    yield Case(
        "directo-stream-map-syntax",
        "tap-directo",
        pattern,
        config={"stream_maps": {"items": {"name": "1 +"}}},
    )
    yield Case(
        "directus-stream-map-syntax",
        "tap-directus",
        pattern,
        config={"stream_maps": {"projects": {"name": "1 +"}}},
        catalog=_catalog(("projects", True)),
    )
    yield _input_case(
        "dokus-stream-map-syntax",
        pattern,
        config={"stream_maps": {"products": {"name": "1 +"}}},
        stdin=_lines(SCHEMA, GOOD),
    )


CASES = [*_file_cases(), *_target_cases(), *_setting_cases(), *_stream_map_cases()]


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    emulator: Emulator
    workdir: Path


def _server(plugin: str) -> SandboxServer:
    if plugin == "tap-directo":
        return SandboxServer(DirectoEmulator(size=2, rate_limit_per_minute=0)).start()
    if plugin == "tap-directus":
        return SandboxServer(DirectusEmulator(size=2)).start()
    return SandboxServer(DokusEmulator(size=1)).start()


def _config(plugin: str, server: SandboxServer, workdir: Path) -> dict[str, Any]:
    if plugin == "tap-directo":
        return {"api_key": FULL_KEY, "base_url": server.emulator.base_url(server.url)}
    if plugin == "tap-directus":
        return {"base_url": server.url, "token": "directus-sandbox-token-7Qx"}
    return {
        "base_url": server.url,
        "email": DEFAULT_EMAIL,
        "password": DEFAULT_PASSWORD,
        "dead_letter_path": str(workdir / "dead.jsonl"),
    }


def _write(path: Path, content: Any) -> None:
    if content is MISSING:
        return
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))


def _prepare(case: Case, root: Path, server: SandboxServer) -> tuple[Path, list[str], bytes]:
    """The case's folder with its files, the CLI arguments and stdin."""
    workdir = root / case.id
    workdir.mkdir()
    config = _config(case.plugin, server, workdir)
    if isinstance(case.config, dict):
        config.update(case.config)
    raw = config if case.config is None or isinstance(case.config, dict) else case.config
    _write(workdir / "config.json", raw)
    args = ["--config", str(workdir / "config.json")]
    for kind in ("catalog", "state"):
        content = getattr(case, kind)
        if content is not None:
            _write(workdir / f"{kind}.json", content)
            args += [f"--{kind}", str(workdir / f"{kind}.json")]
    stdin = case.stdin if isinstance(case.stdin, bytes) else case.stdin.encode()
    return workdir, args, stdin


PARALLEL = 4


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Run every case, a few processes at a time; each against its own sandbox."""
    root = tmp_path_factory.mktemp("robustness")
    servers = {case.id: _server(case.plugin) for case in CASES}
    results: dict[str, tuple[CliResult, Path]] = {}
    try:
        execs = {}
        for case in (c for c in CASES if c.real):
            workdir, args, stdin = _prepare(case, root, servers[case.id])
            execs[case.id] = (exec_cli(case.plugin, args, stdin, workdir), stdin, workdir)
        running: list[tuple[str, ForkedCli, Path]] = []
        for case in (c for c in CASES if not c.real):
            if len(running) >= PARALLEL:
                done_id, done, done_dir = running.pop(0)
                results[done_id] = (done.wait(), done_dir)
            workdir, args, stdin = _prepare(case, root, servers[case.id])
            running.append((case.id, ForkedCli(case.plugin, args, stdin, workdir), workdir))
        for done_id, done, done_dir in running:
            results[done_id] = (done.wait(), done_dir)
        for case_id, (process, stdin, workdir) in execs.items():
            out, err = process.communicate(stdin, timeout=60)
            results[case_id] = (CliResult(process.returncode, out, err), workdir)
    finally:
        for server in servers.values():
            server.stop()
    return {
        case_id: Outcome(
            result.code,
            result.stdout.decode("utf-8", "replace"),
            result.stderr.decode("utf-8", "replace"),
            servers[case_id].emulator,
            workdir,
        )
        for case_id, (result, workdir) in results.items()
    }


def test_the_table_covers_at_least_40_bad_inputs_over_the_three_plugins() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.plugin for c in CASES} == {"tap-directo", "tap-directus", "target-dokus"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_ends_with_one_actionable_line(case: Case, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    assert outcome.code == case.code, outcome.stderr
    assert "Traceback" not in outcome.stderr
    for secret in SECRETS:
        assert secret not in outcome.stderr
    last = outcome.stderr.strip().splitlines()[-1]
    if case.code == 1:
        assert " | ERROR " in last, last
        message = last.split(" | ", 3)[-1]
    else:
        message = last  # click's usage error for a file that does not exist
    assert re.search(case.pattern, message), message
    # nothing written that should not be
    assert tuple(json.loads(line) for line in outcome.stdout.splitlines()) == case.stdout
    if case.max_requests is not None:
        assert len(outcome.emulator.log) <= case.max_requests
    assert len(outcome.emulator.log.entries(method="POST")) in case.writes
    dead = outcome.workdir / "dead.jsonl"
    assert (len(dead.read_text().splitlines()) if dead.exists() else 0) == case.dead_letters
    allowed = {"config.json", "catalog.json", "state.json"} | (
        {"dead.jsonl"} if case.dead_letters else set()
    )
    assert {p.name for p in outcome.workdir.iterdir()} <= allowed
