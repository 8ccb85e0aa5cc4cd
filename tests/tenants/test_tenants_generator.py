"""`python -m hub.tenants`: the inherited plugins, jobs and schedules of many Directo companies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hub import tenants
from sandbox.meltano_project import MELTANO, ROOT


def test_committed_tenants_file_is_generated_from_the_list() -> None:
    listed = yaml.safe_load(tenants.TENANTS_YML.read_text(encoding="utf-8"))
    assert tenants.GENERATED.read_text(encoding="utf-8") == tenants.render(listed), (
        "tenants.meltano.yml is stale: run `python -m hub.tenants`"
    )
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    assert "./tenants.meltano.yml" in project["include_paths"]


def test_each_company_gets_its_plugin_key_schema_job_and_schedule() -> None:
    generated = tenants.generate(
        {
            "loader": "target-postgres",
            "interval": "@hourly",
            "companies": [
                {"name": "acme", "config": {"start_date": "2024-01-01T00:00:00Z"}},
                {"name": "globex", "schema": "globex_erp", "interval": "*/5 * * * *"},
            ],
        }
    )
    acme, globex = generated["plugins"]["extractors"]
    assert acme == {
        "name": "tap-directo--acme",
        "inherit_from": "tap-directo",
        "load_schema": "directo_acme",
        "config": {"start_date": "2024-01-01T00:00:00Z", "api_key": "$TAP_DIRECTO__ACME_API_KEY"},
    }
    assert globex["load_schema"] == "globex_erp"
    assert globex["config"] == {"api_key": "$TAP_DIRECTO__GLOBEX_API_KEY"}
    assert generated["jobs"] == [
        {"name": "acme-to-postgres", "tasks": ["tap-directo--acme target-postgres"]},
        {"name": "globex-to-postgres", "tasks": ["tap-directo--globex target-postgres"]},
    ]
    assert [(s["job"], s["interval"]) for s in generated["schedules"]] == [
        ("acme-to-postgres", "@hourly"),
        ("globex-to-postgres", "*/5 * * * *"),
    ]


@pytest.mark.parametrize(
    ("companies", "message"),
    [
        ([], "non-empty list"),
        ([{"name": "Acme Corp"}], "lowercase letters"),
        ([{"name": "acme"}, {"name": "acme"}], "listed twice"),
        ([{"name": "acme", "config": {"api_key": "k"}}], "set TAP_DIRECTO__ACME_API_KEY"),
    ],
)
def test_bad_list_is_one_line_and_exit_2(companies: list, message: str, tmp_path: Path) -> None:
    source = tmp_path / "tenants.yml"
    source.write_text(yaml.safe_dump({"companies": companies}), encoding="utf-8")
    out = tmp_path / "out.yml"
    result = subprocess.run(
        [sys.executable, "-m", "hub.tenants", str(source), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not out.exists()


def _api_key(plugin: str, tmp_path: Path, **env: str) -> str | None:
    """The api_key Meltano would hand the plugin, as `meltano config print` resolves it."""
    result = subprocess.run(
        [str(MELTANO), "--environment=dev", "config", "--unsafe", "print", plugin],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("TAP_DIRECTO")},
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout[result.stdout.index("{") :]).get("api_key")


def test_a_company_uses_its_own_key_and_never_a_shared_one(tmp_path: Path) -> None:
    # its own variable
    assert _api_key("tap-directo--acme", tmp_path, TAP_DIRECTO__ACME_API_KEY="acme") == "acme"
    # without it, neither the namespace variable (which Meltano reads for every child) nor the
    # parent's key in the dev environment reaches the company: it has no key at all
    shared = {"TAP_DIRECTO_API_KEY": "shared", "TAP_DIRECTO__GLOBEX_API_KEY": "globex"}
    assert _api_key("tap-directo--acme", tmp_path, **shared) is None
    assert _api_key("tap-directo--globex", tmp_path, **shared) == "globex"
