"""Event-store settings: the env mappings, and the ``store_env`` fixture on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from storage.eventstore import event_store_env, postgres_env, sqlite_env


class Parcel(Aggregate):
    """A tiny aggregate, only to prove that events go in and come back out."""

    def __init__(self, label: str) -> None:
        self.label = label

    @event("Relabelled")
    def relabel(self, label: str) -> None:
        self.label = label


@pytest.fixture
def app(store_env: dict[str, str]) -> Iterator[Application[UUID]]:
    with closing(Application(env=store_env)) as application:
        yield application


def test_a_saved_aggregate_reads_back_and_appears_in_the_notification_log(
    app: Application[UUID],
) -> None:
    parcel = Parcel("loan file")
    parcel.relabel("loan file, volume 1")
    app.save(parcel)

    copy: Parcel = app.repository.get(parcel.id)
    assert isinstance(copy, Parcel)
    assert copy.label == "loan file, volume 1"
    assert copy.version == 2

    notifications = app.notification_log.select(start=1, limit=10)
    assert [(n.id, n.originator_id, n.originator_version) for n in notifications] == [
        (1, parcel.id, 1),
        (2, parcel.id, 2),
    ]
    assert notifications[1].topic.endswith("Parcel.Relabelled")


def test_each_store_env_starts_empty(app: Application[UUID]) -> None:
    assert app.notification_log.select(start=1, limit=10) == []


def test_sqlite_env_names_the_database_file(tmp_path: Path) -> None:
    assert sqlite_env(tmp_path / "e.sqlite") == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "e.sqlite"),
        "SQLITE_LOCK_TIMEOUT": "10",
    }


def test_postgres_env_takes_every_part_of_the_url() -> None:
    env = postgres_env("postgresql://dossier:s%40cret@db.example:6543/archive", schema="dossier")
    assert env == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "archive",
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "dossier",
        "POSTGRES_PASSWORD": "s@cret",
        "POSTGRES_SCHEMA": "dossier",
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_LOCK_TIMEOUT": "5",
        "CREATE_TABLE": "y",
    }


def test_postgres_env_defaults_the_port_and_gives_an_empty_password_for_trust_auth() -> None:
    env = postgres_env("postgres://postgres@127.0.0.1/test")
    assert env["POSTGRES_PORT"] == "5432"
    assert env["POSTGRES_PASSWORD"] == ""
    assert "POSTGRES_SCHEMA" not in env


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("mysql://u@h/d", "must start with postgresql://"),
        ("postgresql://h/d", "must name a user"),
        ("postgresql://u@/d", "must name a host"),
        ("postgresql://u@h", "must name one database"),
        ("postgresql://u@h/", "must name one database"),
        ("postgresql://u@h/a/b", "must name one database"),
        ("postgresql://u@h:99999/d", "invalid port"),
        ("postgresql://u@h/d?sslmode=require", "not supported"),
    ],
)
def test_postgres_env_refuses_an_unusable_url(url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        postgres_env(url)


@pytest.mark.parametrize("schema", ["Upper", "1abc", "a-b", "", "x" * 64, 'a"; drop'])
def test_postgres_env_refuses_a_schema_name_eventsourcing_cannot_use(schema: str) -> None:
    with pytest.raises(ValueError, match="schema name"):
        postgres_env("postgresql://u@h/d", schema=schema)


def test_event_store_env_puts_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    env = event_store_env("sqlite", tmp_path)
    assert env["SQLITE_DBNAME"] == str(tmp_path / "events.sqlite")


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_event_store_env_reads_a_postgres_url(scheme: str, tmp_path: Path) -> None:
    env = event_store_env(f"{scheme}://u:p@h:5433/d", tmp_path, schema="s")
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_SCHEMA"]) == (
        "h",
        "5433",
        "s",
    )


@pytest.mark.parametrize("setting", ["", "SQLite", "memory", "mysql://u:hunter2@h/d"])
def test_event_store_env_refuses_anything_else_without_echoing_secrets(
    setting: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="expected 'sqlite' or a postgresql:// URL") as caught:
        event_store_env(setting, tmp_path)
    assert "hunter2" not in str(caught.value)


def test_a_bad_postgres_url_error_does_not_echo_the_password() -> None:
    with pytest.raises(ValueError, match="invalid port") as caught:
        postgres_env("postgresql://u:hunter2@h:99999/d")
    assert "hunter2" not in str(caught.value)
