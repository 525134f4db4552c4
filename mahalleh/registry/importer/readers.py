"""Reading rows out of an uploaded file, one at a time, whatever Excel or a colleague made of it.

The format is decided by the bytes, not the name: a PDF renamed ``.xlsx`` is refused with one
clear message, a CSV saved as ``.txt`` is read. CSV: UTF-8 with or without BOM, UTF-16 (Excel's
"Unicode text"), or Windows-1256 (Excel's "CSV" on a Persian Windows); comma, semicolon, tab or
Arabic semicolon. XLSX (and XLS/ODS) through python-calamine, whose rows are handed over one by
one (the sheet itself is held compactly by the Rust reader, not as Python objects).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

from mahalleh.registry.importer.messages import ImportFileError

TEXT_EXTENSIONS = {".csv", ".tsv", ".txt"}
SHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".ods"}
EXTENSIONS = TEXT_EXTENSIONS | SHEET_EXTENSIONS
DELIMITERS = (",", ";", "\t", "؛", "|")

csv.field_size_limit(1 << 20)

_SIGNATURES = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"RIFF", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"{\\rtf", "document"),
    (b"\x1f\x8b", "binary"),
    (b"Rar!", "binary"),
    (b"7z\xbc\xaf", "binary"),
)


def _extension(name: str) -> str:
    return Path(name or "").suffix.lower()


def _is_utf16(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 8:
        odd_nuls, even_nuls = sample[1::2].count(0), sample[0::2].count(0)
        if odd_nuls > len(sample) // 4 and even_nuls == 0:
            return "utf-16-le"
        if even_nuls > len(sample) // 4 and odd_nuls == 0:
            return "utf-16-be"
    return None


def sniff(path: str | os.PathLike, name: str) -> str:
    """'csv', 'xlsx', 'xls' or 'ods' for a file, or :class:`ImportFileError` saying why not."""
    ext = _extension(name)
    with open(path, "rb") as f:
        head = f.read(65536)
    if not head.strip(b" \t\r\n\x00" + codecs.BOM_UTF8 + codecs.BOM_UTF16_LE + codecs.BOM_UTF16_BE):
        raise ImportFileError("empty")
    if ext not in EXTENSIONS:
        raise ImportFileError("bad_extension", name=name)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ImportFileError("unreadable", format="XLSX") from None
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsx"
        if "content.xml" in names and "mimetype" in names:
            return "ods"
        raise ImportFileError("not_spreadsheet", name=name, kind="document")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            raise ImportFileError("not_spreadsheet", name=name, kind=kind)
    if _is_utf16(head):
        return "csv"
    if b"\x00" in head:
        raise ImportFileError("not_spreadsheet", name=name, kind="binary")
    return "csv"


# --------------------------------------------------------------------------- CSV


def _text_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    utf16 = _is_utf16(head)
    if utf16:
        return utf16
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        # Excel's plain "CSV" on a Persian Windows is in the ANSI code page.
        return "cp1256"
    return "utf-8"


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


class RowSource:
    """Rows of a file as ``(row number as the user sees it, cells)``; ``fraction`` is how far it got."""

    format = ""

    def __iter__(self) -> Iterator[tuple[int, list]]:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def fraction(self) -> float:  # pragma: no cover - interface
        return 0.0

    def close(self) -> None:
        pass


class CsvRows(RowSource):
    format = "csv"

    def __init__(self, path):
        self._raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._size = max(os.fstat(self._raw.fileno()).st_size, 1)
        head = self._raw.read(65536)
        self._raw.seek(0)
        self.encoding = _text_encoding(head)
        self._text = io.TextIOWrapper(self._raw, encoding=self.encoding, errors="strict", newline="")
        try:
            first = self._text.readline()
        except UnicodeDecodeError:
            raise ImportFileError("encoding") from None
        self._skip_first = False
        stripped = first.strip().lstrip("\ufeff")
        if stripped.lower().startswith("sep=") and len(stripped) == 5:
            # Excel's hint line: "sep=;"
            self.delimiter = stripped[4]
            self._skip_first = True
        else:
            self.delimiter = _delimiter(first)
        self._text.seek(0)

    def __iter__(self):
        reader = csv.reader(self._text, delimiter=self.delimiter)
        number = 0
        try:
            for cells in reader:
                number += 1
                if number == 1 and self._skip_first:
                    continue
                yield number, cells
        except UnicodeDecodeError:
            raise ImportFileError("encoding") from None
        except csv.Error:
            raise ImportFileError("unreadable", format="CSV") from None

    @property
    def fraction(self) -> float:
        try:
            return min(self._raw.tell() / self._size, 1.0)
        except (OSError, ValueError):
            return 0.0

    def close(self) -> None:
        self._text.close()


# --------------------------------------------------------------------------- XLSX


class SheetRows(RowSource):
    def __init__(self, path, fmt: str):
        from python_calamine import CalamineWorkbook

        self.format = fmt
        label = fmt.upper()
        try:
            self._book = CalamineWorkbook.from_path(str(path))
            sheets = [
                i
                for i, meta in enumerate(self._book.sheets_metadata)
                if str(meta.typ).endswith("WorkSheet") and str(meta.visible).endswith(".Visible")
            ]
            self._sheet = self._book.get_sheet_by_index(sheets[0] if sheets else 0)
        except BaseException as exc:  # calamine raises its own errors and, on some files, a Rust panic
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise ImportFileError("unreadable", format=label) from None
        self._total = max(self._sheet.total_height + 1, 1)
        self._done = 0

    def __iter__(self):
        if self._sheet.start is None:  # an empty sheet (calamine would panic on iter_rows)
            return
        try:
            for index, cells in enumerate(self._sheet.iter_rows()):
                self._done = index
                yield index + 1, cells
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | ImportFileError):
                raise
            raise ImportFileError("unreadable", format=self.format.upper()) from None

    @property
    def fraction(self) -> float:
        return min(self._done / self._total, 1.0)

    def close(self) -> None:
        try:
            self._book.close()
        except Exception:  # noqa: S110 - already closed
            pass


def open_rows(path, fmt: str) -> RowSource:
    if fmt == "csv":
        return CsvRows(path)
    return SheetRows(path, fmt)


def cell_text(value) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
