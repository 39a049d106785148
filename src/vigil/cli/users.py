"""``vigil user``: staff accounts from the operator's shell."""

from __future__ import annotations

import secrets

import typer

from vigil.cli.context import handles_errors, open_services
from vigil.security.actor import Actor
from vigil.security.permissions import Role

app = typer.Typer(help="Staff accounts.", no_args_is_help=True)

PASSWORD_HELP = "Leave out to be asked (hidden input), or to have one generated with --generate."  # noqa: S105


def generate_password() -> str:
    """Four random words' worth of entropy, readable: 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)


def _password(password: str | None, generate: bool) -> tuple[str, bool]:
    if password:
        return password, False
    if generate:
        return generate_password(), True
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered, False


@app.command("create-admin")
@handles_errors
def create_admin(
    username: str = typer.Option(..., "--username", "-u", help="Sign-in name."),
    display_name: str = typer.Option("Administrator", "--name", help="Shown in the console."),
    password: str | None = typer.Option(None, "--password", help=PASSWORD_HELP),
    generate: bool = typer.Option(False, "--generate", help="Generate and print a password."),
) -> None:
    """Create an administrator: how a fresh install gets its first account."""
    _create(username, display_name, Role.ADMIN, password, generate)


@app.command("add")
@handles_errors
def add(
    username: str = typer.Option(..., "--username", "-u", help="Sign-in name."),
    role: Role = typer.Option(..., "--role", "-r", help="One of the staff roles."),
    display_name: str = typer.Option(..., "--name", help="Shown in the console."),
    password: str | None = typer.Option(None, "--password", help=PASSWORD_HELP),
    generate: bool = typer.Option(False, "--generate", help="Generate and print a password."),
    language: str = typer.Option("en", "--language", help="Console language."),
) -> None:
    """Add a staff member with a role."""
    _create(username, display_name, role, password, generate, language)


def _create(
    username: str,
    display_name: str,
    role: Role,
    password: str | None,
    generate: bool,
    language: str = "en",
) -> None:
    from vigil.security.schemas import UserCreate

    secret, generated = _password(password, generate)
    with open_services() as services:
        user = services.accounts.create_user(
            Actor.operator(),
            UserCreate(
                username=username,
                display_name=display_name,
                role=role,
                password=secret,
                language=language,
            ),
        )
    typer.echo(f"created {user.role} {user.username}")
    if generated:
        typer.echo(f"password (shown once): {secret}")
