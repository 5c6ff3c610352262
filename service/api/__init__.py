"""The HTTP API: ``create_app(screener_or_provider, config)`` returns the Flask (WSGI) app."""

from service.api.app import create_app
from service.api.config import ApiConfig
from service.api.provider import ScreenerProvider

__all__ = ["ApiConfig", "ScreenerProvider", "create_app"]
