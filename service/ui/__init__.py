"""The analyst's web UI: server-rendered pages over the same Screener, under the same API keys.

``register(app)`` adds the ``/ui/`` blueprint to the app that ``service.api.app.create_app``
builds: the only place anything imports this room (so the UI can use the API's helpers without
an import circle). Pages: screen, entity, text, lists, batch, and the review inbox (alerts,
``inbox.py``); login turns an API key into a session cookie, and every POST form carries a CSRF token.
"""

from service.ui import inbox  # noqa: F401 - adds the review inbox's pages to the blueprint
from service.ui.views import register

__all__ = ["register"]
