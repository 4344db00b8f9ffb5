"""One app pointed at one store after another serves each in turn, and keeps its body limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app, serve_with
from api.settings import Settings
from archive.application import DossierArchive
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.values import Role
from storage.eventstore import sqlite_env
from tests.factories import encrypted_archive


def _archive_with(
    env: dict[str, str], tmp_path: Path, staff_no: str, name: str
) -> tuple[DossierArchive, str]:
    archive: DossierArchive = encrypted_archive(env, tmp_path)
    enrolled = archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no=staff_no, name=name, branch="总行", roles=[Role.ADMINISTRATOR]),
    )
    assert enrolled.token is not None
    return archive, enrolled.token.token


def test_an_app_pointed_at_another_store_serves_that_store_only(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    """From an SQLite store to a second store, SQLite or PostgreSQL."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first_env = sqlite_env(tmp_path / "a" / "events.sqlite")
    first, first_token = _archive_with(first_env, tmp_path / "a", "ADM01", "第一管理员")
    second, second_token = _archive_with(store_env, tmp_path / "b", "ADM02", "第二管理员")
    app = create_app(Settings(data_dir=tmp_path / "a", in_process_sealer=False), first)
    with TestClient(app) as client:
        answer = client.get("/api/v1/staff", headers={"Authorization": f"Bearer {first_token}"})
        assert answer.status_code == 200, answer.text
        assert [p["name"] for p in answer.json()["data"]] == ["第一管理员"]

    serve_with(app, Settings(data_dir=tmp_path / "b", in_process_sealer=False), second)
    with TestClient(app) as client:
        # The first store's token means nothing to the second.
        refused = client.get("/api/v1/staff", headers={"Authorization": f"Bearer {first_token}"})
        assert refused.status_code == 401, refused.text
        answer = client.get("/api/v1/staff", headers={"Authorization": f"Bearer {second_token}"})
        assert answer.status_code == 200, answer.text
        assert [p["name"] for p in answer.json()["data"]] == ["第二管理员"]
        assert app.state.archive is second
    assert (tmp_path / "b" / "signing.key").exists()
    first.close()
    second.close()


def test_settings_with_other_body_limits_are_refused(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    before = app.state.settings
    with pytest.raises(ValueError, match="body limits"):
        serve_with(app, Settings(data_dir=tmp_path, max_json_bytes=1024))
    assert app.state.settings is before
