"""``scoring backup`` and ``scoring restore``: the database and the evidence in one archive."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click


def _store():
    from scoring.settings import Settings
    from scoring.store.db import make_engine

    settings = Settings()
    return settings, make_engine(settings.sqlalchemy_url)


@click.command("backup")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="archive to write (default: instance/backups/scoring-<UTC time>.tar)")
def backup_command(out: Path | None) -> None:
    """Back up the database and evidence, consistently, while the service runs."""
    from scoring.store.backup import BackupError, backup

    settings, engine = _store()
    out = out or settings.instance_path / "backups" / f"scoring-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar"
    try:
        summary = backup(engine, settings.evidence_path, out, checkpoints=settings.audit_checkpoints_path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"backup written: {summary.path} ({summary.backend}, {summary.audit_events} audit events, "
               f"head {summary.audit_head[:16]}, {summary.evidence_files} evidence files)")
    if summary.missing_evidence:
        click.echo(f"warning: {len(summary.missing_evidence)} evidence file(s) named by the database are not "
                   f"in {settings.evidence_path}: {', '.join(d[:12] for d in summary.missing_evidence)}", err=True)
    click.echo("keep instance/audit.key apart from this archive: it is what makes a rewritten trail detectable")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database that already has tables")
def restore_command(archive: Path, force: bool) -> None:
    """Restore ARCHIVE into the configured (empty) database and evidence folder, then verify it."""
    from sqlalchemy import func, select

    from scoring.store.audit import verify_chain
    from scoring.store.backup import BackupError, restore
    from scoring.store.db import make_session_factory
    from scoring.store.models import AuditEvent

    settings, engine = _store()
    try:
        manifest = restore(archive, engine, settings.evidence_path, checkpoints=settings.audit_checkpoints_path,
                           force=force, derived=settings.derived_paths)
        with make_session_factory(engine)() as session:
            count = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
            chained = verify_chain(session)
            signed = verify_chain(session, settings.audit_key())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"restored {archive} (made {manifest['created_at']}, schema {manifest['schema']}): "
               f"{count} audit events, {sum(n.startswith('evidence/') for n in manifest['files'])} evidence files")
    if count != manifest["audit_events"] or chained is not None:
        raise click.ClickException(f"the restored audit trail does not match the backup (first bad event {chained})")
    if signed is not None:
        click.echo("warning: the audit HMACs do not verify with this instance's audit.key; copy the key of the "
                   "instance that made the backup to instance/audit.key", err=True)
    else:
        click.echo("audit trail intact")
