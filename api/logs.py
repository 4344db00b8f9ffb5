"""One logging setup for every process: the server, the follower, the sealer and the CLI.

``configure_logging`` bridges structlog and the standard library's ``logging``: structlog events
(``structlog.get_logger("dossier.sealer")``) are handed to the stdlib logger of that name, and
one handler on the root logger renders them and every stdlib record (uvicorn's, the
eventsourcing library's, ``logging.getLogger(__name__)`` in the archive) through the same
processors. So every line of a process has one format: JSON objects in production, readable
lines in development, each with ``timestamp`` (ISO 8601, UTC), ``level``, ``logger``, ``event``,
whatever was bound in context (the request id) and the event's own fields; a traceback as text.

Lines go to standard error (whichever stream is ``sys.stderr`` when the line is written), never
to standard output, which carries a command's answer (``dossier seal --json``). Calling it again
replaces the setup, it never stacks handlers.

Called by ``api.app.create_app`` (the server, and the tests' apps) and, for every command of the
``dossier`` CLI (``serve``, ``follow``, ``seal`` and the rest), by the CLI's root callback.

Every line carries a ``request_id``: the HTTP request's (``X-Request-ID``, or one made up) while
a request is answered, else the id of the CLI command's run, bound once when it starts and
inherited by the worker threads it starts (the follower, the sealer).
"""

from __future__ import annotations

import logging
import sys
import uuid
from typing import Any, TextIO

import structlog
from structlog.typing import Processor

HANDLER_NAME = "dossier"
"""The name of the root handler this module installs (and replaces when called again)."""


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler writing to whatever ``sys.stderr`` is at the moment (test runners swap it)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """Ignored: the stream is always the current standard error."""


def configure_logging(level: str = "info", *, json: bool = False) -> None:
    """Route structlog and stdlib logging to standard error in one format, from ``level`` up."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    rendering: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if json:
        # The console renderer formats exceptions itself; JSON needs them as text first.
        rendering += [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ]
    else:
        # A plain traceback: no colour codes in files, and no local variables, which may hold
        # key material, in anybody's terminal.
        rendering.append(
            structlog.dev.ConsoleRenderer(
                colors=False, exception_formatter=structlog.dev.plain_traceback
            )
        )
    handler = _Stderr()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=rendering)
    )
    numeric = logging.getLevelNamesMapping()[level.upper()]
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=False,
    )


def bind_run(command: str | None) -> str:
    """Bind a fresh request id (and the command's name) to every line logged from here on in
    this context; return the id."""
    request_id = uuid.uuid4().hex
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id, command=command)
    return request_id
