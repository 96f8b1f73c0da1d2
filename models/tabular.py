"""Reading the spreadsheets clerks receive: .csv (UTF-8, UTF-8 with BOM, or GBK/GB18030) and .xlsx.

Rows come back as dicts keyed by the header's (stripped) Chinese column names, each with its
1-based line number as the clerk sees it in Excel (header = line 1). Cells stay text, except
that Excel date cells become ``datetime.date`` — parsing and validation are the importer's.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from models.errors import ValidationFailed

MAX_BYTES = 200 * 1024 * 1024
#: An .xlsx is a zip: a 1 MB file once inflated to 1.18 GB in memory. What an import may
#: hold once uncompressed, and how many rows and columns it may have (the largest branch
#: holds tens of thousands of members).
MAX_XLSX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 64


@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, dict[str, object]]]
    encoding: str


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ValidationFailed(
                "文件以 UTF-8 标记开头，但内容不是有效的 UTF-8：请重新另存为 UTF-8 CSV",
                "the file starts with a UTF-8 mark but is not valid UTF-8: save it again",
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312: Excel's "CSV" on a Chinese Windows writes these.
        return data.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        raise ValidationFailed(
            "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV，或 .xlsx",
            "unknown text encoding: save as UTF-8 or GBK CSV, or .xlsx",
        ) from None


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: str | Path, *, max_rows: int | None = None) -> Sheet:
    """The file's first sheet; more than ``max_rows`` rows (default ``MAX_ROWS``) are refused."""
    path = Path(path)
    limit = MAX_ROWS if max_rows is None else max_rows
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ValidationFailed(f"文件不存在：{path}", f"file not found: {path}") from None
    if size > MAX_BYTES:
        raise ValidationFailed(f"文件过大（{size} 字节）", f"file too large ({size} bytes)")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path, limit)
    if suffix in (".csv", ".txt"):
        return _read_csv(path.read_bytes(), limit)
    if suffix == ".xls":
        raise ValidationFailed(
            "不支持旧版 .xls 文件：请在 Excel 中另存为 .xlsx 或 CSV",
            "old .xls files are not supported: save as .xlsx or CSV",
        )
    raise ValidationFailed(
        f"不支持的文件类型 {suffix or '（无扩展名）'}：请使用 .csv 或 .xlsx",
        f"unsupported file type {suffix!r}: use .csv or .xlsx",
    )


def _read_csv(data: bytes, limit: int) -> Sheet:
    if b"\x00" in data[:4096]:
        raise ValidationFailed("文件不是文本格式的 CSV（含二进制内容）", "not a text CSV file (binary content)")
    text, encoding = _decode(data)
    try:
        records: list[list[str]] = []
        for record in csv.reader(io.StringIO(text, newline="")):
            if len(records) > limit:
                raise _too_many_rows(limit)
            records.append(record)
    except csv.Error as exc:
        raise ValidationFailed(f"CSV 格式错误：{exc}", f"malformed CSV: {exc}") from None
    return _to_sheet(records, encoding)


def _too_many_rows(limit: int) -> ValidationFailed:
    return ValidationFailed(
        f"文件行数超过 {limit} 行，拒绝导入：请分成几个文件", f"more than {limit} rows: refused; split the file"
    )


def _unreadable_zip(exc: Exception) -> ValidationFailed:
    if isinstance(exc, NotImplementedError):  # zipfile: a newer zip version or a compression it lacks
        return ValidationFailed(
            "无法读取 Excel 文件：使用了本程序不支持的压缩方式或版本，请在 Excel 中另存为 .xlsx 或 CSV 后再导入",
            "cannot read the Excel file: it uses a zip version or compression this program does not support; "
            "save it again as .xlsx or CSV",
        )
    return ValidationFailed(
        f"无法读取 Excel 文件：{type(exc).__name__}", f"cannot read the Excel file: {type(exc).__name__}"
    )


