"""`cc-network`: the command line (issue 2 §8). Thin: every rule is in a service.

A refused request prints the service's message on stderr and exits with status 1
(2 for bad usage, click's convention); nothing is changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from integrations.errors import ServiceError


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _service_error(exc: ServiceError) -> click.ClickException:
    from integrations.i18n import error_text

    text = error_text(exc.code, "en", fallback=str(exc))
    detail = str(exc)
    if detail and detail != exc.code and detail.lower() not in text.lower():
        text = f"{text} ({detail})"
    return click.ClickException(f"{text} [{exc.code}]")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """CC Network: career centres network. Settings come from CC_* variables."""


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic)."""
    from cc_network.migrate import migrate as run_migrate

    run_migrate()
    click.echo("database is at the latest schema revision")


@main.command()
def demo() -> None:
    """Load the demo network (idempotent: what exists is kept)."""
    from cc_network.demo import DEMO_PASSWORD, load_demo
    from cc_network.migrate import migrate as run_migrate

    run_migrate()
    r = load_demo()
    click.echo(f"demo network ready: {r.tenants_created} centre(s) and {r.accounts_created} "
               f"account(s) created; every demo login uses the password {DEMO_PASSWORD}")


# ---------------------------------------------------------------- tenants

@main.group()
def tenant() -> None:
    """Host institutions (centres)."""


@tenant.command("create")
@click.option("--slug", required=True, help="lower-case letters, digits and dashes")
@click.option("--name", required=True)
@click.option("--kind", default="university", show_default=True,
              type=click.Choice(["university", "business_school", "vocational_institute", "other"]))
@click.option("--timezone", default=None, help="default: CC_DEFAULT_TIMEZONE")
def tenant_create(slug: str, name: str, kind: str, timezone: str | None) -> None:
    from integrations.db import system_session, transaction
    from integrations.settings import get_settings
    from tenants.core.services import do_create_tenant

    try:
        with system_session("cli: tenant create") as s, transaction(s):
            t = do_create_tenant(s, None, slug=slug, name=name, kind=kind,
                                 timezone=timezone or get_settings().default_timezone)
    except ServiceError as exc:
        raise _service_error(exc) from exc
    click.echo(f"created centre {t.slug} (id {t.id}): {t.name}")


# ---------------------------------------------------------------- reference model (P28)

@main.group("reference-model")
def reference_model() -> None:
    """The network's reference standard model."""


@reference_model.command("seed")
def reference_model_seed() -> None:
    """Seed the default model as version 1, published, unless the network has one (idempotent)."""
    from workflows.assessment.reference import current_model_id, ensure_default_model

    before = current_model_id()
    try:
        mid = ensure_default_model()
    except ServiceError as exc:
        raise _service_error(exc) from exc
    if mid is None:
        _fail("the network has reference model versions but none is published")
    click.echo(("reference model already present" if before is not None else "default reference model seeded")
               + f": current version id {mid}")


@main.group()
def mail() -> None:
    """Mailings' delivery."""


@mail.command("bounces")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def mail_bounces(files: tuple[str, ...]) -> None:
    """Read delivery status notifications (RFC 3464, one message per FILE, or stdin): a permanent
    failure marks the recipient's delivery bounced and stops mailings to that address."""
    from workflows.communications.mailing import process_bounce

    sources = [open(f, "rb").read() for f in files] if files else [click.get_binary_stream("stdin").read()]
    for raw in sources:
        r = process_bounce(raw)
        click.echo(f"delivery {r['delivery_id']}: {'bounced' if r['permanent'] else 'temporary failure noted'}"
                   if r["matched"] else f"ignored: {r['reason']}")


# ---------------------------------------------------------------- users

