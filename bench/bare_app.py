"""The baseline for launch time: a bare Textual app showing a DataTable, nothing else imported.

``bench_tui.py`` starts it in the same tmux pane size as huzhu and waits for ``READY`` to be
painted, so the ratio of the two launch times is what huzhu adds to Textual itself."""

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("编号", "名称", "状态")
        for i in range(20):
            table.add_row(str(i), f"READY 行 {i}", "正常")


if __name__ == "__main__":
    Bare().run()
