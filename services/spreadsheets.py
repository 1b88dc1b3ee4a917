"""Excel workbooks for exports: one sheet, Chinese headers in a frozen first row, and text that stays text.

Every export builds its sheet here, so formula injection is handled once: a text cell whose
content starts like a formula (= + - @, tab, carriage return) gets a leading apostrophe
and is stored as a string, never as a formula.
"""
import io
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MAX_COLUMN_WIDTH = 60


@dataclass(frozen=True)
class Column:
    """One column: its header, and how its values are shown (`number_format`, e.g. "0.00")."""

    header: str
    number_format: str | None = None


TIME_FORMAT = "yyyy-mm-dd hh:mm"


def safe_text(value: str) -> str:
    """Text as a cell keeps it: characters XML cannot hold removed, a formula-like start defused."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(TIME_FORMAT)
    text = str(value)
    # A Chinese character takes about two columns of width.
    return sum(2 if ord(character) > 0x2E7F else 1 for character in text)


def workbook(title: str, columns: list[Column], rows) -> bytes:
    """An .xlsx file of one sheet: `columns` headed in row 1 (frozen), then `rows` (sequences of values).

    Strings pass through `safe_text`; numbers and datetimes (naive, local wall time) are stored as such.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = safe_text(title)[:31]
    sheet.append([column.header for column in columns])
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    widths = [_display_width(column.header) for column in columns]
    for row in rows:
        values = [safe_text(value) if isinstance(value, str) else value for value in row]
        sheet.append(values)
        for index, (column, value, cell) in enumerate(zip(columns, values, sheet[sheet.max_row], strict=True)):
            if isinstance(value, datetime):
                cell.number_format = TIME_FORMAT
            elif column.number_format is not None:
                cell.number_format = column.number_format
            widths[index] = max(widths[index], _display_width(value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_COLUMN_WIDTH)
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
