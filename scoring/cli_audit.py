"""``scoring audit``: verify the audit trail, and anchor its head outside the database."""

from __future__ import annotations

from contextlib import contextmanager

import click

from scoring.cli import _open_store


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Check every event's chain hash and HMAC (instance/audit.key) and the checkpoints
    written outside the database; name the first bad event."""
    from sqlalchemy import func, select

    from scoring.store.audit import verify_chain
    from scoring.store.checkpoints import read_checkpoints, verify_checkpoints
    from scoring.store.models import AuditEvent

    settings, session = _open_store()
    with _disposed(session), session:
        bad = verify_chain(session, settings.audit_key())
        count = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        anchored = verify_checkpoints(session, settings.audit_checkpoints_path)
        if bad is None and anchored is None:
            points = read_checkpoints(settings.audit_checkpoints_path)
            click.echo(f"audit trail intact: {count} events, {len(points)} checkpoints match")
            return
        if bad is not None:
            event = session.get(AuditEvent, bad)
            click.echo(f"audit trail broken at event {bad} ({event.action} by {event.actor_name} at {event.at}):"
                       " edited, inserted or signed without this instance's key; later events are not trusted",
                       err=True)
        if anchored is not None:
            point = anchored.checkpoint
            now = "missing" if anchored.found is None else f"now {anchored.found[:16]}"
            click.echo(f"audit trail rewritten: event {point.event_id} was {point.hash[:16]} at the checkpoint of "
                       f"{point.at} ({point.reason}), {now}; the first rewritten event is after event "
                       f"{anchored.after_id} (the last checkpoint that matches)", err=True)
    raise SystemExit(1)


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Append the chain's head to instance/audit-checkpoints.jsonl (e.g. daily, from cron)."""
    from scoring.store.checkpoints import write_checkpoint

    settings, session = _open_store()
    with session:
        point = write_checkpoint(session, settings.audit_checkpoints_path, "cli")
    session.get_bind().dispose()
    click.echo(f"checkpoint: {point.short}" if point else "the audit trail is empty: nothing to anchor")


@audit.command("replay")
def audit_replay() -> None:
    """Replay every mark from the audit trail alone and recompute every assessment's results;
    say which stored marks the trail does not reproduce (changed without the service)."""
    from scoring.services.replay import check_replay

    _, session = _open_store()
    with _disposed(session), session:
        check = check_replay(session)
    report = check.marks
    click.echo(f"{report.events} mark events replayed; {report.marks} marks stored: {len(report.differing)} differ, "
               f"{len(report.not_in_log)} have no event, {len(report.not_stored)} replayed but not stored; "
               f"results of {check.assessments - len(check.results_differ)} of {check.assessments} assessments "
               "equal from the replay")
    for key in (*report.differing, *report.not_in_log)[:20]:
        click.echo(f"  mark {'/'.join(map(str, key))} (assessment/town/item/reviewer) is not what the trail says",
                   err=True)
    if not check.passed:
        raise SystemExit(1)


@contextmanager
def _disposed(session):
    try:
        yield
    finally:
        session.get_bind().dispose()


@click.group()
def security() -> None:
    """Security events: refused attempts, kept apart from the audit trail."""


@security.command("events")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--kind", type=click.Choice(["forbidden", "not_found", "stale_edit"]))
@click.option("--ip", help="only from this address")
@click.option("--json", "as_json", is_flag=True, help="one JSON object a line")
def security_events_command(limit: int, kind: str | None, ip: str | None, as_json: bool) -> None:
    """List the newest security events (403, 404 on objects out of reach, 409 stale edits)."""
    import json
    from dataclasses import asdict

    from scoring.store.security_events import recent_events

    _settings, session = _open_store()
    with _disposed(session), session:
        events = recent_events(session, limit=limit, kind=kind, ip=ip)
    for event in events:
        if as_json:
            click.echo(json.dumps(asdict(event), ensure_ascii=False, default=str))
        else:
            click.echo(f"{event.at:%Y-%m-%d %H:%M:%S} {event.status} {event.kind:<10} {event.ip:<15} "
                       f"{event.username or '-':<12} {event.method} {event.path} [{event.route}] {event.request_id}")
