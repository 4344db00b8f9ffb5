"""The application: commands and workflows over one event store.

:class:`archive.application.DossierArchive` is the one eventsourcing
Application; its commands are grouped by area in the sibling modules.
"""
