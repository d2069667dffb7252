"""``scoring evidence``: extract and match evidence files outside the app."""

from __future__ import annotations

import sys

import click

from scoring.cli import _load
from scoring.messages import N_


@click.group()
def evidence() -> None:
    """Work with evidence files outside the app."""


@evidence.command("match")
@click.option("--rubric", "rubric_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="rubric YAML")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--top", default=3, show_default=True, type=click.IntRange(min=1), help="passages per item")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of text")
def evidence_match(rubric_path: str, files: tuple[str, ...], top: int, as_json: bool) -> None:
    """Extract and split FILES, then print each rubric item's top passages and the
    missing-evidence flags (threshold: scoring.evidence.match.MISSING_THRESHOLD)."""
    import json
    from pathlib import Path

    from scoring.evidence import EvidenceRejected, detect_type
    from scoring.evidence.extract import extract_document
    from scoring.evidence.match import (
        EVIDENCE_STATES,
        MISSING_THRESHOLD,
        WEAK_THRESHOLD,
        build_index,
        match_items,
    )

    loaded = _load(rubric_path)
    passages, failed = [], False
    for file in files:
        data = Path(file).read_bytes()
        try:
            extraction = extract_document(data, detect_type(data, Path(file).name), Path(file).name)
        except EvidenceRejected as exc:
            failed = True
            click.echo(f"{file}: {exc.reason}", err=True)
            continue
        if extraction.state != "text":
            click.echo(f"{file}: {extraction.message}", err=True)
        passages.extend(extraction.passages)
    items = [item for _, item in loaded.all_items()]  # grouped items (二级指标) too
    matches = match_items(build_index(passages), items, top=top)
    report = [{"item": m.item_id, "title": item.title, "state": m.state, "missing": m.missing,
               "coverage": round(m.coverage, 3),
               "passages": [{"file": p.file_name, "passage_id": p.passage_id, "location": p.location,
                             "page": p.page, "page_end": p.page_end, "sheet": p.sheet, "row": p.row,
                             "paragraph": p.paragraph, "section": list(p.section_path), "score": round(score, 3),
                             "text": p.text} for p, score in m.ranked]}
              for m, item in zip(matches, items, strict=True)]
    if as_json:
        click.echo(json.dumps({"threshold": MISSING_THRESHOLD, "weak_threshold": WEAK_THRESHOLD, "items": report},
                              ensure_ascii=False, indent=2))
    else:
        for entry in report:
            click.echo(f"{entry['item']} {entry['title']}  [{EVIDENCE_STATES[entry['state']]}]"
                       f"  coverage {entry['coverage']:.2f}")
            for rank, p in enumerate(entry["passages"], start=1):
                section = f"  § {' > '.join(p['section'])}" if p["section"] else ""
                click.echo(f"  {rank}. {p['score']:.2f}  {p['file']} {p['location']}{section}")
                click.echo(f"     {p['text'][:120]}")
        missing = [e["item"] for e in report if e["missing"]]
        click.echo(str(N_("材料缺失（覆盖度低于 %(threshold)s）：%(items)s", threshold=MISSING_THRESHOLD,
                          items="、".join(missing) or "—")))
    sys.exit(1 if failed else 0)


@evidence.command("to-database")
def evidence_to_database() -> None:
    """Copy the evidence files kept on this machine's disk (instance/evidence) into the database,
    so every app server reads them there (for PostgreSQL; files already there are left)."""
    from scoring.cli import _open_store
    from scoring.store.blobs import DatabaseBlobs, DiskBlobs, copy_disk_blobs
    from scoring.store.db import begin_write

    settings, session = _open_store()
    engine = session.get_bind()
    try:
        with session:
            begin_write(session)
            copied = copy_disk_blobs(DiskBlobs(settings.evidence_path), DatabaseBlobs(session))
            session.commit()
    finally:
        engine.dispose()
    click.echo(f"{copied} files copied into the database")


@evidence.command("resume")
def evidence_resume() -> None:
    """Queue again the files whose text extraction was lost (a restart, a killed worker). Without
    Redis the extraction runs here, and the command returns when it is done."""
    from scoring import jobs
    from scoring.settings import Settings

    resumed = jobs.resume_extractions(Settings())
    click.echo(f"{len(resumed)} files queued for extraction again" + (f": {resumed}" if resumed else ""))
