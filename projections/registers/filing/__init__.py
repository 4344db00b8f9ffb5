"""Filing (归档): the completeness register and full-text document search."""
