"""Writing the Whoosh index: incremental by content hash, or a complete rebuild and swap.

What changed is decided by :mod:`indexer.sync` (shared with the Typesense backend);
this module supplies the Whoosh side: the manifest read from the index's ``manifest``
column, a writer that adds, replaces and deletes documents, and the commit.

``rebuild=True`` writes a new generation beside the live one and switches the pointer
atomically once it is committed (see :mod:`indexer.whoosh.layout`).

A run that adds many articles writes them in parallel: this process reads the files
and decides what changed, and worker processes (one per core) each analyse their share
and write it as new segments, one each time their posting pool is full (flush by RAM:
no run spilled to disk, no merge); the commit adds those segments to the index in one
TOC. Scores are unchanged (each segment keeps exact field lengths; nothing is merged),
only the order of tied hits follows the new document numbers.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import pickle
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby, islice
from operator import itemgetter
from pathlib import Path
from typing import IO

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.reading import SegmentReader
from whoosh.writing import PostingPool, SegmentWriter

from archive import Article
from indexer.analysis import DirectPositions
from indexer.clusters import Stories, reassign
from indexer.documents import to_article
from indexer.errors import IndexOutdated
from indexer.sync import Feed, IndexReport, Manifest, Plan, Progress
from indexer.whoosh import segment_facets
from indexer.whoosh.layout import Layout, Pointer
from indexer.whoosh.pool import CompactPool, TermPostings, add_term_postings
from indexer.whoosh.schema import (
    ARTICLE_TEXT_FIELDS,
    SCHEMA_VERSION,
    build_schema,
    cluster_posting,
    parse_manifest,
    parse_story,
    to_document,
)
from indexer.whoosh.spelling import article_words, spelling_words, write_words
from indexer.whoosh.storage import create_mapped_index, open_mapped_index

#: Memory Whoosh's writer may use for its posting pool before it spills to disk (the
#: in-process writer: small runs, and every run on a one-core machine).
WRITER_LIMIT_MB = 256
#: Memory each worker process of a large run gives its posting pool: when the pool holds
#: this much, the worker writes it out as a finished segment and starts the next one
#: (flush by RAM, as Lucene does), so nothing spills to disk and nothing is merged.
WORKER_LIMIT_MB = 256
#: Articles handed to a worker at a time; a run that adds fewer is written in-process.
CHUNK_ARTICLES = 200
#: At most this many worker processes (one per usable core below that).
MAX_WORKERS = 4
#: A word's postings are zlib-compressed when it has at least this many in a segment;
#: shorter lists gain nothing from it (a one-posting block even grows).
COMPRESS_POSTINGS = 16
#: Postings per marshal call when the posting pool spills a run to disk.
RUN_CHUNK = 4096

__all__ = ["run_plan"]


class _SegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter, with three costs of writing a large segment cut:

    - Writing the postings asks for the document's field length once per *posting*
      (for the term's min/max length statistics), and each ask decodes one byte
      through three layers of column readers (a quarter of the flush: see
      ``python -m bench.index_cost`` and bench/RESULTS.md). The same
      answers come from one list per field (:class:`_FieldLengths`).
    - The posting pool spills sorted runs to disk once it holds ``limitmb``, one
      ``marshal`` call per posting each way; :class:`_PostingPool` spills in chunks.
    - Every block of postings was zlib-compressed, even the one-posting blocks of rare
      words, where compression costs most of the block's time and saves nothing;
      :func:`_add_postings_by_term` compresses the blocks of common words only.
    """

    def __init__(self, ix, *args, **kwargs):
        super().__init__(ix, *args, **kwargs)
        limitmb = kwargs.get("limitmb", 128)
        self.pool = _PostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = _FieldLengths(pdr) if pdr else None
        postings = self.pool.iter_postings()
        if type(self.fieldwriter) is whoosh3.W3FieldWriter:
            _add_postings_by_term(self.fieldwriter, self.schema, lengths, postings)
        else:
            self.fieldwriter.add_postings(self.schema, lengths, postings)
        self.fieldwriter.close()
        if pdr:
            pdr.close()


