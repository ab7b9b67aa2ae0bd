"""The provincial centre's console blueprint: the admin's, read-only for the auditor. Every screen module
of the console registers its views on `bp`; `admin.routes` imports them all."""

from flask import Blueprint

from ..access import guard
from ..models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
guard(bp, roles={Role.ADMIN}, readers={Role.AUDITOR})
