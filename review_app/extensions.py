"""Flask extensions, created once and bound to each app in `create_app` (the Flask tutorial way)."""

from functools import cache

import flask_babel
from babel import support
from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from jinja2 import pass_context
from markupsafe import Markup
from wtforms.i18n import messages_path

from .services.platform import counters  # noqa: F401  (registers the database:// rate-limit storage)

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """The language the user chose in this session, else the browser's preference, else zh_CN."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


babel = Babel()


def request_translations():
    """The translations `flask_babel.get_translations()` gives, found once per request and locale.

    A page calls gettext a hundred times; Flask-Babel finds the translations anew on every call (its
    request context three times, the locale's name), some 15 µs each. Kept beside Flask-Babel's own
    per-request values and keyed by its locale and domain objects, so that `force_locale` and a
    language switch are followed as before.
    """
    context = g.get("_flask_babel") if g else None
    locale = getattr(context, "babel_locale", None)
    domain = getattr(context, "babel_domain", None)
    if locale is None or domain is None:
        return flask_babel.get_translations()
    found = getattr(context, "review_translations", None)
    if found is None or found[0] is not locale or found[1] is not domain:
        found = (locale, domain, flask_babel.get_translations())
        context.review_translations = found
    return found[2]


# The page's translations, found once per rendering (a context processor) for the hundred texts of a page;
# macros imported without the page's context find them through `request_translations`.
PAGE_TRANSLATIONS = "_page_translations"


@pass_context
def _template_gettext(context, string: str, **variables):
    """`_()` and `gettext()` in templates: Jinja's newstyle gettext (jinja2.ext._make_new_gettext), which
    formats every text with its variables, minus the formatting of a text without a "%" (the same text)."""
    text = (context.get(PAGE_TRANSLATIONS) or request_translations()).ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if "%" in text else text


def install_template_gettext(app: Flask) -> None:
    """Templates translate through `request_translations` (what Flask-Babel installs, minus the lookups)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["gettext"] = _template_gettext
    app.context_processor(lambda: {PAGE_TRANSLATIONS: request_translations()})


@cache
def _wtforms_catalog(locale: str) -> support.Translations:
    """WTForms' own messages ("Not a valid integer value.") in this locale, read from disk once per process."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class WTFormsTranslations:
    """What Flask-WTF translates WTForms' messages with, in the request's language.

    Flask-WTF (flask_wtf/i18n.py) reads and parses WTForms' catalogue anew in every request that builds a
    form, unless the request already holds `wtforms_translations`: this object, which finds the catalogue
    once per process and locale. It resolves the locale at each call, so `force_locale` is followed."""

    def ugettext(self, string: str) -> str:
        return _wtforms_catalog(str(get_locale())).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalog(str(get_locale())).ungettext(singular, plural, n)


WTFORMS_TRANSLATIONS = WTFormsTranslations()


def install_form_translations(app: Flask) -> None:
    """Every request offers Flask-WTF the per-process WTForms catalogue (see `WTFormsTranslations`)."""

    @app.before_request
    def _offer_wtforms_translations():
        request.wtforms_translations = WTFORMS_TRANSLATIONS