def _add_postings_by_term(fieldwriter, schema, lengths, postings) -> None:
    """``FieldWriter.add_postings`` for Whoosh 3 segments, a term at a time.

    Whoosh's loop makes a checked method call per posting; this fills each block of a
    term's posting list in one step (:func:`indexer.whoosh.pool.add_term_postings`, the
    workers' writer too; tests/test_writer_postings.py compares every term's postings
    and statistics with Whoosh's own writer). ``postings`` are sorted
    ``(field, term bytes, docnum, weight, value)``; docnum -1 marks spelling words,
    which Whoosh 3 no longer stores.
    """
    add_term_postings(fieldwriter, schema, lengths, _by_term(postings), COMPRESS_POSTINGS)


def _by_term(postings) -> Iterator[TermPostings]:
    """Sorted posting tuples grouped as ``(field, term, ids, weights, values)``."""
    for (fieldname, btext), group in groupby(postings, key=_FIELD_AND_TERM):
        rows = [row for row in group if row[2] != -1]
        if rows:
            yield (
                fieldname,
                btext,
                [row[2] for row in rows],
                [row[3] for row in rows],
                [row[4] for row in rows],
            )


_FIELD_AND_TERM = itemgetter(0, 1)


class _PostingPool(PostingPool):
    """Whoosh's external sort of postings, reading and writing its runs in chunks of
    :data:`RUN_CHUNK` postings (one ``marshal`` call each) instead of one by one. The
    sort order, the run files' lifetime and the merge are Whoosh's.

    Runs use marshal's current format rather than Whoosh's version 2: it writes each
    field name once per chunk, so runs take 8.8 KB per article instead of 12.3 (the
    same CPU time). Runs are temporary disk space in the index folder: at 1M articles,
    gigabytes."""

    def _write_run(self, f, items):
        items = iter(items)
        while chunk := list(islice(items, RUN_CHUNK)):
            marshal.dump(chunk, f)
        f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = marshal.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


class _FlushingSegmentWriter(_SegmentWriter):
    """A segment writer whose pool never spills and packs postings in arrays
    (:class:`indexer.whoosh.pool.CompactPool`): its owner writes the segment when the
    pool is full (see :func:`_write_segments`)."""

    def __init__(self, ix, *args, **kwargs):
        super().__init__(ix, *args, **kwargs)
        # Not a PostingPool: only add_postings() (from add_document below), add() (a
        # segment's clusters), full, terms() and cleanup() are asked of it.
        self.pool = CompactPool(kwargs.get("limitmb", 128))  # type: ignore[assignment]
        unsupported = [
            name for name, field in self.schema.items() if field.vector or field.separate_spelling()
        ]
        if unsupported:
            raise ValueError(f"fields with vectors or spelling postings: {unsupported}")
        #: The words (as found, unfolded) of the article text fields
        #: (:data:`ARTICLE_TEXT_FIELDS`) added since :meth:`take_words`.
        self.words: set[str] = set()

    def take_words(self) -> set[str]:
        """The raw words of the documents added since the last call."""
        words, self.words = self.words, set()
        return words

    def add_document(self, **fields) -> None:
        """Whoosh's ``add_document``, handing each field's postings to the pool in one
        call (:meth:`CompactPool.add_postings`) instead of one call per posting; a
        text field analysed by :class:`DirectPositions` also skips the generators of
        ``field.index``, and its words go to :attr:`words` on the way.

        What Whoosh's method also does and this schema never asks for is left out:
        vectors and spelling postings (refused when the writer is made), boosts and
        custom stored values (``_``-prefixed keys, refused here). The postings are
        Whoosh's own (tests/test_writer_postings.py)."""
        if any(name.startswith("_") for name in fields):
            raise ValueError(f"boosts and custom stored values are not written: {sorted(fields)}")
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        fieldnames = sorted(fields)
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = self._index_field(fieldname, field, value, docnum) if field.indexed else 0
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
                if field.column_type:
                    perdocwriter.add_column_value(
                        fieldname, field.column_type, field.to_column_value(value)
                    )
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _index_field(self, fieldname: str, field, value, docnum: int) -> int:
        """Pool one field's postings of document ``docnum``; its length (the sum of
        its terms' frequencies) if the field is scorable, else 0."""
        fmt = field.format
        direct = (
            fmt.term_postings(
                value, field.analyzer, self.words if fieldname in ARTICLE_TEXT_FIELDS else None
            )
            if isinstance(fmt, DirectPositions)
            else None
        )
        if direct is not None:
            terms, frequencies, values = direct
            boost = fmt.field_boost
            weights = [float(frequency) * boost for frequency in frequencies]
            self.pool.add_postings(fieldname, docnum, terms, weights, values)
        else:
            items = list(field.index(value))
            frequencies = [frequency for _term, frequency, _weight, _value in items]
            self.pool.add_postings(
                fieldname,
                docnum,
                [term for term, _frequency, _weight, _value in items],
                [weight for _term, _frequency, weight, _value in items],
                [value or b"" for _term, _frequency, _weight, value in items],
            )
        return sum(frequencies) if field.scorable else 0

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = _FieldLengths(pdr) if pdr else None
        terms = self.pool.terms()
        if type(self.fieldwriter) is whoosh3.W3FieldWriter:
            add_term_postings(self.fieldwriter, self.schema, lengths, terms, COMPRESS_POSTINGS)
        else:
            postings = (
                (field, btext, docnum, weight, value or None)
                for field, btext, ids, weights, values in terms
                for docnum, weight, value in zip(ids, weights, values, strict=True)
            )
            self.fieldwriter.add_postings(self.schema, lengths, postings)
        self.fieldwriter.close()
        if pdr:
            pdr.close()


