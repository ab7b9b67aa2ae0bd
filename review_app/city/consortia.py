"""The city's consortia in the registry: its own list and each one's page with its history, read-only.
Another city's consortium is a 404 (ids reveal nothing). Registered on the city blueprint."""

from flask import render_template, request
from flask_login import current_user

from ..access import require_owner
from ..db import get_session
from ..services.registry import consortia as registry
from ..services.registry import year_on_year
from ..web import page_number
from .routes import bp


@bp.route("/consortia")
def consortia():
    session = get_session()
    filters = registry.ListFilters.from_query(request.args)
    page = registry.listing(session, city_id=current_user.city_id, filters=filters, number=page_number())
    used_fields, years = registry.choices(session, city_id=current_user.city_id)
    return render_template("city/consortia.html", page=page, filters=filters, fields=used_fields, years=years)


@bp.route("/consortia/<int:consortium_id>")
def consortium(consortium_id: int):
    session = get_session()
    found = registry.of_city(session, consortium_id=consortium_id, city_id=current_user.city_id)
    require_owner(found is not None)
    return render_template("city/consortium.html", page=registry.page(session, found),
                           **year_on_year.page_parts(session, found))

