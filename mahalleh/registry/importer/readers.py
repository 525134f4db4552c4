"""Reading rows out of an uploaded file, one at a time, whatever Excel or a colleague made of it.

The format is decided by the bytes, not the name: a PDF renamed ``.xlsx`` is refused with one
clear message, a CSV saved as ``.txt`` is read. CSV: UTF-8 with or without BOM, UTF-16 (Excel's
"Unicode text"), or Windows-1256 (Excel's "CSV" on a Persian Windows); comma, semicolon, tab or
Arabic semicolon. XLS, ODS and XLSX through python-calamine, whose rows are handed over one by
one (the sheet itself is held compactly by the Rust reader, not as Python objects) — except an XLSX
whose sheet XML is larger than ``STREAM_ABOVE_BYTES`` (64 MB, 70,000 to half a million rows): calamine
loads a whole sheet, so that one is read by the streaming reader below, with flat memory and about
two thirds of calamine's speed.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: N817

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


def _expected(ch: str) -> bool:
    code = ord(ch)
    return (
        0x20 <= code < 0x7F
        or ch in "\t\r\n"
        or 0xA0 <= code <= 0x24F  # Latin
        or 0x600 <= code <= 0x6FF  # Arabic and Persian
        or 0x2000 <= code <= 0x206F  # punctuation, ZWNJ, bidi marks
        or 0xFB50 <= code <= 0xFEFF  # Arabic presentation forms
    )


def _texty(text: str) -> float:
    """The share of characters a spreadsheet of Persian or Latin text is made of."""
    if not text:
        return 0.0
    return sum(1 for ch in text if _expected(ch)) / len(text)


def _is_utf16(head: bytes) -> str | None:
    """'utf-16' (with a BOM), 'utf-16-le'/'utf-16-be' (without one, judged by the text), or None."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    sample = sample[: len(sample) // 2 * 2]
    best, best_score = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            score = _texty(sample.decode(encoding))
        except UnicodeDecodeError:
            continue
        if score > best_score:
            best, best_score = encoding, score
    return best if best_score > 0.95 else None


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


# --------------------------------------------------------------------------- large XLSX

_NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "strict": "http://purl.oclc.org/ooxml/spreadsheetml/main",
}
_REL_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
# Built-in number formats that show a date (ECMA-376 18.8.30).
_DATE_FORMAT_IDS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47,
                    50, 51, 52, 53, 54, 55, 56, 57, 58}  # fmt: skip
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^]]*\]')

# The fast reader's patterns (StreamingXlsxRows._iter_fast): the root tag, the start of the rows, a
# row's number, what may stand between rows, and one cell in the forms spreadsheet writers use.
_ROOT = re.compile(r"<(\w+:)?worksheet\b[^>]*>")
_SHEET_DATA = re.compile(r"<sheetData\s*(/)?>")
_SST_ROOT = re.compile(r"<(\w+:)?sst\b[^>]*>")
_SST_END = re.compile(r"\s*</sst>\s*")
_ROW_NUMBER = re.compile(r'\br="(\d+)"')
_BETWEEN_ROWS = re.compile(r"(?:\s|<!--.*?-->)*", re.S)
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")?'
    r'(?:/>|>(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
)
_LETTERS = [chr(65 + i) for i in range(26)]
# Column letters (A … XFD, Excel's last) -> index.
_COLUMNS = {
    name: i
    for i, name in enumerate(
        [
            *_LETTERS,
            *(a + b for a in _LETTERS for b in _LETTERS),
            *(a + b + c for a in _LETTERS for b in _LETTERS for c in _LETTERS),
        ]
    )
}

#: Sheets whose XML is larger than this are read by the streaming reader below instead of calamine,
#: which holds the whole sheet in memory (about 2 KB a row of 22 columns).
STREAM_ABOVE_BYTES = 64 * 1024 * 1024