def _check_zip(path: Path) -> None:
    """Refuse an .xlsx whose parts would inflate beyond MAX_XLSX_UNCOMPRESSED, before any is read."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(max(0, info.file_size) for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise _unreadable_zip(exc) from None
    if total > MAX_XLSX_UNCOMPRESSED:
        raise ValidationFailed(
            f"Excel 文件解压后超过 {MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB（{total // (1024 * 1024)} MB），拒绝导入："
            "可能是损坏或恶意构造的文件；请另存为 CSV 或分成几个文件",
            f"the Excel file inflates to {total // (1024 * 1024)} MB, more than {MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB: refused",
        )


def _read_xlsx(path: Path, limit: int) -> Sheet:
    from openpyxl import load_workbook

    _check_zip(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # BadZipFile, zlib.error, XML errors …: a damaged file, whatever the kind
        raise _unreadable_zip(exc) from None
    try:
        ws = wb.worksheets[0]
        records: list[list[object]] = []
        for row in ws.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            if len(records) > limit:
                raise _too_many_rows(limit)
            records.append([_cell(v) for v in row])
    except ValidationFailed:
        raise
    except NotImplementedError as exc:  # read_only opens the sheet's zip entry only here
        raise _unreadable_zip(exc) from None
    except Exception as exc:  # openpyxl raises many kinds on a damaged sheet; all mean the same to a clerk
        raise ValidationFailed(
            f"Excel 文件内容损坏：{type(exc).__name__}", f"damaged Excel file: {type(exc).__name__}"
        ) from None
    finally:
        wb.close()
    return _to_sheet(records, "xlsx")


def _to_sheet(records: list[list], encoding: str) -> Sheet:
    records = [r for r in records]
    while records and not any(str(c).strip() for c in records[0]):
        records.pop(0)
    if not records:
        raise ValidationFailed("文件是空的：没有表头", "the file is empty: no header row")
    headers = [str(h).strip().lstrip("\ufeff") for h in records[0]]
    while headers and not headers[-1]:
        headers.pop()
    rows: list[tuple[int, dict[str, object]]] = []
    for number, record in enumerate(records[1:], start=2):
        cells = [_cell(c) if not isinstance(c, str) else c.strip() for c in record]
        if not any(str(c) for c in cells):
            continue  # blank lines in the middle or at the end are common in hand-edited files
        row = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}
        extra = [c for c in cells[len(headers) :] if str(c)]
        if extra:
            row["__extra__"] = extra
        rows.append((number, row))
    return Sheet(headers, rows, encoding)


# Dates the program can compute with: a term's end plus a year, an observation period, a
# retirement age all stay inside Python's calendar. 9999-12-31 is a typing mistake, and
# 0001-01-01 comes before every rule set; both are refused as unreadable dates.
MIN_YEAR, MAX_YEAR = 1900, 2199


def parse_date(value: object) -> dt.date | None:
    """2026-11-23, 20261123, 2026/11/23, 2026.11.23 or an Excel date cell; None when empty;
    ValueError when bad or outside MIN_YEAR–MAX_YEAR."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        parsed = value
    else:
        text = str(value or "").strip()
        if not text:
            return None
        parsed = _parse_text_date(text)
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(str(value))
    return parsed


@functools.lru_cache(maxsize=4096)  # an import file repeats the same few dates on every row
def _parse_text_date(text: str) -> dt.date:
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if text.endswith(" 00:00:00"):
        return _parse_text_date(text[:-9])
    raise ValueError(text)


def parse_user_date(text: str, today: dt.date) -> dt.date:
    """A date typed by a clerk: 2026-11-23, 20261123, 2026/11/23, 今天 (today), 昨天 (yesterday)."""
    t = (text or "").strip()
    words = {"今天": 0, "今日": 0, "today": 0, "昨天": -1, "昨日": -1, "yesterday": -1, "明天": 1}
    if t.lower() in words:
        return today + dt.timedelta(days=words[t.lower()])
    value = parse_date(t)
    if value is None:
        raise ValueError(t)
    return value
