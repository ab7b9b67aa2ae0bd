"""Defaults only. Real settings come from `instance/config.py`, then the environment.

Secrets never live here: without a SECRET_KEY anywhere the app writes a random one to the instance
folder on first start (see `review_app.load_config`).
"""

from datetime import timedelta


class Defaults:
    # None means "the SQLite file in the instance folder".
    DATABASE_URL: str | None = None
    SECRET_KEY: str | None = None
    # None means "instance/uploads".
    UPLOAD_DIR: str | None = None
    SMTP_URL: str | None = None
    # Bodies are limited before they are parsed: forms to 1 MB (1,000 multipart parts, 500 KB of text in
    # them); only the routes that take files (hardening.takes_files) accept up to UPLOAD_REQUEST_MAX_BYTES.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_PARTS = 1000
    MAX_FORM_MEMORY_SIZE = 500_000
    UPLOAD_REQUEST_MAX_BYTES = 50 * 1024 * 1024

    SESSION_COOKIE_NAME = "review_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Set to True when served over HTTPS (behind the government gateway, normally).
    SESSION_COOKIE_SECURE = False
    # Behind a reverse proxy: how many proxies to trust for X-Forwarded-For/-Proto/-Host (werkzeug
    # ProxyFix), so that audit addresses, rate limits and https links are right. 0: none (direct).
    PROXY_FIX_HOPS = 0
    PREFERRED_URL_SCHEME = "http"  # "https" for links made outside a request (mails from the CLI)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # Experts write long comments: the CSRF token lives as long as the session, not one hour.
    WTF_CSRF_TIME_LIMIT = None

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    # A background job (an assignment at scale) that has not finished after this long was interrupted.
    JOB_STALE_AFTER = timedelta(hours=1)
    # Who runs background jobs: "thread" (a thread of the web process that queued them) or "worker" (they
    # wait in the jobs table for `flask run-jobs`, a process of its own: for national scale).
    JOB_RUNNER = "thread"

    # Rate-limit counters live in the app's database (services/platform/counters.py), shared by every worker
    # process; "redis://host:6379/0" where Redis runs. "memory://" counts per process (a single one only).
    RATELIMIT_STORAGE_URI = "database://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "5 per minute; 30 per hour"  # per account and address
    LOGIN_RATE_LIMIT_PER_ADDRESS = "100 per minute"  # a whole office may sit behind one address

    # 等保 level-3 identity controls (services/identity.py).
    TOTP_REQUIRED_ROLES: tuple[str, ...] = ("admin", "auditor")  # these roles log in with a second factor
    LOCKOUT_THRESHOLD = 5  # failed logins (password or code) before the account locks; 0: never
    LOCKOUT_MINUTES = 15  # a lock ends by itself after this, or an admin lifts it
    IDLE_TIMEOUT = timedelta(minutes=30)  # a session without requests for this long ends
    ABSOLUTE_SESSION_LIFETIME = timedelta(hours=8)  # and every session ends this long after login
    # Audit retention: None keeps every event; a number of days lets `flask audit-prune` remove older
    # events, never any younger than AUDIT_MIN_RETENTION_DAYS (6 months).
    AUDIT_RETENTION_DAYS: int | None = None
    AUDIT_MIN_RETENTION_DAYS = 183
    # None means "instance/archives": where closing a round writes its archive (归档).
    ARCHIVE_DIR: str | None = None

    # Tests only (tests/test_review_app/test_crash.py): {audit action: seconds} to wait inside the
    # transaction that writes that action, so that the server can be killed in the middle. Never set it.
    CRASH_TEST_PAUSE: dict[str, float] | None = None
    CRASH_TEST_MARKER: str | None = None

    # Settings that only the environment may override, by name.
    ENVIRONMENT_KEYS = ("DATABASE_URL", "SECRET_KEY", "UPLOAD_DIR", "SMTP_URL", "RATELIMIT_STORAGE_URI")
