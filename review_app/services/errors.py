"""The one error type of the services: a refusal the user can act on.

Every service error derives from `ServiceError`; its message is the sentence shown to the user (already
translated, Chinese by default). Views catch `ServiceError` in one place (`review_app.web.attempt`), roll the
transaction back and flash the message; the CLI prints it on one line and exits non-zero.
"""


class ServiceError(Exception):
    """A service refused a request; `str(error)` is the message for the user."""
