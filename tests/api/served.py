"""One FastAPI app per test process, served over each test's own store.

FastAPI builds every route's dependencies for each app, most of a second on this API; the
fixtures build one app with the default limits and point it at each test's archive and data
directory (:func:`api.app.serve_with`) before its lifespan starts. What a lifespan builds — the
registers, the sealer, the session store — is built again for each test.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app, serve_with
from api.settings import Settings
from archive.application import DossierArchive

_shared: list[FastAPI] = []


def app_serving(settings: Settings, archive: DossierArchive) -> FastAPI:
    """The process's app, to serve ``archive`` with ``settings`` when next started."""
    if not _shared:
        _shared.append(create_app(settings, archive))
        return _shared[0]
    return serve_with(_shared[0], settings, archive)
