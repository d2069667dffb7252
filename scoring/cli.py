"""The ``scoring`` command: check rubrics, compute results and rankings from files."""

from __future__ import annotations

import sys
from decimal import Decimal

import click
import pandas as pd

from scoring.errors import MarksFileError, RubricError
from scoring.messages import N_
from scoring.points import format_points, to_cents
from scoring.rubric import Rubric
from scoring.rubric.load import load_rubric


@click.group()
def main() -> None:
    """Year-end rule-of-law assessment scoring (依法行政年度考核评分)."""


@main.group()
def rubric() -> None:
    """Work with rubric files."""


@rubric.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def rubric_check(files: tuple[str, ...]) -> None:
    """Validate rubric FILES; print OK with totals, or every problem (exit 1)."""
    failed = False
    for file in files:
        try:
            loaded = load_rubric(file)
        except RubricError as exc:
            failed = True
            head = N_("%(file)s：%(n)s 个问题", file=file, n=len(exc.problems))
            click.echo(f"FAIL {head}", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            continue
        except OSError as exc:
            failed = True
            click.echo(f"FAIL {_unreadable(file, exc)}", err=True)
            continue
        click.echo(f"OK {file}: {summary(loaded)}")
    sys.exit(1 if failed else 0)


def _unreadable(file: str, error: OSError) -> str:
    return str(N_("无法读取文件 %(file)s：%(error)s", file=file, error=error.strerror or error))


def _file_error(error: RubricError | MarksFileError) -> str:
    """Every problem of a refused file, one a line (``file:line → route → field: message``)."""
    return str(error)


def _load(rubric_path: str) -> Rubric:
    """The rubric, or exit 1 after printing its problems."""
    try:
        return load_rubric(rubric_path)
    except RubricError as exc:
        click.echo(_file_error(exc), err=True)
    except OSError as exc:
        click.echo(_unreadable(rubric_path, exc), err=True)
    sys.exit(1)


def summary(rubric: Rubric) -> str:
    """One line of a rubric's shape and totals."""
    items = sum(1 for _ in rubric.all_items())
    parts = [f"{rubric.title} v{rubric.version}", f"{len(rubric.categories)} categories",
             f"{items} items", f"{format_points(to_cents(rubric.total_points))} points"]
    if rubric.bonus:
        parts.append(f"{len(rubric.bonus.items)} bonus items (up to +{format_points(to_cents(rubric.bonus.cap))})")
    parts.append(f"{len(rubric.vetoes)} veto items")
    bands = ", ".join(
        f"{b.name} ≥ {format_points(to_cents(b.min_total))}"
        + (f" (≤ {b.quota * 100:.0f}%)" if b.quota is not None else "")
        for b in rubric.grades
    )
    return "; ".join(parts) + f"; grades: {bands}"


@main.command()
@click.option("--rubric", "rubric_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="rubric YAML file")
@click.option("--marks", "marks_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="marks table, .csv or .xlsx")
@click.option("--town", "towns", multiple=True, help="a town to include even if it has no marks")
@click.option("--out", type=click.Path(dir_okay=False), help="write the ranking to .xlsx or .csv")
def results(rubric_path: str, marks_path: str, towns: tuple[str, ...], out: str | None) -> None:
    """Compute item scores, totals, ranks and grades; print the ranking."""
    from scoring.marks_io import read_marks
    from scoring.outcome import compute_outcome
    from scoring.ranking_io import ranking_table, write_ranking

    loaded = _load(rubric_path)
    try:
        table = read_marks(marks_path, loaded)
    except MarksFileError as exc:
        click.echo(_file_error(exc), err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(_unreadable(marks_path, exc), err=True)
        sys.exit(1)
    outcome = compute_outcome(loaded, table, towns)
    shown = ranking_table(loaded, outcome)
    click.echo(_format_table(shown))
    status = outcome.ranking["status"]
    incomplete, on_nothing = int((status == "incomplete").sum()), int((status == "not_rankable").sum())
    if incomplete:
        click.echo(f"\n{incomplete} town(s) incomplete: no total or rank until every item is scored.")
    if on_nothing:
        click.echo(f"\n{on_nothing} town(s) not ranked: none of their items applies.")
    if out:
        click.echo(f"\nwritten {write_ranking(loaded, outcome, out)}")


@main.command()
@click.option("--rubric", "rubric_path", default="rubrics/town-rule-of-law-2025.yaml", show_default=True,
              type=click.Path(exists=True, dir_okay=False))
@click.option("--marks-out", type=click.Path(dir_okay=False), help="also write the demo marks (.csv/.xlsx)")
@click.option("--out", type=click.Path(dir_okay=False), help="write the ranking to .xlsx or .csv")
def demo(rubric_path: str, marks_out: str | None, out: str | None) -> None:
    """Score the made-up demo district with the default rubric and print its ranking."""
    from scoring.demo.marks import demo_marks
    from scoring.marks import mark_table
    from scoring.marks_io import write_marks
    from scoring.outcome import compute_outcome
    from scoring.ranking_io import ranking_table, write_ranking

    loaded = _load(rubric_path)
    marks = demo_marks(loaded)
    outcome = compute_outcome(loaded, mark_table(marks))
    click.echo(f"{summary(loaded)}\n")
    click.echo(_format_table(ranking_table(loaded, outcome)))
    if marks_out:
        click.echo(f"\nmarks written to {write_marks(marks, marks_out)}")
    if out:
        click.echo(f"ranking written to {write_ranking(loaded, outcome, out)}")


def _open_store():
    """Return (settings, session) for the configured database, migrated to the newest schema."""
    from scoring.settings import Settings
    from scoring.store.audit import use_key
    from scoring.store.checkpoints import use_checkpoints
    from scoring.store.db import make_engine, make_session_factory
    from scoring.store.migrate import upgrade_database

    settings = Settings()
    engine = make_engine(settings.sqlalchemy_url)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    use_key(factory, settings.audit_key())
    use_checkpoints(factory, settings.audit_checkpoints_path)
    return settings, factory()


@main.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (DATABASE_URL, or SQLite under instance/)."""
    settings, session = _open_store()
    session.close()
    click.echo(f"database ready: {settings.sqlalchemy_url.split('@')[-1]}")


@main.command("load-demo")
def load_demo_command() -> None:
    """Load the demo district into an empty database and print the demo accounts."""
    from scoring.demo.load import load_demo

    settings, session = _open_store()
    with session:
        accounts = load_demo(session, settings)
    if accounts is None:
        click.echo("the database already has data: demo not loaded")
        return
    click.echo("demo accounts (username / password):")
    for account in accounts:
        click.echo(f"  {account.username:<10} {account.password:<16} {account.note}")


@main.command("render")
@click.option("--assessment", "assessment_id", required=True, type=int, help="assessment id")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="folder for the PDFs")
@click.option("--town", "town", help="only this town's scorecard (id or name)")
@click.option("--workers", type=click.IntRange(min=1), help="render processes (default: one per core)")
def render_command(assessment_id: int, out_dir: str, town: str | None, workers: int | None) -> None:
    """Write the assessment's scorecards and ranking as PDFs (unchanged ones from the cache)."""
    from pathlib import Path

    from scoring.errors import NotFound
    from scoring.services.documents import render_assessment, write_documents
    from scoring.store import queries

    settings, session = _open_store()
    with session:
        try:
            queries.assessment(session, assessment_id)
            towns = queries.assessment_towns(session, assessment_id)
        except NotFound:
            raise click.ClickException(f"no assessment {assessment_id}") from None
    town_ids = None
    if town is not None:
        town_ids = [t for t, name in towns.items() if str(t) == town or name == town]
        if not town_ids:
            raise click.ClickException(f"no town {town!r} in assessment {assessment_id}")
    with click.progressbar(length=1, label="渲染 PDF", show_pos=True) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        result = render_assessment(settings, assessment_id, town_ids=town_ids, ranking=town is None,
                                   progress=progress, workers=workers)
    for path in write_documents(result, Path(out_dir)):
        click.echo(str(path))
    click.echo(f"{len(result.documents)} PDF(s): {result.rendered} rendered, {result.cached} from the cache")


def _format_table(table) -> str:
    """Plain text table; Decimal points printed without trailing zeros."""
    def show(value: object) -> str:
        if isinstance(value, Decimal):
            return format_points(to_cents(value))
        return "—" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)

    rows = [[str(c) for c in table.columns]] + [[show(v) for v in row] for row in table.itertuples(index=False)]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
        for row in rows
    )


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)



from scoring.cli_audit import audit, security  # noqa: E402 - a command group of its own module
from scoring.cli_backup import backup_command, restore_command  # noqa: E402 - commands of their own module
from scoring.cli_evidence import evidence  # noqa: E402 - a command group of its own module

main.add_command(audit)
main.add_command(security)
main.add_command(evidence)
main.add_command(backup_command)
main.add_command(restore_command)


if __name__ == "__main__":  # pragma: no cover
    main()