@main.group()
def user() -> None:
    """Accounts and their memberships."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, help="at least 10 characters, letters and digits/symbols")
@click.option("--name", "full_name", default="", help="full name (default: from the e-mail)")
@click.option("--tenant", "tenant_slug", default=None, help="centre slug for the membership")
@click.option("--role", "roles", multiple=True, help="role in --tenant; repeat for several")
@click.option("--responsibility", "responsibilities", multiple=True,
              type=click.Choice(["communication", "coordination", "ambassador_programme"]),
              help="career counselors only; repeatable")
@click.option("--network-role", type=click.Choice(["network_admin", "external_evaluator"]), default=None)
def user_create(email: str, password: str, full_name: str, tenant_slug: str | None, roles: tuple[str, ...],
                responsibilities: tuple[str, ...], network_role: str | None) -> None:
    from integrations.db import system_session, transaction
    from tenants.core.accounts import MembershipSpec, do_create_account

    if roles and not tenant_slug:
        _fail("--role needs --tenant")
    if tenant_slug and not roles:
        _fail("--tenant needs at least one --role")
    specs = [MembershipSpec(tenant_slug, roles, responsibilities)] if tenant_slug else []
    try:
        with system_session("cli: user create") as s, transaction(s):
            acc = do_create_account(s, None, email=email, password=password, full_name=full_name,
                                    network_role=network_role, memberships=specs)
    except ServiceError as exc:
        raise _service_error(exc) from exc
    where = f" in {tenant_slug} as {', '.join(roles)}" if tenant_slug else ""
    extra = f" ({network_role})" if network_role else ""
    click.echo(f"created account {acc.email} (id {acc.id}){extra}{where}")


# ---------------------------------------------------------------- tokens

@main.group()
def token() -> None:
    """REST API bearer tokens."""


@token.command("create")
@click.option("--email", required=True, help="the account the token acts for")
@click.option("--tenant", "tenant_slug", default=None,
              help="centre the token is scoped to (default: the person's only/first centre)")
@click.option("--name", default="cli", show_default=True)
def token_create(email: str, tenant_slug: str | None, name: str) -> None:
    """Print a new token (shown once; only its hash is stored)."""
    from integrations.db import system_session
    from tenants.auth.services import actor_for, do_create_api_token
    from tenants.core.queries import find_account_by_email, get_tenant_by_slug, membership_of
    from tenants.core.services import tenants_visible_to

    try:
        # Each lookup in its own short session: SQLite lets one transaction hold the lock.
        with system_session("cli: token create") as s:
            account = find_account_by_email(s, email)
            tenant_id = get_tenant_by_slug(s, tenant_slug).id if tenant_slug else None
            member = account is not None and tenant_id is not None and \
                membership_of(s, account.id, tenant_id) is not None
        if account is None:
            _fail(f"no account with e-mail {email}")
        if tenant_slug and not member:
            _fail(f"{email} is not a member of {tenant_slug}")
        if tenant_id is None:
            mine = [v for v in tenants_visible_to(account.id) if v.roles]
            if not mine:
                _fail(f"{email} is a member of no centre: a token is scoped to a membership")
            if len(mine) > 1:
                _fail(f"{email} belongs to several centres; choose one with --tenant "
                      f"({', '.join(v.slug for v in mine)})")
            tenant_id = mine[0].id
        actor = actor_for(account.id, tenant_id)
        if actor is None or actor.membership_id is None:
            _fail(f"{email} has no active membership there")
        issued = do_create_api_token(actor, name=name)
    except ServiceError as exc:
        raise _service_error(exc) from exc
    click.echo(issued.secret)


# ---------------------------------------------------------------- jobs and the app

def _celery_argv(*args: str) -> list[str]:
    return ["celery", "-A", "cc_network.worker:celery_app", *args]


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--concurrency", "-c", default=2, show_default=True)
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.pass_context
def worker(ctx: click.Context, concurrency: int, loglevel: str) -> None:
    """Run a Celery worker (extra arguments go to `celery worker`)."""
    from cc_network.worker import celery_app

    argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", *ctx.args]
    if celery_app.conf.broker_url.startswith("filesystem://"):
        # the filesystem transport has no fan-out: no remote control, no events
        argv += ["--without-mingle", "--without-gossip"]
    celery_app.worker_main(argv)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.pass_context
def beat(ctx: click.Context, loglevel: str) -> None:
    """Run Celery beat, the scheduler (one per deployment)."""
    from cc_network.worker import celery_app

    celery_app.start(["beat", f"--loglevel={loglevel}", *ctx.args])


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_cmd(file: Path) -> None:
    """Write every table to FILE (JSON lines; gzip when FILE ends in .gz)."""
    from cc_network.backup import backup

    counts = backup(file)
    click.echo(f"backed up {sum(counts.values())} rows of {len(counts)} tables to {file}")


@main.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace the data of a database that is not empty")
def restore_cmd(file: Path, force: bool) -> None:
    """Load FILE into this database (migrated first; refuses a non-empty one without --force)."""
    from cc_network.backup import BackupError, restore
    from cc_network.migrate import migrate as run_migrate

    run_migrate()
    try:
        counts = restore(file, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {sum(counts.values())} rows of {len(counts)} tables from {file}")


@main.command()
@click.option("--no-app", is_flag=True, help="only the worker and beat (no Reflex app)")
@click.option("--no-demo", is_flag=True, help="do not load the demo network on first start")
def run(no_app: bool, no_demo: bool) -> None:
    """Migrate, load the demo on first start, then run the app, a worker and beat until Ctrl-C."""
    from cc_network.runner import run as run_all

    sys.exit(run_all(app=not no_app, demo=not no_demo))


if __name__ == "__main__":
    main()
