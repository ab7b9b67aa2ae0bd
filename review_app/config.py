"""Defaults only. Real settings come from `instance/config.py`, then the environment.

Secrets never live here: without a SECRET_KEY anywhere the app writes a random one to the instance
folder on first start (see `review_app.load_config`).
"""

from datetime import timedelta


class Defaults:
    # None means "the SQLite file in the instance folder".
    DATABASE_URL: str | None = None
    SECRET_KEY: str | None = None
    # Several app servers (each with its own instance folder) on one database: a folder every one of them
    # reads and writes (NFS or the like). None means the instance folder. It holds what must be the same for
    # all: uploads and archives (unless UPLOAD_DIR and ARCHIVE_DIR say otherwise), the archive signing key,
    # and the generated secret key when no SECRET_KEY is set.
    SHARED_DIR: str | None = None
    # None means "SHARED_DIR/uploads" (normally instance/uploads).
    UPLOAD_DIR: str | None = None
    SMTP_URL: str | None = None
    # Bodies are limited before they are parsed: forms to 1 MB (1,000 multipart parts, 500 KB of text in
    # them); only the routes that take files (hardening.takes_files) accept up to UPLOAD_REQUEST_MAX_BYTES.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_PARTS = 1000
    MAX_FORM_MEMORY_SIZE = 500_000
    UPLOAD_REQUEST_MAX_BYTES = 50 * 1024 * 1024
    # The application import (申请 and 成员单位 sheets): rows per sheet, and how large a workbook may unpack
    # (a zip bomb check; 100,000 member rows unpack to about 30 MB). Read in openpyxl's read-only mode.
    IMPORT_MAX_ROWS = 100_000
    IMPORT_MAX_UNPACKED_MB = 128
    # The most applications a city may recommend in one round (the round's city quota is set up to this).
    MAX_CITY_QUOTA = 2000

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
    # None means "SHARED_DIR/archives" (normally instance/archives): where closing a round writes its archive (归档).
    ARCHIVE_DIR: str | None = None

    # Tests only (tests/test_review_app/test_crash.py): {audit action: seconds} to wait inside the
    # transaction that writes that action, so that the server can be killed in the middle. Never set it.
    CRASH_TEST_PAUSE: dict[str, float] | None = None
    CRASH_TEST_MARKER: str | None = None

    # Notifications (services/platform/notify.py, channels.py). SMS go to an HTTP gateway: a POST of JSON
    # {"to": mobile, "text": SMS_TEMPLATE filled with {subject}, {body}, {name}}; None: no SMS.
    SMS_GATEWAY_URL: str | None = None
    SMS_GATEWAY_TOKEN: str | None = None  # sent as "Authorization: Bearer …" when set
    SMS_TEMPLATE = "【江苏省创新联合体评审】{subject}：{body}"
    NOTIFY_DEDUP_MINUTES = 60  # the same message to the same recipient within this is not sent again
    # How often the due reminders (scoring deadline in 3 days and 1 day, objections near their handling
    # deadline) are looked for by the web process and the `flask run-jobs` worker; 0: only by cron running
    # `flask notify due`.
    NOTIFY_DUE_MINUTES = 15

    # 公示 and objections (services/decision). Periods count working days: Monday to Friday, without the
    # public holidays, plus the official make-up working days (调休), both lists of ISO dates.
    PUBLICITY_WORKING_DAYS = 5  # the default period of the public notice
    PUBLICITY_MIN_WORKING_DAYS = 5
    OBJECTION_WORKING_DAYS = 10  # an objection's default handling deadline after it is received
    OBJECTION_ALERT_WORKING_DAYS = 2  # the centre is told when an open objection's deadline is this near
    PUBLICITY_CONTACT = "江苏省新质生产力促进中心评审管理部，电话 025-83350000，电子邮箱 review@jspc.example.cn"
    # The State Council General Office's arrangement of the 2026 public holidays (国务院办公厅关于2026年部分节假日
    # 安排的通知, 4 November 2025): the days off, and the make-up working days on a weekend. Add the next year's
    # when it is out.
    PUBLIC_HOLIDAYS: tuple[str, ...] = (
        "2026-01-01", "2026-01-02", "2026-01-03",  # 元旦
        *(f"2026-02-{d}" for d in range(15, 24)),  # 春节 (15–23 February)
        "2026-04-04", "2026-04-05", "2026-04-06",  # 清明节
        "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",  # 劳动节
        "2026-06-19", "2026-06-20", "2026-06-21",  # 端午节
        "2026-09-25", "2026-09-26", "2026-09-27",  # 中秋节
        *(f"2026-10-0{d}" for d in range(1, 8)),  # 国庆节
    )
    MAKEUP_WORKDAYS: tuple[str, ...] = ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
                                        "2026-10-10")

    # Settings that only the environment may override, by name.
    ENVIRONMENT_KEYS = ("DATABASE_URL", "SECRET_KEY", "SHARED_DIR", "UPLOAD_DIR", "ARCHIVE_DIR", "SMTP_URL",
                        "RATELIMIT_STORAGE_URI", "SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN", "JOB_RUNNER")
