"""Small shared helpers: atomic writes, optional-dependency checks, console output."""
