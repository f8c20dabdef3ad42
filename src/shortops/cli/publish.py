"""`shortops publish …`: run the publishing engine by hand."""

from __future__ import annotations

from collections import Counter

import typer

from shortops.cli.common import console, database, err_console, printable_table
from shortops.config import get_settings
from shortops.errors import QueueUnavailable
from shortops.publishing import tasks
from shortops.publishing.flows import Engine

app = typer.Typer(help="The publishing engine.", no_args_is_help=True)


@app.command("due")
def due() -> None:
    """Run the reconciler once and publish (and check) whatever is due, in this process.

    Uploads whose worker stopped answering are taken over first (never uploaded again). Later
    status checks go to the queue for a worker; without one, run this again.
    """
    settings = get_settings()
    with database():
        pass  # migrate, and turn an unreachable database into a plain message
    run = Engine(settings).run_due()
    table = printable_table("publication", "step", "result")
    for step, publication_id, outcome in run.results:
        table.add_row(str(publication_id), step, outcome.result)
    if run.results:
        console.print(table)
    queued = 0
    try:
        for followup in run.followups():
            tasks.send(followup)
            queued += 1
    except QueueUnavailable as exc:
        err_console.print(f"[yellow]Later checks were not queued:[/] {exc.render()}")
    counts = Counter(outcome.result for _, _, outcome in run.results)
    summary = ", ".join(f"{n} {result}" for result, n in sorted(counts.items())) or "nothing due"
    console.print(
        f"{len(run.results)} due: {summary}; {run.reviewed} abandoned uploads sent for review; "
        f"{queued} follow-ups queued.",
        highlight=False,
    )
