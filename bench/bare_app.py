"""The baseline for launch time: a bare Textual app showing a DataTable, nothing else imported.

``bench_tui.py`` starts it in the same tmux pane size as huzhu and waits for ``READY`` to be
painted, so the ratio of the two launch times is what huzhu adds to Textual itself. Its input
field echoes what is typed (``ECHO:…``): the baseline for search as you type, the round trip
of a key through tmux, Textual and a repaint with no work in between."""

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, Input, Static


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(id="q")
        yield Static("ECHO:", id="echo")
        yield DataTable()
        yield Footer()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#echo", Static).update(f"ECHO:{event.value}")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("编号", "名称", "状态")
        for i in range(20):
            table.add_row(str(i), f"READY 行 {i}", "正常")
        self.query_one(Input).focus()


if __name__ == "__main__":
    Bare().run()
