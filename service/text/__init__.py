"""Free-text screening: listed names found in an article or a payment message, with offsets."""

from service.text.screen_text import Mention, screen_text

__all__ = ["Mention", "screen_text"]