class _FieldLengths:
    """``doc_field_length`` of a per-document reader, answered from one list per field
    (the same values, including its ``None`` for a zero length byte)."""

    def __init__(self, perdoc):
        self.perdoc = perdoc
        self.lengths: dict[str, list | None] = {}

    def of(self, fieldname: str) -> list | None:
        """Every document's length in ``fieldname`` (None where it is zero), or None
        for a field that keeps no lengths."""
        if fieldname not in self.lengths:
            reader = self.perdoc._cached_reader(f"_{fieldname}_len", whoosh3.LENGTHS_COLUMN)
            if reader is None:
                self.lengths[fieldname] = None
            else:
                to_length = whoosh3.byte_to_length
                codes = (reader[n] for n in range(self.perdoc.doc_count_all()))
                self.lengths[fieldname] = [to_length(code) if code else None for code in codes]
        return self.lengths[fieldname]

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        lengths = self.of(fieldname)
        return default if lengths is None else lengths[docnum]


class _WhooshSink:
    """A Whoosh writer behind :class:`indexer.sync.Sink`; also collects the words of
    what it writes, for spelling suggestions.

    Additions are buffered in chunks. Once a full chunk is ready the chunks go to
    :class:`_SegmentWorkers` (one new segment per worker process, written in parallel);
    a run that adds less than a chunk writes here, in-process, so a few files never pay
    for starting processes. Deletions always go through this process's writer: they touch
    existing segments only, which the workers never see.
    """

    def __init__(self, writer, generation_dir: Path):
        self.writer = writer
        self.generation_dir = generation_dir
        self.words: Counter = Counter()
        self.chunk: list[tuple[Article, str]] = []
        self.workers: _SegmentWorkers | None = None
        #: Articles written in this process: ``(docnum, id, signature)``.
        self.stories: list[tuple[int, str, bytes]] = []
        #: Existing articles deleted or replaced by this run.
        self.gone: set[str] = set()

    def add(self, article: Article, file: str) -> None:
        self.chunk.append((article, file))
        if len(self.chunk) >= CHUNK_ARTICLES:
            if self.workers is None and _worker_count() > 1:
                self.workers = _SegmentWorkers(self.generation_dir, _worker_count())
            if self.workers is not None:
                self.workers.put(self.chunk)
            else:
                self._write_here(self.chunk)
            self.chunk = []

    def replace(self, article: Article, file: str) -> None:
        # The old copy lives in an existing segment: delete it there, add the new one
        # like any other (update_document is exactly delete-then-add in Whoosh).
        self.writer.delete_by_term("id", article.id)
        self.gone.add(article.id)
        self.add(article, file)

    def delete(self, article_id: str) -> None:
        self.writer.delete_by_term("id", article_id)
        self.gone.add(article_id)

    def _write_here(self, chunk: list[tuple[Article, str]]) -> None:
        for article, file in chunk:
            document = to_document(article, file)
            self.stories.append((self.writer.docnum, article.id, parse_story(document["story"])))
            self.writer.add_document(**document)
            self.words.update(article_words(article.title, article.subtitle, article.body))

    def commit(self) -> None:
        """Commit everything: the workers' segments join the index in the same TOC."""
        writer = self.writer
        if self.workers is None:
            self._write_here(self.chunk)
            self.chunk = []
            self._add_clusters([])
            writer.commit()
            return
        if self.chunk:
            self.workers.put(self.chunk)
            self.chunk = []
        written = self.workers.finish()
        clusters = self._add_clusters(written)
        segments = []
        for part in written:
            _save_learnt_clusters(self.generation_dir, part, clusters)
            self.words.update(part.words)
            segments.extend(part.segments)
        # What SegmentWriter.commit does, plus the workers' segments (as Whoosh's own
        # MpWriter does with multisegment=True): no merge of the new postings.
        final = writer._merge_segments(None, None, None)
        final.extend(segments)
        if writer._added:
            final.append(writer._finalize_segment())
        else:
            writer._close_segment()
        writer._commit_toc(final)
        writer._finish()

    def _add_clusters(self, written: list[_Written]) -> dict[str, str]:
        """Recluster the archive as it will be after this run and give every new
        article its cluster: a posting in this writer's segment for those written here;
        returned, :func:`reassign`'s answer, which names the cluster of every article
        the workers wrote (``written``: their signatures are read from their segments).

        Only existing articles whose cluster changed are written again (deleted and
        added from their stored form; Whoosh cannot change a field in place), so a
        rebuild deletes nothing and an incremental run rewrites just those.
        """
        existing = [row for row in _story_rows(self.generation_dir) if row[0] not in self.gone]
        stories = Stories()
        for article_id, sig, cluster, _file in existing:
            stories.add(article_id, sig, cluster)
        for _docnum, article_id, sig in self.stories:
            stories.add(article_id, sig)
        for part in written:
            _read_signatures(self.writer, part, stories)
        changes = reassign(stories)
        del stories
        for docnum, article_id, _sig in self.stories:
            self.writer.pool.add(cluster_posting(changes[article_id], docnum))
        _rewrite(self.writer, self.generation_dir, existing, changes)
        return changes

    def cancel(self) -> None:
        try:
            if self.workers is not None:
                self.workers.stop()
        finally:
            if not self.writer.is_closed:
                self.writer.cancel()


