"""The annual work report as HTML: a standalone document (command line, download) whose figures
link to their indicator pages, and the same body inside the back-office shell."""

from django.template.loader import render_to_string

from .annual import AnnualReport, target_sentence


def report_context(report: AnnualReport) -> dict:
    return {
        "report": report,
        "targets": [(progress, target_sentence(progress)) for progress in report.targets],
    }


def render_report_html(report: AnnualReport, *, base_url: str = "") -> str:
    """The whole report as one HTML file (its own small stylesheet, no external resources)."""
    return render_to_string(
        "stats/annual_report_document.html", {**report_context(report), "base_url": base_url.rstrip("/")}
    )


def write_report_html(report: AnnualReport, out, *, base_url: str = "") -> None:
    html = render_report_html(report, base_url=base_url).encode("utf-8")
    if hasattr(out, "write"):
        out.write(html)
    else:
        with open(out, "wb") as handle:
            handle.write(html)
