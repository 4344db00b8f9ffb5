"""What the archive issues to a reader outside it: the compliance report, audit bundles and the
archive office's printed forms."""
