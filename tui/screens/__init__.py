"""The TUI's screens: unlock, home, lock, and the menu's screens (``menu.MENU``)."""