def _worker_count() -> int:
    """Worker processes for a large run: one per core this process may use."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return min(cores, MAX_WORKERS)


class _SegmentWorkers:
    """Processes that each turn chunks of Articles into one new Whoosh segment.

    Analysis, posting sorting and segment writing (most of the indexing time) happen in
    the workers; this process reads files and decides what changed. A worker is a fresh
    interpreter (``python -c``, not ``multiprocessing``: nothing of the caller's
    ``__main__`` is re-run, no file descriptor such as the index lock is inherited) fed
    pickled chunks on its stdin by a thread of this process (pickling and pipe writes
    overlap with reading). Chunks go round-robin, so the same input gives the same
    segments, hence the same document order, on every run. Workers ask the kernel to
    kill them when this process dies, so a killed indexer leaves no process behind;
    their unfinished segment files are deleted by the next commit.
    """

    def __init__(self, generation_dir: Path, count: int):
        self.queues: list[queue.Queue] = [queue.Queue(maxsize=2) for _ in range(count)]
        self.next = 0
        self.failures: list[str] = []
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _WORKER_MAIN,
                    str(_PROJECT_ROOT),
                    str(os.getpid()),
                    str(generation_dir),
                    str(WORKER_LIMIT_MB),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            for _ in range(count)
        ]
        self.feeders = [
            threading.Thread(target=self._feed, args=(process, chunks), daemon=True)
            for process, chunks in zip(self.processes, self.queues, strict=True)
        ]
        for feeder in self.feeders:
            feeder.start()

    def _feed(self, process: subprocess.Popen, chunks: queue.Queue) -> None:
        """Hand chunks to one worker until the end marker (None), then close its stdin."""
        try:
            pipe = _pipe(process.stdin)
            while True:
                chunk = chunks.get()
                pickle.dump(chunk, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                if chunk is None:
                    pipe.close()
                    return
        except (OSError, ValueError) as exc:  # the worker died: reported by _check
            self.failures.append(f"{type(exc).__name__}: {exc}")

    def put(self, chunk: list[tuple[Article, str]]) -> None:
        """Queue a chunk for the next worker in turn (waits while that one is busy)."""
        self._put(self.queues[self.next], chunk)
        self.next = (self.next + 1) % len(self.queues)

    def _put(self, chunks: queue.Queue, chunk: list[tuple[Article, str]] | None) -> None:
        while True:
            try:
                chunks.put(chunk, timeout=1.0)
                return
            except queue.Full:
                self._check()

    def finish(self) -> list[_Written]:
        """Tell the workers the articles are all sent; what each one wrote, once it has
        exited."""
        for chunks in self.queues:
            self._put(chunks, None)
        for feeder in self.feeders:
            feeder.join()
        if self.failures:
            raise RuntimeError(f"an indexing worker failed: {self.failures[0]}")
        written = []
        for process in self.processes:
            (part,) = _read_result(process, "ok")
            written.append(part)
            _pipe(process.stdout).close()
            if process.wait() != 0:
                raise RuntimeError(f"an indexing worker failed (exit code {process.returncode})")
        return written

    def _check(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                try:  # it has exited: whatever it wrote is there to read, no waiting
                    _tag, *result = pickle.load(_pipe(process.stdout))
                except (EOFError, pickle.UnpicklingError, ValueError):
                    result = None
                raise _worker_failed(process, result)
        if self.failures:
            raise RuntimeError(f"an indexing worker failed: {self.failures[0]}")

    def stop(self) -> None:
        """Kill the workers now (the run failed or was interrupted)."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
        for process in self.processes:
            process.wait()
            _pipe(process.stdout).close()


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    """A worker's stdin or stdout, which are always pipes (``Popen`` types them optional)."""
    assert stream is not None, "indexing workers are started with stdin and stdout pipes"
    return stream


