"""``python -m dossier_verify BAG [--json]``."""

from __future__ import annotations

from dossier_verify.cli import main

raise SystemExit(main())
