"""CSV the console exports (the audit log, the key inventory): text a spreadsheet opens
without running any of it."""

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cells: Iterable[str]) -> list[str]:
    """Each cell a spreadsheet would run as a formula, made plain text by a leading
    apostrophe."""
    return [f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell for cell in cells]


def csv_text(header: Sequence[str], rows: Iterable[Iterable[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(formula_safe(row) for row in rows)
    return out.getvalue()