def _read_result(process: subprocess.Popen, tag: str) -> list:
    """The worker's next record, which must be ``(tag, *values)``: its values. Anything
    else (an error record, or nothing because it died) is raised as its failure."""
    try:
        found, *values = pickle.load(_pipe(process.stdout))
    except (EOFError, pickle.UnpicklingError):
        process.wait()
        raise _worker_failed(process, None) from None
    if found != tag:
        process.wait()
        raise _worker_failed(process, values)
    return values


def _worker_failed(process: subprocess.Popen, record: list | None) -> Exception:
    """The error a failed worker reported (an OSError keeps its errno and reason), else
    one naming its exit code."""
    if record and len(record) == 2 and isinstance(record[0], int | None):
        return OSError(record[0], record[1])
    return RuntimeError(f"an indexing worker failed (exit code {process.returncode})")


#: Where this ``indexer`` package is imported from, first on the workers' path (before
#: the current directory ``-c`` puts there), so they run the same code as the parent.
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The worker's command. The parent-death signal (Linux ``prctl(PR_SET_PDEATHSIG,
#: SIGKILL)``) is set before anything slow such as imports, and a parent already gone
#: is noticed, so a worker cannot outlive a parent killed while it starts.
_WORKER_MAIN = """
import os, sys
try:
    import ctypes
    ctypes.CDLL(None).prctl(1, 9)
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[2]):
    os._exit(1)
sys.path.insert(0, sys.argv[1])
from indexer.whoosh.writer import _segment_worker
_segment_worker(sys.argv[3], float(sys.argv[4]))
"""


