"""Every use of Textual's private API by the tests, in one place (Textual 8.x).

Textual offers no public way to read what a test needs here; when an upgrade renames one of
these, this module is the only one to change. Tests must not reach into ``app._…`` or
``screen._…`` of Textual's objects elsewhere (tests/tui/test_textual_private.py checks)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import RenderableType
from rich.segment import Segment
from textual.app import App


def notification_messages(app: App) -> list[str]:
    """The messages of the toasts the app is showing now.

    Why private: ``App.notify`` posts a toast, but nothing public lists the ones on show;
    ``App._notifications`` is the live collection (expired toasts drop out of it)."""
    return [n.message for n in app._notifications]


def screen_render(app: App) -> RenderableType:
    """The whole terminal as the app would paint it now, dialogs over the screens beneath.

    Why private: the public ``export_screenshot`` gives SVG only; reading the screen as plain
    text (what a passer-by could read) needs the compositor's full update and the background
    screens a modal is drawn over."""
    return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)


def screen_strips(app: App) -> Iterable[Iterable[Segment]]:
    """The current screen's lines as rich segments (text with its colours), top to bottom.

    Why private: the colours of each glyph as drawn are only in the compositor's strips; the
    invisible-glyph check (foreground equal to background) reads them."""
    return app.screen._compositor.render_strips()
