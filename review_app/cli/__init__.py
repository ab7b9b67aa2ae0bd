"""`flask --app review_app …` commands: thin wrappers over the services, one-line errors, exit codes.

One module per concern: `database` (schema, demo data, backup and restore), `accounts`, `intake` (rounds,
the application import, the formal check), `registry` (the consortium registry's import), `pool` (the expert
import), `assign` (the solver and the job worker), `meeting` (offline score workbooks), `results` (ranking
and exports), `decision` (the public notice, the final decision, the due notifications), `compliance` (the
audit log and the round archive).
"""

from flask import Flask

from . import accounts, assign, compliance, database, decision, intake, meeting, pool, registry, results


def register_commands(app: Flask) -> None:
    for module in (database, accounts, intake, registry, pool, assign, meeting, results, decision, compliance):
        for command in module.COMMANDS:
            app.cli.add_command(command)
