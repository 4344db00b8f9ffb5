"""The application: commands and workflows over one event store.

:class:`archive.application.DossierArchive` is the one eventsourcing
Application; its commands are grouped by area in ``archive/commands/``, beside the
command path (``core``), the documents' checks (``documents/``), ``dossier verify``
(``verification/``) and what is issued to readers outside (``reports/``).
"""
