"""Keys that arrive in one burst are applied in the order they were typed (issue 14 item 5).

A text field (Textual's ``Input``) inserts a typed character as soon as the key reaches it, but
Textual runs a non-priority binding (Backspace, Ctrl+U, Enter, Esc, ↓ …) only once the key has
bubbled back up to the app through every parent's message queue. Keys that arrive together (a
paste of keystrokes, a password manager, a laggy SSH link, a fast typist on a loaded machine)
were therefore applied out of order: ``x`` Ctrl+U ``y`` left an empty field, ``a b`` Backspace
``c`` gave ``ab``, and a name typed right after Ctrl+U was wiped by it. Upstream: Textual issue
#6605 (open; pull request #6631 proposes the same idea for the field's own bindings).

``install`` makes a field run the bindings of a key it does not take itself right where the key
reaches it, in its own queue's order: the same chain Textual walks afterwards (the field, its
parents, the screen, the app, keymap applied; priority bindings have already been tried by the
app before the key was handed to the field), only earlier. A key no binding takes goes on as
before."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

_INSTALLED = "_huzhu_keys_in_order"


def install() -> None:
    """Patch ``Input._on_key`` once per process (every field, the command palette's included)."""
    if getattr(Input, _INSTALLED, False):
        return
    typed = Input._on_key

    async def _on_key(self: Input, event: events.Key) -> None:
        if (
            not event.is_printable
            and not self.check_consume_key(event.key, event.character)
            and self.has_focus  # the chain walked is the focused widget's on the active screen
            and self.screen is self.app.screen
        ):
            if await self.app._check_bindings(event.key):
                event.stop()
                event.prevent_default()
                return
        await typed(self, event)

    Input._on_key = _on_key  # type: ignore[method-assign]
    setattr(Input, _INSTALLED, True)
