"""docker-compose.yml runs the production shape: the API without a follower inside it, one
follower process, and only settings the service knows."""

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


def test_every_dossier_setting_in_compose_is_one_the_service_reads() -> None:
    known = {f"DOSSIER_{name.upper()}" for name in Settings.model_fields}
    for name, service in _services().items():
        for key in service.get("environment") or {}:
            if key.startswith("DOSSIER_"):
                assert key in known, f"{name}: {key} is not a setting"