def _segment_worker(generation_dir: str, limitmb: float) -> None:
    """A worker process: add every chunk read from stdin to new segments of the index
    (:func:`_write_segments`), then write what it wrote (:class:`_Written`) to stdout
    and exit."""
    # The result goes to the real stdout; anything a library prints goes to stderr.
    source, sink = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        ix = open_mapped_index(generation_dir, writable=True)
        written = _write_segments(ix, iter(lambda: pickle.load(source), None), limitmb)
    except OSError as exc:
        # A full disk or a file-size limit: tell the parent why, in one record, so the
        # admin reads "No space left on device" instead of a worker's traceback.
        pickle.dump(("error", exc.errno, exc.strerror or str(exc)), sink)
        sink.flush()
        os._exit(3)
    pickle.dump(("ok", written), sink, protocol=pickle.HIGHEST_PROTOCOL)
    sink.flush()


@dataclass
class _Written:
    """What one indexing worker wrote: its finished segments, in order, the articles
    of each (a span of ``ids``), and their words.

    The segments name each article's own id as its cluster: the run's clusters depend
    on every article, so the parent learns them once every worker has sent this, and
    keeps those of the articles that have versions beside the segments
    (:func:`_save_learnt_clusters`). A worker exits once it has sent it, so it holds
    no memory while the parent clusters the run (at 1M, two waiting workers held
    ~450 MiB each beside the parent's 1.5 GiB peak: bench/RESULTS.md). Nor does it
    keep the signatures it wrote (128 MiB each at 1M, held until the end of the run):
    the parent reads them back from the segments' ``story`` column
    (:func:`_read_signatures`).
    """

    segments: list
    spans: list[tuple[int, int]]
    ids: list[str]
    words: Counter


def _write_segments(ix, chunks: Iterable[list[tuple[Article, str]]], limitmb: float) -> _Written:
    """Write the chunks' articles as segments of at most ``limitmb`` of postings each
    (flush by RAM).

    Why not one segment per worker: once Whoosh's posting pool is full it spills sorted
    runs to disk and merges them all at the end. At 1M articles that merge was 45% of
    a worker's time, and the runs took 10 GB of disk beside a 4.8 GB index (bench/
    RESULTS.md, issue 15). A full pool written as a segment costs the sort it needs
    anyway and no disk beyond the segment itself; the price is more segments to
    search, measured in the same section.

    Every segment names each article's own id as its cluster (see :class:`_Written`):
    no article is written twice.

    No lock: the parent holds the index's lock for the whole run. A segment's documents
    only become visible when the parent commits a TOC naming it; the files of segments
    never committed are deleted by the next commit.
    """
    written = _Written(segments=[], spans=[], ids=[], words=Counter())
    ids = written.ids

    def finish(writer: _FlushingSegmentWriter) -> None:
        start = written.spans[-1][1] if written.spans else 0
        for docnum, article_id in enumerate(ids[start:]):
            writer.pool.add(cluster_posting(article_id, docnum))
        written.segments.append(writer._finalize_segment())
        written.spans.append((start, len(ids)))

    writer = None
    for chunk in chunks:
        for article, file in chunk:
            if writer is None:
                writer = _FlushingSegmentWriter(ix, _lk=False, limitmb=limitmb)
            document = to_document(article, file)
            writer.add_document(**document)
            ids.append(article.id)
            written.words.update(spelling_words(writer.take_words()))
            if writer.pool.full:
                finish(writer)
                writer = None
    if writer is not None:
        finish(writer)
    return written


