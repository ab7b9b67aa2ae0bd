# Local settings for one installation. Copy to instance/config.py and edit.
# Environment variables of the same name override what is set here.

# PostgreSQL instead of the embedded SQLite file:
# DATABASE_URL = "postgresql://review:password@127.0.0.1:5432/review"

# Behind HTTPS, send the session cookie over HTTPS only:
# SESSION_COOKIE_SECURE = True

# With several app processes, share the login rate limiter's counters:
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"

# Send mail (activation links, reminders) instead of keeping it in the outbox:
# SMTP_URL = "smtp://user:password@mail.example.gov.cn:587"

# Where uploaded PDFs are kept (default: instance/uploads):
# UPLOAD_DIR = "/srv/review/uploads"

# Run assignment jobs in a process of their own (`flask --app review_app run-jobs`) instead of a thread
# of the web worker that queued them:
# JOB_RUNNER = "worker"

# Several app servers (hosts) on one database: a folder they all mount, for uploads, archives and keys
# (see the README's deployment section):
# SHARED_DIR = "/srv/review/shared"
