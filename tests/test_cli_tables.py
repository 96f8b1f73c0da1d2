"""CLI tables line up in Chinese (issue 15): tabulate measures cells by display width (wcwidth,
via ``tabulate[widechars]``), so a column starts at the same terminal column on every line."""

from __future__ import annotations

from wcwidth import wcswidth, wcwidth

from tui import clikit


def cut(line: str, spans: list[tuple[int, int]]) -> list[str]:
    """The cells of ``line`` at the display columns ``spans`` (start, end), by display width."""
    cells, col, current = [], 0, []
    bounds = iter(spans)
    start, end = next(bounds)
    for ch in line:
        if col >= end:
            cells.append("".join(current))
            current = []
            start, end = next(bounds, (10**9, 10**9))
        if col >= start:
            current.append(ch)
        col += wcwidth(ch)
    cells.append("".join(current))
    return [c.strip() for c in cells]


def test_a_chinese_table_lines_up_by_display_width(capsys):
    rows = [
        ("张三", "朝阳区建外街道工会", "12"),
        ("欧阳娜娜", "U0001", "3"),
        ("Li Lei", "第一小学工会（含退休）", "1024"),
    ]
    clikit.print_table(rows, ["姓名", "单位", "份数"])
    lines = capsys.readouterr().out.splitlines()
    rule = lines[1]
    assert set(rule) <= {"-", " "}
    spans, col = [], 0
    for part in rule.split("  "):
        spans.append((col, col + len(part)))
        col += len(part) + 2
    assert len(spans) == 3
    assert cut(lines[0], spans) == ["姓名", "单位", "份数"]
    for line, row in zip(lines[2:], rows, strict=True):
        assert cut(line, spans) == list(row), line
        assert wcswidth(line.rstrip()) <= len(rule)
    # the widest cell of each column fills it exactly: measured in terminal columns, not characters
    assert spans[1][1] - spans[1][0] == wcswidth("第一小学工会（含退休）")
