"""江苏省创新联合体评审系统: the Flask application factory."""

import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask

from . import db
from .config import Defaults
from .extensions import (
    babel,
    csrf,
    install_form_translations,
    install_template_gettext,
    limiter,
    login_manager,
    select_locale,
)


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: configuration, database, logins, CSRF, translations, rate limits, blueprints, CLI.

    Configuration is read in this order, later winning: `config.Defaults`, `instance/config.py`,
    the environment (`Defaults.ENVIRONMENT_KEYS`: DATABASE_URL, SECRET_KEY, SHARED_DIR, UPLOAD_DIR, …), then
    `test_config`. `instance_path` moves the instance folder (tests give each app its own).
    """
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    load_config(app, test_config)

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    install_form_translations(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from . import hardening, web
    from .admin.routes import bp as admin_bp
    from .audit.routes import bp as audit_bp
    from .auth.routes import bp as auth_bp
    from .city import consortia as _city_consortia  # noqa: F401 (registers the city's registry views)
    from .city.routes import bp as city_bp
    from .expert.routes import bp as expert_bp
    from .notifications.routes import bp as notifications_bp

    web.init_app(app)
    hardening.init_app(app)
    for blueprint in (auth_bp, admin_bp, city_bp, expert_bp, audit_bp, notifications_bp):
        app.register_blueprint(blueprint)

    from .cli import register_commands

    register_commands(app)
    return app


def load_config(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for key in Defaults.ENVIRONMENT_KEYS:
        if os.environ.get(key):
            app.config[key] = os.environ[key]
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        database = instance / "review.db"
        _owner_only(database)
        app.config["DATABASE_URL"] = f"sqlite:///{database}"
    shared = Path(app.config["SHARED_DIR"] or instance)  # what every app server on the database must share
    shared.mkdir(parents=True, exist_ok=True)
    app.config["SHARED_DIR"] = str(shared)
    if not app.config["UPLOAD_DIR"]:
        app.config["UPLOAD_DIR"] = str(shared / "uploads")
    if not app.config["ARCHIVE_DIR"]:
        app.config["ARCHIVE_DIR"] = str(shared / "archives")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret_key(shared)
    if app.config["JOB_RUNNER"] not in ("thread", "worker"):  # a typo would leave every job waiting
        raise ValueError(f'JOB_RUNNER must be "thread" or "worker", not {app.config["JOB_RUNNER"]!r}')


def _owner_only(database: Path) -> None:
    """Create the SQLite file readable and writable by its owner only (SQLite gives its -wal and -shm
    files the same mode), or take the other users' rights away from one created before."""
    if not database.exists():
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))  # an empty file is an empty database
    for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
        try:
            if path.exists() and path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except PermissionError:  # not ours: the deployment's business
            pass


def _instance_secret_key(instance: Path) -> str:
    """Read the key written on first start, or write a new random one readable by the owner only.

    The key is written to a temporary file and linked into place, so a process starting at the same
    moment either wins or reads the complete key of the one that did.
    """
    path = instance / "secret_key"
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=instance)  # mode 600
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
