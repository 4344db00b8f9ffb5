"""The application's commands, one module per area, each a mixin of :class:`DossierArchive`.

Every module here holds the commands (and their reads) of one area — the same name as the
area's domain module, router, CLI group and register — and goes through the command path of
:mod:`archive.core`. None imports another command module except where one area's command
builds on another's (a destruction checks custody and borrowing).
"""
