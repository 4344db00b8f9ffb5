"""``python -m api.cli``: the ``dossier`` command line (as it ran when ``api.cli`` was a module)."""

from api.cli import main

main()
