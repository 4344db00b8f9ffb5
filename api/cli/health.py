"""``dossier health registers|sealer``: the follower's and the sealer's container healthcheck.

They serve no HTTP, so their health is read from the stores they write: the registers'
positions against the log's head (``DOSSIER_READY_MAX_LAG_SECONDS``), or how long an event has
waited for a signed checkpoint (``DOSSIER_READY_MAX_SEAL_LAG_SECONDS``) — the same checks as
``/health/ready``, which is the API's healthcheck. Exit 0 when healthy, 1 when not; one JSON
line on standard output says what was found (positions and times only).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer

from api.cli.common import open_archive, read_settings
from projections.health import readiness, sealing
from projections.store import register_store_beside
from storage.integrity_store import integrity_store_beside


class Part(StrEnum):
    REGISTERS = "registers"
    SEALER = "sealer"


def health(
    part: Annotated[Part, typer.Argument(help="registers (the follower's work) or sealer")],
) -> None:
    """Exit 0 when the registers (or the signed checkpoints) keep up with the log, else 1."""
    settings = read_settings()
    archive = open_archive(settings)
    try:
        found: dict[str, Any]
        if part is Part.REGISTERS:
            store = register_store_beside(archive.env, settings.data_dir)
            try:
                state = readiness(
                    store,
                    archive.recorder,
                    archive.mapper,
                    sorted(store.status()),
                    max_lag_seconds=settings.ready_max_lag_seconds,
                )
            finally:
                store.close()
            ok = state.ready and bool(state.registers)
            found = {
                "head": state.head,
                "not_ready": [r.name for r in state.registers if not r.ready],
            }
        else:
            integrity = integrity_store_beside(archive.env, settings.data_dir)
            try:
                seal = sealing(
                    integrity,
                    archive.recorder,
                    archive.mapper,
                    max_lag_seconds=settings.ready_max_seal_lag_seconds,
                )
            finally:
                integrity.close()
            ok = seal.ready
            found = {
                "head": seal.head,
                "sealed_position": seal.sealed_position,
                "lag_seconds": seal.lag_seconds,
            }
    finally:
        archive.close()
    typer.echo(json.dumps({"part": part.value, "ok": ok, **found}))
    if not ok:
        raise typer.Exit(1)