def _save_learnt_clusters(
    generation_dir: Path, written: _Written, clusters: dict[str, str]
) -> None:
    """Keep beside each of a worker's segments the clusters of its articles that have
    versions (``clusters``: the run's :func:`reassign`, which names every new article;
    the others are their own story, as the segment says)."""
    ids = written.ids
    for segment, (start, end) in zip(written.segments, written.spans, strict=True):
        learnt = [
            docnum
            for docnum, article_id in enumerate(ids[start:end])
            if clusters[article_id] != article_id
        ]
        if learnt:
            segment_facets.save_clusters(
                generation_dir,
                segment.segment_id(),
                np.array(learnt, dtype=np.int32),
                [clusters[ids[start + docnum]] for docnum in learnt],
            )


def _read_signatures(writer, written: _Written, stories: Stories) -> None:
    """Add the articles a worker wrote to ``stories``, with the signatures its segments
    (not yet committed) hold in their ``story`` column."""
    for segment, (start, end) in zip(written.segments, written.spans, strict=True):
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            column = reader.column_reader("story")
            for article_id, value in zip(written.ids[start:end], column, strict=True):
                stories.add(article_id, parse_story(value))
        finally:
            reader.close()


def run_plan(
    index_dir: str | os.PathLike,
    plan: Plan,
    *,
    rebuild: bool,
    progress: Callable[[Progress], None] | None,
) -> IndexReport:
    started = time.monotonic()
    layout = Layout(index_dir)
    report = IndexReport(rebuilt=rebuild, warnings=list(plan.warnings))
    with layout.writer_lock():
        pointer = layout.read_pointer()
        if pointer is not None:
            # With the lock held, any generation but the live one and the one before it
            # is what a killed or failed rebuild left behind: free its space now.
            layout.remove_stale_generations(
                {g for g in (pointer.generation, pointer.previous) if g is not None}
            )
            if not rebuild and pointer.schema != SCHEMA_VERSION:
                # Adding to it would mix two analyses in one index.
                raise IndexOutdated(layout.root, pointer.schema, SCHEMA_VERSION)
        fresh = rebuild or pointer is None
        if fresh:
            generation = layout.new_generation()
            ix = create_mapped_index(layout.generation_dir(generation), build_schema())
            existing: Manifest = {}
        else:
            assert pointer is not None  # not fresh
            generation = pointer.generation
            ix = open_mapped_index(layout.generation_dir(generation), writable=True)
            existing = _manifest(ix)
        report.generation = generation
        try:
            sink = _WhooshSink(
                _SegmentWriter(ix, limitmb=WRITER_LIMIT_MB), layout.generation_dir(generation)
            )
            try:
                feed = Feed(sink, existing, report, progress, plan.files_total, started)
                changed = feed.run(plan.sources, plan.removal_roots)
                if changed or fresh:
                    sink.commit()
                else:
                    sink.cancel()
            except BaseException:
                # Cancelling on a full disk can fail again; the first error is the news.
                with contextlib.suppress(Exception):
                    sink.cancel()
                raise
            report.articles = _live_articles(ix)
        except BaseException:
            if fresh:
                # A rebuild that failed is never pointed to: give its space back.
                ix.close()
                shutil.rmtree(layout.generation_dir(generation), ignore_errors=True)
            raise
        finally:
            ix.close()
        if changed or fresh:
            write_words(layout.generation_dir(generation), sink.words, merge=not fresh)
            try:
                _save_segment_facets(layout.generation_dir(generation))
            except OSError as exc:
                # Only a speed-up, and the index is already committed: searchers read
                # the facets from the terms, and the next run writes what is missing.
                report.warnings.append(
                    f"{layout.generation_dir(generation)}: could not keep the facet files "
                    f"({exc.strerror or exc}); searchers open the index more slowly"
                )
        if fresh:
            previous = pointer.generation if pointer else None
            layout.write_pointer(Pointer(generation, previous, 0, SCHEMA_VERSION))
            layout.remove_stale_generations({generation} | ({previous} if previous else set()))
        elif changed:
            assert pointer is not None  # not fresh
            layout.write_pointer(
                Pointer(generation, pointer.previous, pointer.commit + 1, pointer.schema)
            )
    report.seconds = time.monotonic() - started
    return report


