"""A report as one self-contained HTML page (inline CSS and SVG charts) and as a PDF.

The PDF is the same HTML laid out by WeasyPrint. Its CJK text uses the Noto Sans SC font
shipped with shortops (declared with @font-face), so Chinese renders on a machine without
any CJK font installed.
"""

from __future__ import annotations

import logging

from shortops.errors import N_, ShortopsError
from shortops.media.fonts import bundled_font
from shortops.reports.service import TITLES, ReportData
from shortops.web.templating import render

log = logging.getLogger("shortops.reports")


class ReportFailed(ShortopsError):
    code = "report_failed"
    status = 500
    template = N_("The report could not be made as PDF ({detail}). The HTML report is kept.")


def report_html(data: ReportData, *, for_pdf: bool = False) -> str:
    return render(
        data.language,
        "reports/report.html",
        {
            "data": data,
            "found": data.found,
            "title": TITLES[data.kind],
            "font_url": bundled_font().path.as_uri(),
            "for_pdf": for_pdf,
        },
    )


def report_pdf(data: ReportData) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only PDF making needs.
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing on this machine
        raise ReportFailed(detail=str(exc)) from None
    html = report_html(data, for_pdf=True)
    pdf = HTML(string=html, base_url=str(bundled_font().directory)).write_pdf()
    if not pdf:
        raise ReportFailed(detail="empty document")
    return bytes(pdf)
