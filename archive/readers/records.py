"""Record files: JSON, JSONL/NDJSON, CSV and TSV, one article per record.

These are the exports researchers have (scraper dumps, dataset downloads), and they
can be large: JSONL and CSV are streamed line by line with incremental decoding, and a
JSON array record by record (:mod:`archive.readers.json_stream`), so a file of hundreds
of megabytes never sits in memory; any other JSON document is parsed whole, up to
:data:`MAX_RECORDS_BYTES`. A bad record becomes a :class:`Problem` located at its
line (or, in a JSON array, its 1-based position) and the rest of the file still loads.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import BinaryIO

from archive.article import Article, Problem
from archive.encoding import BOMS, decode
from archive.readers.base import (
    MAX_ARTICLE_BYTES,
    MAX_RECORDS_BYTES,
    ReadContext,
    SkipFile,
    make_article,
    read_text,
)
from archive.readers.fields import FIELD_NAMES, map_fields, name_key
from archive.readers.json_stream import stream_json_array

#: How much of a streamed file the encoding is detected from.
HEAD_BYTES = 64 * 1024
#: One line (or one CSV field) longer than this is not part of an article record.
MAX_LINE_BYTES = MAX_ARTICLE_BYTES
#: Keys under which JSON exports put their list of articles, most common first.
LIST_KEYS = (
    "articles",
    "items",
    "data",
    "results",
    "records",
    "entries",
    "posts",
    "stories",
    "news",
    "documents",
    "docs",
    "rows",
    "hits",
    "response",
)
#: Fed to the CSV parser after the last line. If the file ends inside a quoted field,
#: the parser swallows it into that field, which is how an unclosed quote is detected
#: without a second, hand-written parser. Private-use characters: never in real data.
_EOF_SENTINEL = "\ue000archive-end-of-file\ue000"
#: Every field name the defaults know: a header with none of them is not articles.
_KNOWN_NAMES = {name for names in FIELD_NAMES.values() for name in names}


def read_records(ctx: ReadContext) -> Iterator[Article | Problem]:
    """Every article in a JSON, JSONL/NDJSON, CSV or TSV file."""
    suffix = ctx.path.suffix.lower()
    try:
        if suffix == ".json":
            yield from _read_json(ctx)
        elif suffix in {".jsonl", ".ndjson"}:
            yield from _read_jsonl(ctx, _LineSource(ctx))
        else:
            yield from _read_delimited(ctx, "\t" if suffix == ".tsv" else ",")
    except (ValueError, OSError, csv.Error) as exc:
        # DecodeError is a ValueError: an unreadable, empty or binary file.
        yield Problem(ctx.relpath, _one_line(exc))


# --- building one article ---------------------------------------------------------


def _article(ctx: ReadContext, record: object, where: int, unit: str = "line") -> Article | Problem:
    """One record as an Article, or a Problem located at ``where`` (a line, or for a JSON
    array the record's position); its warnings say the same place."""
    location = f"{ctx.relpath}:{where}"
    if not isinstance(record, Mapping):
        return Problem(location, f"a record must be an object, not {type(record).__name__}")
    try:
        fields = map_fields(record, ctx.mapping)
        values = {"title": "", "body": "", **fields.values}
        key = fields.record_id or str(where)
        article = make_article(ctx, **values, record_key=key)  # type: ignore[arg-type]
    except RecursionError:
        return Problem(location, "record nested too deeply to read")
    except Exception as exc:  # noqa: BLE001 - one bad record must not stop the file
        return Problem(location, _one_line(exc))
    article.warnings.extend(fields.warnings)
    article.warnings = [
        w if w.startswith(("line ", "record ")) else f"{unit} {where}: {w}"
        for w in article.warnings
    ]
    return article


def _one_line(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:300]


# --- JSON -------------------------------------------------------------------------


def _read_json(ctx: ReadContext) -> Iterator[Article | Problem]:
    streamed = stream_json_array(ctx, _array_record)
    if streamed is not None:  # a valid array: read record by record, never whole
        yield from streamed
        return
    text = read_text(ctx, limit=MAX_RECORDS_BYTES)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and _starts_with_object_line(text):
            # A .json file that is really JSON Lines: a common mislabelling.
            lines = enumerate(text.split("\n"), start=1)
            yield from _jsonl_records(ctx, lines)
            return
        yield Problem(ctx.relpath, _json_error(exc, text))
        return
    except RecursionError:
        yield Problem(ctx.relpath, "JSON nested too deeply to read")
        return

    records = _records_in(data)
    if records is None or (records and not any(isinstance(r, dict) for r in records)):
        raise SkipFile("JSON holds neither an article nor a list of article objects")
    for position, record in enumerate(records, start=1):
        yield _article(ctx, record, position, "record")


def _array_record(ctx: ReadContext, record: object, position: int) -> Article | Problem:
    return _article(ctx, record, position, "record")


def _json_error(exc: json.JSONDecodeError, text: str) -> str:
    if exc.pos >= len(text.rstrip()):
        return f"truncated JSON: the file ends before the data is complete (line {exc.lineno})"
    return f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"


def _starts_with_object_line(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


def _records_in(data: object, depth: int = 0) -> list[object] | None:
    """The list of article objects in a JSON document: the document itself if it is a
    list, a list under an obvious key (``articles``, ``items``, ``data``...), the only
    list of objects in it, or the document as a single article."""
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        return None
    keys = {name_key(k): k for k in data}
    if depth < 2:
        for name in LIST_KEYS:
            value = data.get(keys.get(name, ""))
            if isinstance(value, list | dict):
                found = _records_in(value, depth + 1)
                if found is not None:
                    return found
        lists = [v for v in data.values() if isinstance(v, list) and v and _objects(v)]
        if len(lists) == 1:
            return lists[0]
    article_names = set(FIELD_NAMES["title"] + FIELD_NAMES["body"])
    if article_names & set(keys):
        return [data]
    return None


def _objects(values: list[object]) -> bool:
    return all(isinstance(v, dict) for v in values)


# --- JSON Lines -------------------------------------------------------------------


def _read_jsonl(ctx: ReadContext, source: _LineSource) -> Iterator[Article | Problem]:
    for item in _jsonl_records(ctx, source.numbered()):
        if isinstance(item, Article):
            source.note_replaced(item, source.number, source.number)
        yield item


def _jsonl_records(
    ctx: ReadContext, lines: Iterable[tuple[int, str]]
) -> Iterator[Article | Problem]:
    for number, line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(f"{ctx.relpath}:{number}", f"not JSON (column {exc.colno}): {exc.msg}")
            continue
        except RecursionError:
            yield Problem(f"{ctx.relpath}:{number}", "JSON nested too deeply to read")
            continue
        yield _article(ctx, record, number)


# --- CSV and TSV ------------------------------------------------------------------


def _read_delimited(ctx: ReadContext, delimiter: str) -> Iterator[Article | Problem]:
    # Article texts are long; the csv module's default limit (128 KiB) is not.
    if csv.field_size_limit() < MAX_LINE_BYTES:
        csv.field_size_limit(MAX_LINE_BYTES)
    source = _LineSource(ctx)
    lines = source.lines(sentinel=_EOF_SENTINEL + "\n")
    first = next(lines, None)
    while first is not None and not first.strip():
        first = next(lines, None)
    if first is None or first.startswith(_EOF_SENTINEL):
        raise ValueError("empty file")
    delimiter = _delimiter(first, delimiter)
    rows = csv.reader(_chain(first, lines), delimiter=delimiter)

    header = [name.strip() for name in next(rows)]
    if not ctx.mapping and not any(name_key(name) in _KNOWN_NAMES for name in header):
        raise SkipFile(f"no header row naming article fields (first row: {header[:6]})")

    while True:
        start = source.number + 1
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            reason = _one_line(exc)
            if "field larger than field limit" in reason:
                reason = f"a field over {MAX_LINE_BYTES:,} characters (an unclosed quote?)"
            yield Problem(f"{ctx.relpath}:{start}", f"{reason}; the rest was not read")
            break
        if not any(field.strip() for field in row):
            continue
        if row == [_EOF_SENTINEL]:
            break
        if _EOF_SENTINEL in row[-1]:
            yield Problem(
                f"{ctx.relpath}:{start}",
                f"unclosed quote: a quoted field opened in the row at line {start} runs to "
                f"the end of the file, swallowing lines {start}-{source.number - 1}",
            )
            break
        article = _article(ctx, dict(zip(header, row, strict=False)), start)
        if isinstance(article, Article):
            if len(row) != len(header):
                article.warnings.append(
                    f"line {start}: {len(row)} fields where the header has {len(header)}"
                )
            source.note_replaced(article, start, source.number)
        yield article


def _delimiter(header: str, expected: str) -> str:
    """The expected delimiter, unless the header plainly uses another (a European
    spreadsheet's ``.csv`` is often ``;``-separated)."""
    if expected in header:
        return expected
    counts = {d: header.count(d) for d in ",;\t|"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else expected


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


# --- streaming decoded lines ------------------------------------------------------


class _LineSource:
    """The lines of a file, decoded incrementally with the encoding detected from its
    first :data:`HEAD_BYTES`, numbered from 1.

    Encodings that keep ``\\n`` a single byte (UTF-8 and the legacy ones) are split on
    bytes and each line decoded on its own, so one line with a stray byte is replaced
    and noted rather than stopping the file. UTF-16/32 (which come with a BOM here) are
    decoded as a stream.
    """

    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        #: Number of the last line handed out.
        self.number = 0
        self.encoding = "utf-8"
        self._replaced: list[int] = []

    def numbered(self) -> Iterator[tuple[int, str]]:
        for line in self.lines():
            yield self.number, line

    def lines(self, sentinel: str | None = None) -> Iterator[str]:
        with self.ctx.path.open("rb") as f:
            head = f.read(HEAD_BYTES)
            if not head.strip() and len(head) < HEAD_BYTES:
                raise ValueError("empty file")
            self.encoding = _sniff_encoding(head, complete=len(head) < HEAD_BYTES)
            f.seek(0)
            if self.encoding.startswith(("utf-16", "utf-32")):
                yield from self._text_lines(f)
            else:
                yield from self._byte_lines(f)
        if sentinel is not None:
            self.number += 1
            yield sentinel

    def _byte_lines(self, f: BinaryIO) -> Iterator[str]:
        encoding = self.encoding
        while raw := f.readline(MAX_LINE_BYTES + 1):
            self.number += 1
            if len(raw) > MAX_LINE_BYTES:
                raise ValueError(f"line {self.number} is longer than {MAX_LINE_BYTES:,} bytes")
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError:
                line = raw.decode(encoding, "replace")
                self._replaced.append(self.number)
            yield line

    def _text_lines(self, f: BinaryIO) -> Iterator[str]:
        # A BOM'd file is trusted to be what it says: a decoding error here is a
        # damaged file and ends the reading with a Problem (raised as ValueError).
        text = io.TextIOWrapper(f, encoding=self.encoding, newline="")
        try:
            while line := text.readline(MAX_LINE_BYTES + 1):
                self.number += 1
                if len(line) > MAX_LINE_BYTES:
                    raise ValueError(
                        f"line {self.number} is longer than {MAX_LINE_BYTES:,} characters"
                    )
                yield line
        finally:
            text.detach()

    def note_replaced(self, article: Article, first: int, last: int) -> None:
        """Warn on an article read from lines ``first``..``last`` if any of them held
        bytes that are not valid in the file's encoding (shown as U+FFFD)."""
        while self._replaced and self._replaced[0] < first:
            self._replaced.pop(0)
        if self._replaced and self._replaced[0] <= last:
            # Said once: this is why the text has lost characters.
            article.warnings = [w for w in article.warnings if "garbled beyond repair" not in w]
            article.warnings.append(
                f"line {self._replaced[0]}: bytes not valid {self.encoding} were replaced"
            )


def _sniff_encoding(head: bytes, complete: bool) -> str:
    """The encoding of a file, judged by its first bytes (BOM, UTF-8, then detection)."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding
    if not complete:
        # Whole lines only, so that a multi-byte character is not cut in two.
        cut = head.rfind(b"\n")
        head = head[: cut + 1] if cut > 0 else head.rstrip(bytes(range(0x80, 0x100)))
    _text, encoding = decode(head)
    return encoding
