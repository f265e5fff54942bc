"""A ``.json`` file whose document is one array of records, read as a stream.

Why: ``json.loads`` holds the file's bytes, its text and every record at once: a valid
200 MB array took about 650 MB to read (bench/RESULTS.md, the 1M section). Here the
array is read twice with ``ijson`` (a C parser over the file, constant memory): once to
check the whole document, then record by record. Checking first keeps today's
all-or-nothing answer for a broken file (a truncated array gives one Problem and no
articles, never the first half of the file indexed).

Only plain, valid UTF-8 arrays stream. Anything else (another top-level shape, another
encoding, invalid or deeply nested JSON) returns ``None`` and is read whole as before,
so its articles and its error messages are exactly those of
:func:`archive.readers.records.read_records`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import ijson

from archive.article import Article, Problem
from archive.readers.base import ReadContext, SkipFile

#: How much of the file is looked at to decide whether it can stream.
HEAD_BYTES = 64 * 1024
#: Documents nested deeper than this are left to the whole-document reader, whose
#: recursion limits give the established messages ("nested too deeply to read").
MAX_DEPTH = 64
#: Bytes per read from the file.
CHUNK_BYTES = 256 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
_OPEN = {"start_map", "start_array"}
_CLOSE = {"end_map", "end_array"}

RecordReader = Callable[[ReadContext, object, int], Article | Problem]


def stream_json_array(
    ctx: ReadContext, read_record: RecordReader
) -> Iterator[Article | Problem] | None:
    """The file's records as Articles or Problems (``read_record(ctx, record, position)``
    makes each, positions from 1), or None when the file must be read whole."""
    with ctx.path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    start = len(_UTF8_BOM) if head.startswith(_UTF8_BOM) else 0
    if not head[start:].lstrip(_WHITESPACE).startswith(b"["):
        return None
    if b"\x00" in head:  # UTF-16/32 or binary: the whole-document reader says which
        return None
    has_object = _check(ctx, start)
    if has_object is None:
        return None
    return _records(ctx, start, has_object, read_record)


def _check(ctx: ReadContext, start: int) -> bool | None:
    """Parse the whole document once: None if it is not a valid, shallow array of
    UTF-8 JSON, else whether any of its items is an object."""
    depth = 0
    has_object = False
    try:
        with ctx.path.open("rb") as f:
            f.seek(start)
            for event, _value in ijson.basic_parse(f, buf_size=CHUNK_BYTES):
                if event in _OPEN:
                    if depth == 1 and event == "start_map":
                        has_object = True
                    depth += 1
                    if depth > MAX_DEPTH:
                        return None
                elif event in _CLOSE:
                    depth -= 1
    except (ijson.JSONError, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    return has_object


def _records(
    ctx: ReadContext, start: int, has_object: bool, read_record: RecordReader
) -> Iterator[Article | Problem]:
    with ctx.path.open("rb") as f:
        f.seek(start)
        # Numbers come as int or Decimal (ijson's use_float overflows on integers past
        # 64 bits); Decimals become the floats json.loads would have made.
        items = ijson.items(f, "item", buf_size=CHUNK_BYTES)
        position = 0
        try:
            for position, record in enumerate(items, start=1):
                if not has_object:
                    raise SkipFile("JSON holds neither an article nor a list of article objects")
                yield read_record(ctx, _floats(record), position)
        except ijson.JSONError as exc:
            # Only if the file changed since it was checked.
            yield Problem(ctx.relpath, f"invalid JSON after record {position}: {exc}")


def _floats(value: object) -> object:
    """``value`` with every Decimal replaced by the float ``json.loads`` would give."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floats(item) for item in value]
    return value
