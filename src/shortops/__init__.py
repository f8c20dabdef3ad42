"""shortops: self-hosted short-video operations."""

# The one place the version is written; pyproject.toml reads it from here. A literal, not
# importlib.metadata: every command starts faster without reading the installed metadata.
__version__ = "0.1.0"
