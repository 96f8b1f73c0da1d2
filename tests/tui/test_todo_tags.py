"""#14: the 待办 list's status tags are whole, line up, and never run into their item's text (the
4-character tags 催办事处 and 待办事处 filled the 8-cell tag column: 待办事处2026年度送温暖)."""

from __future__ import annotations

from rich.cells import cell_len
from tui_testkit import TODAY

from models.dashboard import Dashboard, TodoItem
from tui.screens.dashboard import sections


def _item(kind: str, status: str, title: str) -> TodoItem:
    return TodoItem(kind, status, title, "说明", on=TODAY)


def test_every_tag_is_whole_and_its_text_starts_in_one_column():
    titles = {}
    projects = []
    for status in ("overdue", "due", "overdue_office", "due_office"):
        title = f"2026年度送温暖{status}"
        projects.append(_item("project", status, title))
        titles[title] = status
    board = Dashboard(
        today=TODAY,
        claims=[_item("claim", "overdue", "报案A"), _item("claim", "returned", "报案B")],
        disbursements=[_item("disbursement", "approved", "慰问C")],
        projects=projects,
    )
    tags = {"overdue": "已超期", "due": "须办理", "overdue_office": "催办事处", "due_office": "待办事处"}
    lines = [text for _, section_lines, _ in sections(board) for text, _ in section_lines]
    starts = set()
    for text in lines:
        title = next(t for t in [*titles, "报案A", "报案B", "慰问C"] if text.endswith(t))
        head = text[: -len(title)]
        assert head.endswith(" "), text  # at least one space between the tag and its text
        starts.add(cell_len(head))
        if title in titles:
            assert head.strip() == tags[titles[title]], text  # whole, not cut to 催办事…
    assert len(starts) == 1, lines
