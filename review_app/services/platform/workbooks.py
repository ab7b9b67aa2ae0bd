"""Uploaded Excel workbooks are zip archives: look inside before openpyxl unpacks them.

A "zip bomb" is a small file that unpacks to gigabytes. Python's zipfile never inflates a member past the
size its header declares, so summing the declared sizes bounds what opening the workbook can cost.
"""

import io
import zipfile

from flask_babel import gettext as _

MAX_UNPACKED_BYTES = 16 * 1024 * 1024  # 10,000 experts unpack to 6.3 MB and parse in 1.7 s: a few seconds at most
MAX_MEMBERS = 2000


def xlsx_problem(data: bytes, max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> str | None:
    """Why `data` must not be opened as a workbook, or None when it may be (a larger `max_unpacked_bytes`
    for the imports that read in openpyxl's read-only mode, row by row)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return _("the file cannot be read as an Excel workbook (.xlsx)")
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > max_unpacked_bytes:
        return _(
            "the workbook would unpack to more than %(mb)d MB; it is refused (it may be a zip bomb)",
            mb=max_unpacked_bytes // (1024 * 1024),
        )
    return None
