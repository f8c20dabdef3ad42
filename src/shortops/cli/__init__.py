"""The `shortops` command line (Typer + Rich)."""