def _save_segment_facets(generation_dir: Path) -> None:
    """Keep the facet postings of each new segment in a file beside it, before the
    pointer moves: every searcher that opens the index then loads them instead of
    reading them from the terms (see indexer.whoosh.segment_facets)."""
    ix = open_mapped_index(generation_dir)
    try:
        segment_facets.save_missing(ix, generation_dir)
    finally:
        ix.close()


def _live_articles(ix) -> int:
    """The live documents, counted from the TOC's segments. ``ix.doc_count()`` opens a
    reader, and Whoosh's reader copies each compound segment's postings file into
    memory (``BufferFile`` over ``BytesIO``): gigabytes at 1M articles, just to count
    (bench/RESULTS.md, the 1M section)."""
    return sum(segment.doc_count() for segment in ix._segments())


def _manifest(ix) -> Manifest:
    """``{article id: (content hash, file)}`` for every live article, from the column.

    Read segment by segment through per-document readers only: a full reader would
    first copy every postings file into memory (see :func:`_live_articles`)."""
    out: Manifest = {}
    column_type = ix.schema["manifest"].column_type
    for segment in ix._segments():
        compound = segment.is_compound()
        storage = segment.open_compound_file(ix.storage) if compound else ix.storage
        perdoc = segment.codec().per_document_reader(storage, segment)
        try:
            if not perdoc.has_column("manifest"):
                continue
            column = perdoc.column_reader("manifest", column_type)
            for docnum in range(perdoc.doc_count_all()):
                if segment.is_deleted(docnum):
                    continue
                article_id, content_hash, file = parse_manifest(column[docnum])
                out[article_id] = (content_hash, file)
        finally:
            perdoc.close()
            if compound:
                storage.close()
    return out


def _rewrite(writer, generation_dir: Path, existing: list, changes: dict[str, str]) -> None:
    """Delete and add again, with their new cluster, the existing articles whose
    cluster changed (from their stored form, with their stored signature)."""
    moved = [row for row in existing if row[0] in changes]
    if not moved:
        return
    reading = open_mapped_index(generation_dir)
    try:
        with reading.searcher() as searcher:
            stored = {
                article_id: searcher.stored_fields(searcher.document_number(id=article_id))["doc"]
                for article_id, _sig, _cluster, _file in moved
            }
    finally:
        reading.close()
    for article_id, sig, _cluster, file in sorted(moved):
        writer.delete_by_term("id", article_id)
        document = to_document(
            to_article(stored[article_id]), file, cluster=changes[article_id], signature=sig
        )
        writer.add_document(**document)


def _story_rows(generation_dir: Path) -> list[tuple[str, bytes, str, str]]:
    """``(id, signature, cluster, file)`` of every live article committed in the
    generation (none in a new one): ids and files from the ``manifest`` column,
    signatures from the ``story`` column, clusters from the ``cluster`` postings."""
    if not whoosh_index.exists_in(generation_dir):
        return []
    ix = open_mapped_index(generation_dir)
    try:
        with ix.reader() as reader:
            if reader.doc_count() == 0:
                return []
            manifest = reader.column_reader("manifest")
            story = reader.column_reader("story")
            # From the segments' facet files (or their terms, read in one pass): a
            # lookup and a postings read per cluster, nearly one per article, took a
            # minute at 100k articles.
            postings = segment_facets.read_postings(reader, generation_dir)["cluster"]
            clusters: dict[int, str] = {}
            for i, term in enumerate(postings.terms.tolist()):
                cluster = term.decode("utf-8")
                for docnum in postings.docs[postings.offsets[i] : postings.offsets[i + 1]].tolist():
                    clusters[docnum] = cluster
            rows = []
            for docnum in reader.all_doc_ids():
                article_id, _hash, file = parse_manifest(manifest[docnum])
                sig = parse_story(story[docnum])
                rows.append((article_id, sig, clusters.get(docnum, ""), file))
            return rows
    finally:
        ix.close()
