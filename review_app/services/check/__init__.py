"""The formal check as a stage of the round: the intake rules (services.intake.rules) run on every submitted
application, the verdicts stored and overridden by an admin for a written reason, and the report."""
