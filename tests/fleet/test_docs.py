"""docs/fleet.md stays true: its manifests parse, its DAG compiles, its fleet file loads, its SQL is what
dbaudit writes and what PostgreSQL's parser accepts; the Containerfile has what the page says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pglast
import pytest
import yaml

from dbaudit.checkdata.checks import CheckOptions, checks_for
from dbaudit.engine import run_rules
from dbaudit.fleet import load_fleet
from dbaudit.rules import RuleContext
from dbaudit.testing import schema

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "fleet.md").read_text(encoding="utf-8")
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(PAGE) if lang == language]


def manifests() -> list[dict[str, Any]]:
    return [doc for body in blocks("yaml") for doc in yaml.safe_load_all(body) if doc is not None]


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container of a Job, CronJob or Argo workflow template."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("container"), dict):
                found.append(node["container"])
            for item in node.get("containers", []) if isinstance(node.get("containers"), list) else []:
                found.append(item)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    return found


class TestManifests:
    def test_parse(self) -> None:
        """Every YAML document of the page loads, with the kinds the page describes."""
        kinds = sorted(d["kind"] for d in manifests())
        assert kinds == ["ConfigMap", "CronJob", "CronJob", "CronWorkflow", "Job", "PersistentVolumeClaim", "Secret"]

    def test_audits(self) -> None:
        """Each audit container runs `dbaudit audit --fleet-name` with JSON into the reports volume and takes
        its URL from a Secret (an env secretKeyRef, or the Secret mounted as files), never from its args."""
        audits = [(d, c) for d in manifests() for c in containers(d) if "dbaudit audit" in " ".join(c.get("args", []))]
        assert len(audits) == 3
        for doc, container in audits:
            script = " ".join(container["args"])
            assert "--fleet-name" in script
            assert re.search(r"--format json", script)
            assert '-o "/reports/' in script
            assert "[ \"$code\" -le 1 ]" in script  # exit 1 (findings) is not a failed job
            assert "postgresql://" not in script
            env = {e["name"]: e for e in container.get("env", [])}
            from_secret = "secretKeyRef" in env.get("DATABASE_URL", {}).get("valueFrom", {})
            assert from_secret or "/secrets/" in script, doc["metadata"]["name"]
            assert {"name": "reports", "mountPath": "/reports"} in container["volumeMounts"]

    def test_merges(self) -> None:
        """The merge reads the day's directory with the fleet file, so a missing report is a failed database."""
        merges = [c for d in manifests() for c in containers(d) if "--merge" in " ".join(c.get("args", []))]
        assert len(merges) == 2
        for container in merges:
            assert "/config/fleet.toml" in " ".join(container["args"])

    def test_fleet_file_in_config_map(self, tmp_path: Path) -> None:
        """The ConfigMap's fleet.toml is a fleet file dbaudit reads, naming the databases of the Secret."""
        config_map = next(d for d in manifests() if d["kind"] == "ConfigMap")
        secret = next(d for d in manifests() if d["kind"] == "Secret")
        path = tmp_path / "fleet.toml"
        path.write_text(config_map["data"]["fleet.toml"], encoding="utf-8")
        assert [t.name for t in load_fleet(path).targets] == sorted(secret["stringData"])


class TestOtherBlocks:
    def test_fleet_file(self, tmp_path: Path) -> None:
        """The page's fleet file loads: three targets, the defaults applied, us-1 with its own timeout."""
        (toml,) = blocks("toml")
        path = tmp_path / "fleet.toml"
        path.write_text(toml, encoding="utf-8")
        fleet = load_fleet(path)
        assert [(t.name, t.timeout_s) for t in fleet.targets] == [("eu-1", None), ("eu-2", None), ("us-1", 900.0)]
        assert (fleet.concurrency, fleet.timeout_s, fleet.fail_on) == (8, 300.0, "P1")
        assert all(t.models == "app.models:Base" for t in fleet.targets)

    def test_airflow_dag_compiles(self) -> None:
        """The Airflow example is valid Python (Airflow itself is not installed here)."""
        (dag,) = blocks("python")
        compile(dag, "dbaudit_fleet_dag.py", "exec")
        assert "[ $code -le 1 ]" in dag

    def test_containerfile(self) -> None:
        """The Containerfile is what the page says: slim Python, dbaudit[EXTRAS] from wheels, a non-root user,
        dbaudit as the entry point."""
        text = (ROOT / "Containerfile").read_text(encoding="utf-8")
        assert re.findall(r"^FROM (\S+)", text, re.M) == ["python:3.12-slim", "python:3.12-slim"]
        assert 'pip install --no-cache-dir --no-index --find-links /wheels "dbaudit[${EXTRAS}]"' in text
        assert re.search(r"^USER 10001$", text, re.M)
        assert re.search(r'^ENTRYPOINT \["dbaudit"\]$', text, re.M)


class TestCitusSql:
    def test_inner_query_is_dbaudits(self) -> None:
        """The orphan-rows count shown is exactly what check-data builds for fk-missing on orders.customer_id."""
        model = (schema()
                 .table("customers", cols={"id": "bigint not null", "name": "text not null"}, pk="id")
                 .table("orders", cols={"id": "bigint not null", "customer_id": "bigint not null"},
                        pk=("customer_id", "id"))
                 .index("orders", "customer_id")
                 .build())
        from dbaudit.config import Config  # noqa: PLC0415

        run = run_rules(RuleContext(model=model, inputs={}), Config(select=("fk-missing",)))
        (finding,) = [f for f in run.findings if f.objects == ("public.orders.customer_id",)]
        (check,) = checks_for([finding], model, CheckOptions())
        single = next(b for b in blocks("sql") if "run_command_on" not in b).strip()
        assert single == check.count("public.orders AS c")
        (colocated,) = [b for b in blocks("sql") if "run_command_on_colocated_placements" in b]
        assert check.count("%s AS c").replace("public.customers AS p", "%s AS p") in colocated

    @pytest.mark.parametrize("index", [0, 1, 2])
    def test_parses(self, index: int) -> None:
        """Each SQL block parses with PostgreSQL's parser, and so does each shard command once Citus has put
        shard names in place of %s."""
        sql = blocks("sql")[index]
        pglast.parse_sql(sql)
        for command in re.findall(r"\$cmd\$(.*?)\$cmd\$", sql, re.S):
            pglast.parse_sql(command.replace("%s", "public.orders_102008", 1).replace("%s", "public.customers_102040"))
