"""docker-compose.yml runs the production shape: the API without a follower or a sealer inside
it, one follower process, one sealer process, and only settings the service knows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from api.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    return services


def test_the_api_leaves_the_registers_to_a_single_follower_service() -> None:
    services = _services()
    assert services["app"]["environment"]["DOSSIER_IN_PROCESS_FOLLOWER"] == "false"
    followers = [s for s in services.values() if s.get("command") == ["dossier", "follow"]]
    assert len(followers) == 1
    assert "profiles" not in followers[0], "the follower starts with `docker compose up`"


def test_the_api_leaves_sealing_to_a_single_sealer_service_with_a_required_key() -> None:
    services = _services()
    assert services["app"]["environment"]["DOSSIER_IN_PROCESS_SEALER"] == "false"
    sealers = [s for s in services.values() if s.get("command") == ["dossier", "seal", "--follow"]]
    assert len(sealers) == 1
    assert "profiles" not in sealers[0], "the sealer starts with `docker compose up`"
    for name in ("app", "sealer"):
        key = services[name]["environment"]["DOSSIER_SIGNING_KEY"]
        assert key.startswith("${DOSSIER_SIGNING_KEY:?"), "no default: compose refuses to start"
    header = COMPOSE.read_text(encoding="utf-8").split("\nname: dossier")[0]
    how = header.split("#   DOSSIER_SIGNING_KEY", 1)[1].split("#   DOSSIER_S3_BUCKET")[0]
    assert "base64.b64encode(os.urandom(32))" in how, "the header says how to make the key"


def test_every_dossier_setting_in_compose_is_one_the_service_reads() -> None:
    known = {f"DOSSIER_{name.upper()}" for name in Settings.model_fields}
    for name, service in _services().items():
        for key in service.get("environment") or {}:
            if key.startswith("DOSSIER_"):
                assert key in known, f"{name}: {key} is not a setting"


def test_the_api_is_healthy_only_when_its_registers_are_ready() -> None:
    check = _services()["app"]["healthcheck"]
    assert check["test"][0] == "CMD"
    assert "/api/v1/health/ready" in " ".join(check["test"])


def test_every_service_has_a_healthcheck_of_its_own_kind() -> None:
    services = _services()
    tests = {name: " ".join(s["healthcheck"]["test"]) for name, s in services.items()}
    assert set(tests) == set(services), "a service without a healthcheck"
    assert "pg_isready" in tests["postgres"]
    assert "http://127.0.0.1:8333/" in tests["seaweedfs"]
    assert "/api/v1/health/ready" in tests["app"]
    assert services["follower"]["healthcheck"]["test"] == ["CMD", "dossier", "health", "registers"]
    assert services["sealer"]["healthcheck"]["test"] == ["CMD", "dossier", "health", "sealer"]


def test_the_image_runs_what_the_healthchecks_call() -> None:
    dockerfile = (COMPOSE.parent / "Dockerfile").read_text(encoding="utf-8")
    assert "ENV PATH=/opt/dossier/bin:$PATH" in dockerfile, "`dossier` is on the PATH"
    assert "EXPOSE 8000" in dockerfile
    assert "127.0.0.1:8000" in " ".join(_services()["app"]["healthcheck"]["test"])
