"""Fixtures shared by the app's tests: a migrated database per test (SQLite, or PostgreSQL when
DATABASE_URL is set), the app, a client, the CLI runner, and `auth` to log in as someone.

The pure libraries' tests (test_assignment, test_scoring) use none of these.
"""

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
PASSWORD = "Passw0rd-test"


def _admin_url(url: str, database: str) -> str:
    return sa.engine.make_url(url).set(database=database).render_as_string(hide_password=False)


def _seed_demo(url: str, instance_path: str, upload_dir: Path) -> None:
    from review_app import create_app, demo

    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x", "UPLOAD_DIR": str(upload_dir)},
        instance_path=instance_path,
    )
    with app.app_context():
        from review_app.db import get_session
        from review_app.services.platform.storage import store_for

        demo.seed(get_session(), store_for(app.config))
    app.extensions["db_engine"].dispose()


def _make_template(tmp_path_factory, worker_id: str, name: str, seed: bool):
    """A migrated (and, with `seed`, demo-filled) database made once per worker: yields how to clone it."""
    from review_app import db

    if POSTGRES_URL:
        admin = sa.create_engine(db.normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        database = f"review_{name}_{worker_id}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
        url = _admin_url(POSTGRES_URL, database)
    else:
        path = tmp_path_factory.mktemp(name) / "template.db"
        url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    if seed:
        _seed_demo(url, str(tmp_path_factory.mktemp("demo-instance")), _demo_uploads(tmp_path_factory))
    if POSTGRES_URL:
        yield database
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
    else:
        engine = db.make_engine(url)
        with engine.connect() as connection:  # fold the WAL into the file so that a copy is complete
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        yield path


def _demo_uploads(tmp_path_factory) -> Path:
    """Where the demo template's files are (its PDFs, its frozen assignment instance): one per worker."""
    return tmp_path_factory.getbasetemp() / "demo-uploads"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory, worker_id):
    """An empty database at the newest schema, as `flask init-db` leaves it."""
    yield from _make_template(tmp_path_factory, worker_id, "empty", seed=False)


@pytest.fixture(scope="session")
def demo_template_database(tmp_path_factory, worker_id):
    """The database `flask seed-demo` fills, made once per worker (seeding takes seconds)."""
    yield from _make_template(tmp_path_factory, worker_id, "demo", seed=True)


@pytest.fixture
def database_url(request, tmp_path):
    """A fresh database for one test: empty, or the demo round for tests marked `demo`."""
    from review_app import db

    fixture = "demo_template_database" if request.node.get_closest_marker("demo") else "template_database"
    template = request.getfixturevalue(fixture)
    if POSTGRES_URL:
        name = "review_test_" + uuid.uuid4().hex[:12]
        admin = sa.create_engine(db.normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        yield _admin_url(POSTGRES_URL, name)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "review.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(request, database_url, tmp_path, tmp_path_factory):
    from review_app import create_app

    if request.node.get_closest_marker("demo"):  # the demo's files with its database (hard links: cheap)
        shutil.copytree(_demo_uploads(tmp_path_factory), tmp_path / "uploads", copy_function=os.link)

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            # The identity tests (test_identity.py) turn the second factor on; elsewhere a password logs in.
            "TOTP_REQUIRED_ROLES": (),
        },
        instance_path=str(tmp_path / "instance"),
    )
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A database session outside any request, for arranging and inspecting data."""
    from sqlmodel import Session

    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        yield session


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class AuthActions:
    """Log in and out through the real login form, CSRF token and all."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD, follow_redirects: bool = False):
        page = self.client.get("/auth/login")
        return self.client.post(
            "/auth/login",
            data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
            follow_redirects=follow_redirects,
        )

    def logout(self):
        page = self.client.get("/")
        token = csrf_token(self.client.get(page.location or "/auth/login").text) if page.location else None
        return self.client.post("/auth/logout", data={"csrf_token": token})

    def post(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token taken from the session's current page."""
        token = csrf_token(self.client.get("/auth/password").text)
        return self.client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def users(app, session):
    """One account per role: admin, auditor, a city account for 南京市 and 苏州市, and an expert."""
    from tests.factories import make_expert, make_user

    expert = make_expert(session, code="E9001", name="张伟")
    accounts = {
        "admin": make_user(session, "admin1", "admin"),
        "auditor": make_user(session, "auditor1", "auditor"),
        "nanjing": make_user(session, "nanjing1", "city", city="南京市"),
        "suzhou": make_user(session, "suzhou1", "city", city="苏州市"),
        "expert": make_user(session, "expert1", "expert", expert_code=expert.code),
    }
    session.commit()
    return accounts


@pytest.fixture
def output_dir(request) -> Path:
    """A folder under test-output/ named after the test, for screenshots and files a person may open."""
    path = Path(__file__).parent.parent / "test-output" / re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    path.mkdir(parents=True, exist_ok=True)
    return path
