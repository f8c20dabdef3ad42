"""Errors of Measure, as part of the one exception tree in `shortops.errors`.

    MetricsError (mixin: `except MetricsError` catches every error below)
    ├── ImportRefused           InvalidInput        422  import_refused
    │   ├── UnknownExportFormat                     422  unknown_export_format
    │   ├── UnreadableExport                        422  unreadable_export
    │   ├── TruncatedExport                         422  truncated_export
    │   └── AmbiguousExport                         422  ambiguous_export
    ├── ImportNeedsAccount      InvalidInput        422  import_needs_account
    ├── CompetitorReadFailed    ShortopsError       502  competitor_read_failed
    └── NoApiKey                Conflict            409  no_api_key

Each message says what was wrong and what to do; placeholders are filled from the parameters.
"""

from __future__ import annotations

from shortops.errors import N_, Conflict, InvalidInput, ShortopsError


class MetricsError(ShortopsError):
    """Base of every Measure error; concrete errors put their HTTP family first in their bases."""

    code = "metrics_error"
    template = N_("The figures could not be processed.")


class ImportRefused(InvalidInput, MetricsError):
    """A file that cannot be imported as it is; nothing of it was written."""

    code = "import_refused"
    template = N_("{name} cannot be imported: {detail}")


class UnknownExportFormat(ImportRefused):
    code = "unknown_export_format"
    template = N_(
        "{name} is not an export shortops knows. Columns found: {headers}. Known exports: "
        "{known}. For other platforms, import it with a column mapping (generic CSV/XLSX)."
    )


class UnreadableExport(ImportRefused):
    code = "unreadable_export"
    template = N_(
        "{name} is not a CSV, XLSX or ZIP file shortops can read ({detail}). Upload the file "
        "as the platform exported it."
    )


class TruncatedExport(ImportRefused):
    code = "truncated_export"
    template = N_(
        "{name} ends in the middle of a row (line {line}): the file is incomplete. Download "
        "the export again."
    )


class AmbiguousExport(ImportRefused):
    code = "ambiguous_export"
    template = N_("{name}: {detail}")


class ImportNeedsAccount(InvalidInput, MetricsError):
    code = "import_needs_account"
    template = N_(
        "Choose the {platform} account these figures belong to ({known}), or name a new one: "
        "it is created as an import-only account."
    )


class CompetitorReadFailed(MetricsError):
    status = 502
    code = "competitor_read_failed"
    template = N_("YouTube did not answer for @{handle}: {detail}")


class NoApiKey(Conflict, MetricsError):
    status = 409
    code = "no_api_key"
    template = N_(
        "Reading public YouTube channels needs a YouTube Data API key: set "
        "SHORTOPS_YOUTUBE_API_KEY and restart shortops. Until then, add readings by hand or "
        "import a file."
    )
