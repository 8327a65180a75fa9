"""Entry point: the ``dbaudit`` command group. Commands live in their own modules, loaded lazily
so that ``dbaudit --version`` and ``dbaudit rules`` start fast."""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

# command name -> "module:attribute"; a module holds one command and imports heavy parts lazily.
COMMANDS: dict[str, str] = {
    "demo": "dbaudit.cli.demo_cmd:demo_command",
    "docs": "dbaudit.cli.docs_cmd:docs_command",
    "audit": "dbaudit.cli.audit_cmd:audit_command",
    "check-data": "dbaudit.cli.check_data_cmd:check_data_command",
    "drift": "dbaudit.cli.drift_cmd:drift_command",
    "fix": "dbaudit.cli.fix_cmd:fix_command",
    "inspect": "dbaudit.cli.inspect_cmd:inspect_command",
    "lint-migrations": "dbaudit.cli.lint_cmd:lint_command",
    "rules": "dbaudit.cli.rules_cmd:rules_command",
    "snapshot": "dbaudit.cli.snapshot_cmd:snapshot_command",
    "diff": "dbaudit.cli.diff_cmd:diff_command",
    "verify": "dbaudit.cli.verify_cmd:verify_command",
    "fleet": "dbaudit.cli.fleet_cmd:fleet_command",
    "serve": "dbaudit.cli.serve_cmd:serve_command",
}


# click >= 8.2 raises this for a group run without a command; older versions print the help themselves.
_NO_ARGS_IS_HELP: type[click.exceptions.UsageError] = getattr(
    click.exceptions, "NoArgsIsHelpError", type("_NeverRaised", (click.exceptions.UsageError,), {}))


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        """Click's usage errors as one line and exit code 2, like every other dbaudit error."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from dbaudit.cli.common import fail  # noqa: PLC0415

        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            fail("interrupted")
        except _NO_ARGS_IS_HELP as exc:  # `dbaudit` alone: the help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else prog_name or "dbaudit"
            fail(f"{exc.format_message()} (see '{command} --help')")
        except click.exceptions.ClickException as exc:
            fail(exc.format_message())
        return None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(None, "--version", package_name="dbaudit", prog_name="dbaudit")
def cli() -> None:
    """Audit a database the way a senior DBA would."""


def main() -> None:
    from dbaudit.cli.common import install_signal_handlers  # noqa: PLC0415

    # A command is one short run that builds a large, acyclic model (hundreds of thousands of objects
    # for a big schema): cyclic garbage collection would only re-walk it, again and again, costing a
    # quarter of an audit's time. A long-running command (a future ``serve``) turns it back on.
    gc.disable()
    install_signal_handlers()
    cli(prog_name="dbaudit")