# _SAFE_EXPAT: the uploaded XML is parsed with the standard library. Its expat (2.4.1 and later, bundled
# with Python 3.11) refuses billion-laughs and quadratic entity expansion, and ElementTree never
# fetches external entities or DTDs, so no defusedxml is needed here.


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _local_ns(root_tag: str) -> str:
    """``{namespace}`` of the default namespace a root start tag declares."""
    match = re.search(r'\bxmlns="([^"]*)"', root_tag)
    return f"{{{match.group(1)}}}" if match else ""


def _is_date_format(code: str) -> bool:
    code = _QUOTED.sub("", code).lower()
    return any(ch in code for ch in "ymd") and "general" not in code


class StreamingXlsxRows(RowSource):
    """Rows of the first visible worksheet of an XLSX, parsed as the zip is read (bounded memory).

    Used for sheets above :data:`STREAM_ABOVE_BYTES`. Rows are cut out of the decompressed text and
    their cells read with a regular expression where they have the usual form, with ElementTree
    otherwise (and for a whole sheet whose elements carry a namespace prefix). Shared strings are kept
    as one compact string with offsets; dates are recognised from the cell's number format.
    """

    format = "xlsx"

    def __init__(self, path):
        import array

        try:
            self._zip = zipfile.ZipFile(path)
            self._sheet_name = self._first_sheet()
            self._dates, self._date1904 = self._styles(), self._is_1904()
            self._strings, self._offsets = io.StringIO(), array.array("q", [0])
            self._load_shared_strings()
            self._shared = self._strings.getvalue()
            self._size = max(self._zip.getinfo(self._sheet_name).file_size, 1)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, ET.ParseError):
            raise ImportFileError("unreadable", format="XLSX") from None
        self._read = 0

    # -- the workbook's parts

    def _xml(self, name: str):
        return ET.parse(self._zip.open(name)).getroot()  # noqa: S314 - see _SAFE_EXPAT

    def _first_sheet(self) -> str:
        book = self._xml("xl/workbook.xml")
        rels = {}
        try:
            for rel in self._xml("xl/_rels/workbook.xml.rels"):
                rels[rel.get("Id")] = rel.get("Target", "")
        except KeyError:
            pass
        for sheet in book.iter():
            if _local(sheet.tag) != "sheet" or sheet.get("state") in ("hidden", "veryHidden"):
                continue
            rid = next((sheet.get(f"{{{ns}}}id") for ns in _REL_NS if sheet.get(f"{{{ns}}}id")), None)
            target = rels.get(rid, "")
            if target:
                target = target.lstrip("/")
                return target if target.startswith("xl/") else f"xl/{target}"
        return "xl/worksheets/sheet1.xml"

    def _is_1904(self) -> bool:
        for element in self._xml("xl/workbook.xml").iter():
            if _local(element.tag) == "workbookPr":
                return element.get("date1904") in ("1", "true")
        return False

    def _styles(self) -> set[int]:
        """Indexes of the cell formats that show dates."""
        try:
            root = self._xml("xl/styles.xml")
        except KeyError:
            return set()
        custom = {}
        dates = set()
        for element in root.iter():
            if _local(element.tag) == "numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
        for element in root.iter():
            if _local(element.tag) == "cellXfs":
                for index, xf in enumerate(element):
                    fmt_id = int(xf.get("numFmtId", "0"))
                    if fmt_id in _DATE_FORMAT_IDS or (fmt_id in custom and _is_date_format(custom[fmt_id])):
                        dates.add(index)
        return dates

    def _load_shared_strings(self) -> None:
        try:
            info = self._zip.getinfo("xl/sharedStrings.xml")
        except KeyError:
            return
        with self._zip.open(info) as f:
            head = f.read(4096).decode("utf-8", "replace")
        root = _SST_ROOT.search(head)
        if root is None or root.group(1):  # a prefixed namespace: the general parser
            self._load_shared_strings_etree()
            return
        if root.group(0).endswith("/>"):  # <sst count="0"/>
            return
        write, offsets, length = self._strings.write, self._offsets, 0
        for texts in self._shared_texts(root.group(0)):
            write("".join(texts))
            for text in texts:
                length += len(text)
                offsets.append(length)

    def _shared_texts(self, root: str):
        """Lists of the shared strings, a chunk of the zip at a time: ``<si><t>…</t></si>`` read as
        text, any other ``<si>`` (rich text, phonetic runs, entities) by ElementTree."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        ns = _local_ns(root)
        t_tag = f"{ns}t"
        plain, preserved = "<si><t>", '<si><t xml:space="preserve">'
        with self._zip.open("xl/sharedStrings.xml") as source:
            buffer, started, done = "", False, False
            while not done:
                data = source.read(1 << 20)
                done = not data
                buffer += decoder.decode(data, final=done)
                if not started:
                    match = _SST_ROOT.search(buffer)
                    if match is None:
                        if done:
                            raise ValueError("no <sst> in the shared strings")
                        continue
                    buffer, started = buffer[match.end() :], True
                cut = len(buffer) if done else buffer.rfind("</si>") + 5
                if cut < 5:
                    continue
                chunk, buffer = buffer[:cut], buffer[cut:]
                if "\r" in chunk:  # as an XML parser reads line ends
                    chunk = chunk.replace("\r\n", "\n").replace("\r", "\n")
                pieces = chunk.split("</si>")
                tail = pieces.pop()  # "" but at the end: "</sst>", or anything ElementTree must judge
                texts = []
                for piece in pieces:
                    if piece.startswith(plain):
                        text = piece[len(plain) : -4]
                    elif piece.startswith(preserved):
                        text = piece[len(preserved) : -4]
                    else:
                        text = None
                    if text is not None and piece.endswith("</t>") and "<" not in text and "&" not in text:
                        texts.append(text)
                    else:
                        texts.extend(self._shared_by_etree(f"{root}{piece}</si></sst>", t_tag))
                if tail and not _SST_END.fullmatch(tail):
                    texts.extend(self._shared_by_etree(f"{root}{tail}", t_tag))
                yield texts

    def _shared_by_etree(self, text: str, t_tag: str) -> list[str]:
        element = ET.fromstring(text)  # noqa: S314 - see _SAFE_EXPAT
        return [
            "".join(t.text or "" for t in si.iter(t_tag) if not self._in_phonetic(si, t)) for si in element
        ]

    def _load_shared_strings_etree(self) -> None:
        source = self._zip.open("xl/sharedStrings.xml")
        write, offsets, length = self._strings.write, self._offsets, 0
        for _event, element in ET.iterparse(source, events=("end",)):  # noqa: S314 - see _SAFE_EXPAT
            if _local(element.tag) != "si":
                continue
            text = "".join(
                t.text or ""
                for t in element.iter()
                if _local(t.tag) == "t" and not self._in_phonetic(element, t)
            )
            write(text)
            length += len(text)
            offsets.append(length)
            element.clear()

    @staticmethod
    def _in_phonetic(si, t) -> bool:
        return any(_local(child.tag) == "rPh" and t in child.iter() for child in si)

    def _shared_string(self, index: int) -> str:
        return self._shared[self._offsets[index] : self._offsets[index + 1]]

    # -- the rows

    @staticmethod
    def _column(ref: str) -> int:
        n = 0
        for ch in ref:
            if "A" <= ch <= "Z":
                n = n * 26 + ord(ch) - 64
            else:
                break
        return n - 1

    def _namespace(self) -> str:
        with self._zip.open(self._sheet_name) as f:
            head = f.read(4096).decode("utf-8", "replace")
        match = re.search(r'<(?:\w+:)?worksheet\b[^>]*?\bxmlns(?::\w+)?="([^"]+)"', head)
        return f"{{{match.group(1)}}}" if match else f"{{{_NS['main']}}}"

    def _date(self, number: float):
        base = datetime.datetime(1904, 1, 1) if self._date1904 else datetime.datetime(1899, 12, 30)  # noqa: DTZ001
        moment = base + datetime.timedelta(days=number)
        return moment.date() if moment.time() == datetime.time() else moment

    def _cells(self, element, ns: str) -> list:
        """The values of one ``<row>`` element, at their column's index."""
        v_tag, t_tag = f"{ns}v", f"{ns}t"
        shared, dates, column = self._shared_string, self._dates, self._column
        cells: list = []
        for position, cell in enumerate(element):
            ref = cell.get("r")
            index = column(ref) if ref else position
            if index > len(cells):
                cells.extend([""] * (index - len(cells)))
            kind = cell.get("t")
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in cell.iter(t_tag))
            else:
                v = cell.find(v_tag)
                text = (v.text or "") if v is not None else ""
                if kind == "s":
                    value = shared(int(text)) if text else ""
                elif kind in ("str", "e", "d"):
                    value = text
                elif kind == "b":
                    value = text == "1"
                elif not text:
                    value = ""
                else:
                    value = float(text)
                    style = cell.get("s")
                    if style is not None and int(style) in dates:
                        value = self._date(value)
            if index == len(cells):
                cells.append(value)
            else:
                cells[index] = value
        return cells

    def __iter__(self):
        try:
            head = self._head()
            if head is None:  # a prefixed namespace (x:row …): the general, slower parser
                yield from self._iter_etree()
            else:
                yield from self._iter_fast(head)
        except (ET.ParseError, zipfile.BadZipFile, ValueError, KeyError, IndexError, OSError, OverflowError):
            raise ImportFileError("unreadable", format="XLSX") from None

    def _iter_etree(self):
        ns = self._namespace()
        row_tag = f"{ns}row"
        expected = 1
        counted = _CountingReader(self._zip.open(self._sheet_name), self)
        for _event, element in ET.iterparse(counted, events=("end",)):  # noqa: S314 - see _SAFE_EXPAT
            if element.tag != row_tag:
                continue
            number = int(element.get("r") or expected)
            while expected < number:  # rows Excel left out are empty rows
                yield expected, []
                expected += 1
            cells = self._cells(element, ns)
            element.clear()
            yield number, cells
            expected = number + 1

    # -- the fast path: the sheet's rows cut out of the decompressed text with regular expressions

    def _head(self) -> str | None:
        """The sheet's ``<worksheet …>`` start tag, or None when its elements carry a prefix."""
        with self._zip.open(self._sheet_name) as f:
            text = f.read(65536).decode("utf-8", "replace")
        match = _ROOT.search(text)
        if match is None or match.group(1):
            return None
        return match.group(0)

    def _iter_fast(self, head: str):
        """Rows as the general parser reads them, several times faster: each ``<row>`` is cut out of the
        text and its cells matched by one regular expression for the forms Excel, LibreOffice and the
        usual libraries write (``<c r="B2" s="1" t="s"><v>…</v></c>``, inline strings). A row holding
        anything else (an entity such as ``&amp;``, rich text, formulas, other attributes, CDATA,
        comments, cells out of order) is handed whole to ElementTree."""
        strings, offsets, date = self._shared, self._offsets, self._date
        dates = {str(i) for i in self._dates}
        columns, cells_of = _COLUMNS, _CELL.findall
        expected = 1
        for row_attrs, body in self._row_texts():
            match = _ROW_NUMBER.search(row_attrs)
            number = int(match.group(1)) if match else expected
            while expected < number:  # rows Excel left out are empty rows
                yield expected, []
                expected += 1
            expected = number + 1
            if not body:
                yield number, []
                continue
            found = cells_of(body)
            if len(found) != body.count("<c") or "&" in body:
                yield number, self._row_by_etree(head, row_attrs, body)
                continue
            cells: list = []
            for letters, style, kind, v, text in found:
                index = columns[letters]
                if index != len(cells):
                    if index < len(cells):  # out of order: as the general parser reads it
                        cells = self._row_by_etree(head, row_attrs, body)
                        break
                    cells.extend([""] * (index - len(cells)))
                if kind == "inlineStr":
                    cells.append(text)
                elif kind == "s":
                    if v:
                        k = int(v)
                        cells.append(strings[offsets[k] : offsets[k + 1]])
                    else:
                        cells.append("")
                elif kind == "str" or kind == "e" or kind == "d":
                    cells.append(v)
                elif kind == "b":
                    cells.append(v == "1")
                elif not v:  # a number (no type, "n", or one unknown: as the general parser reads it)
                    cells.append("")
                elif style in dates:
                    cells.append(date(float(v)))
                else:
                    cells.append(float(v))
            yield number, cells

    def _row_texts(self):
        """(attributes, inner text) of each ``<row>`` of the sheet, a chunk of the zip at a time."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        counted = _CountingReader(self._zip.open(self._sheet_name), self)
        buffer, started, done = "", False, False
        while not done:
            data = counted.read(1 << 20)
            done = not data
            buffer += decoder.decode(data, final=done)
            if not started:
                match = _SHEET_DATA.search(buffer)
                if match is None:
                    if done:
                        return
                    continue
                if match.group(1):  # <sheetData/>
                    return
                buffer, started = buffer[match.end() :], True
            cut = buffer.find("</sheetData>")
            if cut >= 0:
                done = True
            elif done:
                raise ValueError("the sheet ends inside its data")
            else:
                cut = buffer.rfind("<row")  # every row before the last start is whole
                if cut <= 0:
                    continue
            chunk, buffer = buffer[:cut], buffer[cut:]
            if "\r" in chunk:  # as an XML parser reads line ends
                chunk = chunk.replace("\r\n", "\n").replace("\r", "\n")
            # Each piece is "<row r="7" …>…" (the text of </row> cut off), after any self-closing empty
            # rows ("<row r="6"/>"); the last piece holds only such rows.
            pieces = chunk.split("</row>")
            last = len(pieces) - 1
            for n, piece in enumerate(pieces):
                at = 0
                while True:
                    start = piece.find("<row", at)
                    if start < 0:
                        if n == last and _BETWEEN_ROWS.fullmatch(piece, at):
                            break
                        raise ValueError("unexpected text between rows")
                    if start != at and not _BETWEEN_ROWS.fullmatch(piece, at, start):
                        raise ValueError("unexpected text between rows")
                    close = piece.find(">", start)
                    if close < 0:
                        raise ValueError("a row is not closed")
                    if piece[close - 1] == "/":
                        yield piece[start + 4 : close - 1], ""
                        at = close + 1
                        continue
                    body = piece[close + 1 :]
                    if n == last or "<row" in body:
                        raise ValueError("a row is not closed")
                    yield piece[start + 4 : close], body
                    break

    def _row_by_etree(self, head: str, row_attrs: str, body: str) -> list:
        ns = self._namespace()
        text = f"{head}<sheetData><row{row_attrs}>{body}</row></sheetData></worksheet>"
        root = ET.fromstring(text)  # noqa: S314 - see _SAFE_EXPAT
        return self._cells(root.find(f"{ns}sheetData/{ns}row"), ns)

    @property
    def fraction(self) -> float:
        return min(self._read / self._size, 1.0)

    def close(self) -> None:
        self._zip.close()


class _CountingReader(io.RawIOBase):
    """A file wrapper that tells the reader how many bytes of the sheet were parsed."""

    def __init__(self, source, owner):
        self._source = source
        self._owner = owner

    def readable(self) -> bool:
        return True

    def read(self, size=-1):
        data = self._source.read(size)
        self._owner._read += len(data)
        return data


def _large_sheet(path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return any(
                i.filename.startswith("xl/worksheets/") and i.file_size > STREAM_ABOVE_BYTES
                for i in z.infolist()
            )
    except (zipfile.BadZipFile, OSError):
        return False


def open_rows(path, fmt: str) -> RowSource:
    if fmt == "csv":
        return CsvRows(path)
    if fmt == "xlsx" and _large_sheet(path):
        return StreamingXlsxRows(path)
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
