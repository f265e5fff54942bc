"""The ``archive`` command: a thin layer over the indexer's library API.

Each command parses its options into the same objects the web app builds
(:class:`indexer.api.SearchQuery`), calls the library, and renders the result. Nothing
is computed here that the API does not also give to the web app, so
``--format json`` is exactly ``/api/search``.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click

from archive.article import iso8601
from archive.places import place_filter
from indexer.api import (
    CSV_COLUMNS,
    EXCEL_BOM,
    INTERVALS,
    MAX_TOP_WORDS,
    SORTS,
    TREND_CSV_COLUMNS,
    VERSIONS,
    Filters,
    SearchQuery,
    SearchResult,
    Sort,
    TopWordsResult,
    TrendQuery,
    TrendResult,
    Versions,
    trend_csv_rows,
)
from indexer.backends import Engine, Searcher, engine_from_env, index_paths
from indexer.errors import ArchiveError
from indexer.location import ENV_VAR, resolve_index_dir
from indexer.params import BY_NAME, ParamError, parse_day

#: ``--format`` values that write citations (archive.citation).
CITATION_FORMATS = ("ris", "bibtex", "csljson")

index_dir_option = click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Index folder. Default: ${ENV_VAR}, else ~/.local/share/newsarchive/index.",
)


def _rule(name: str, *, end: bool = False):
    """A click callback that applies the search parameter ``name``'s rule
    (:mod:`indexer.params`, shared with the web): a value it refuses is a usage error,
    exit 2, with the web's message."""

    def check(ctx: click.Context, param: click.Parameter, value):
        rule = BY_NAME[name]
        try:
            if isinstance(value, tuple):
                return tuple(rule.check(v) for v in value)
            if value is None:
                return None
            checked = rule.check(value)
            return parse_day(checked, name, end=end) if rule.kind == "day" else checked
        except ParamError as exc:
            raise click.BadParameter(str(exc)) from None

    return check


def filter_options(command: Callable) -> Callable:
    """The filters every search-like command takes (search, trends, top-words), checked
    by the same rules as the web's parameters (:mod:`indexer.params`)."""
    options = [
        click.option(
            "--tag",
            "tags",
            multiple=True,
            callback=_rule("tag"),
            help="Only articles with this tag (repeat for OR).",
        ),
        click.option(
            "--place",
            "places",
            multiple=True,
            callback=_rule("place"),
            help="Only articles about this place: a path (Vietnam/Da Nang) or a name (Đà Nẵng, "
            "TP.HCM); a former province (Vietnam/Binh Duong) or the province it joined in 2025.",
        ),
        click.option(
            "--site",
            "sites",
            multiple=True,
            callback=_rule("site"),
            help="Only articles from this site.",
        ),
        click.option(
            "--language",
            "languages",
            multiple=True,
            callback=_rule("language"),
            help="Only articles in this language.",
        ),
        click.option(
            "--date",
            "dates",
            multiple=True,
            metavar="YYYY[-MM]",
            callback=_rule("date"),
            help="Only this year or month.",
        ),
        click.option(
            "--from",
            "date_from",
            metavar="DATE",
            callback=_rule("from"),
            help="Published on or after (YYYY-MM-DD; YYYY or YYYY-MM: the first day).",
        ),
        click.option(
            "--to",
            "date_to",
            metavar="DATE",
            callback=_rule("to", end=True),
            help="Published on or before (YYYY-MM-DD; YYYY or YYYY-MM: the last day).",
        ),
    ]

    @functools.wraps(command)
    def with_filters(
        *args: Any,
        tags: tuple[str, ...],
        places: tuple[str, ...],
        sites: tuple[str, ...],
        languages: tuple[str, ...],
        dates: tuple[str, ...],
        date_from: date | None,
        date_to: date | None,
        **kwargs: Any,
    ) -> Any:
        if date_from and date_to and date_from > date_to:
            raise click.BadParameter("the --from date is after the --to date", param_hint="--from")
        filters = Filters(
            tags=list(tags),
            # Any name of a place, or a former province's own path, means its facet path.
            places=list(dict.fromkeys(place_filter(p) for p in places)),
            sites=list(sites),
            languages=list(languages),
            dates=list(dates),
            date_from=date_from,
            date_to=date_to,
        )
        return command(*args, filters=filters, **kwargs)

    for option in reversed(options):
        with_filters = option(with_filters)
    return with_filters


def format_option(*choices: str, help: str | None = None) -> Callable:
    """Every command's ``--format`` (the value lands in ``output``), text by default."""
    return click.option(
        "--format",
        "output",
        type=click.Choice(list(choices)),
        default="text",
        show_default=True,
        help=help,
    )


def _engine(index_dir: Path | None) -> Engine:
    """The configured engine (``ARCHIVE_BACKEND``, see :mod:`indexer.backends`)."""
    return engine_from_env(resolve_index_dir(index_dir))


def _open(index_dir: Path | None) -> Searcher:
    return _engine(index_dir).open()


class ArchiveGroup(click.Group):
    """The command group, with the one place where a failure becomes a message.

    Every failure a user can meet is an :class:`~indexer.errors.ArchiveError` that
    knows its exit status; it is printed as one ``Error:`` line on stderr, never as a
    traceback (the web app's error handler does the same with HTTP statuses)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ArchiveError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def main() -> None:
    """A searchable archive of news articles.

    \b
    Build an index from article files, then search it here or on the web:
      archive index data/demo
      archive search "Da Nang" --place Vietnam
      archive serve

    The index folder is --index-dir, else $ARCHIVE_INDEX_DIR, else
    ~/.local/share/newsarchive/index, for every command.
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_dir_option
@click.option(
    "--rebuild",
    is_flag=True,
    help="Build a complete new index beside the live one and switch to it atomically.",
)
@click.option("--strict", is_flag=True, help="Exit with status 1 if any file could not be read.")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Read a CSV/JSON field from another column name, e.g. --map title=Headline.",
)
@click.option(
    "--dayfirst/--monthfirst",
    default=None,
    help="How to read numeric dates like 03/10/2024 (default: by the source's convention).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")
@format_option(
    "text", "json", help="json: the run as one JSON object on one line (for a timer's journal)."
)
def index(
    paths: tuple[Path, ...],
    index_dir: Path | None,
    rebuild: bool,
    strict: bool,
    mapping: tuple[str, ...],
    dayfirst: bool | None,
    quiet: bool,
    output: str,
) -> None:
    """Index article files and folders (incremental unless --rebuild).

    Reads page exports (.txt), Markdown with front matter, JSON, JSONL, CSV, saved HTML
    pages and Reuters-21578 XML/SGML. New files are added, changed files re-indexed,
    articles whose files are gone removed; files that cannot be read are reported with
    the reason and skipped, and everything else is still indexed.

    \b
    Examples:
      archive index data/demo
      archive index --rebuild ~/news /mnt/archive/2016.csv
      archive index --map title=Headline --map body=Story export.csv
      archive index --format json /srv/news     # one JSON line: added, ..., problems

    Every run is recorded in the index folder (last-run.json); `archive stats` shows
    when the index was last updated and how the last run ended.
    """
    from indexer.errors import ArchiveError
    from indexer.runlog import record_run

    missing = next((p for p in paths if not p.exists() and not p.is_symlink()), None)
    if missing is not None:
        # A usage error (exit 2) as ever; with --format json it is the run's one line,
        # since an unmounted share is a likely way for a nightly run to fail.
        absent = f"{missing}: no such file or folder"
        target = resolve_index_dir(index_dir)
        if target.is_dir():  # an index to report on; a mistyped command creates nothing
            record_run(target, "failed", exit_status=2, error=absent)
        if output == "json":
            failure = {"outcome": "failed", "error": absent}
            click.echo(json.dumps(failure, ensure_ascii=False))
            sys.exit(2)
        raise click.BadParameter(f"Path '{missing}' does not exist.", param_hint="'PATHS...'")

    field_map = {}
    for item in mapping:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise click.BadParameter(f"{item!r} is not FIELD=COLUMN", param_hint="--map")
        field_map[field.strip()] = column.strip()

    engine = _engine(index_dir)
    target = resolve_index_dir(index_dir)
    as_json = output == "json"
    progress = _ProgressLine() if sys.stderr.isatty() and not (quiet or as_json) else None
    started = time.monotonic()
    error: ArchiveError | None = None
    try:
        report = index_paths(
            engine,
            list(paths),
            rebuild=rebuild,
            mapping=field_map,
            dayfirst=dayfirst,
            progress=progress,
        )
    except ArchiveError as exc:
        # A locked or outdated index, a silent cluster, a full disk: nothing written.
        error = exc
    finally:
        if progress:
            progress.close()

    if error is not None:
        failed: dict[str, object] = {
            "outcome": "failed",
            "index": engine.describe(),
            "error": error.message,
            "seconds": round(time.monotonic() - started, 3),
        }
        record_run(target, "failed", exit_status=error.exit_code, error=error.message)
        if as_json:
            # One line, on stdout like a successful run's, so a journal reader parses both.
            click.echo(json.dumps(failed, ensure_ascii=False))
            sys.exit(error.exit_code)
        raise error

    status = 1 if strict and report.problems else 0
    outcome = "problems" if report.problems else "ok"
    summary: dict[str, object] = {
        "outcome": outcome,
        "index": engine.describe(),
        **report.to_dict(),
        "skipped": len(report.problems),
    }
    record_run(target, outcome, exit_status=status, summary=summary)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        sys.exit(status)
    if not quiet:
        for problem in report.problems:
            # A reader's reason for a file that is not an article starts "skipped:".
            reason = problem.reason.removeprefix("skipped: ")
            click.echo(f"skipped {problem.path}: {reason}", err=True)
        for warning in report.warnings:
            click.echo(f"warning {warning}", err=True)
    verb = "rebuilt" if rebuild else "updated"
    click.echo(
        f"{verb} {engine.describe()}: {report.added} added, {report.updated} updated, "
        f"{report.removed} removed, {report.unchanged} unchanged, "
        f"{len(report.problems)} skipped; {report.articles} articles in the index "
        f"({report.seconds:.1f} s)"
    )
    sys.exit(status)


class _ProgressLine:
    """One self-rewriting status line on stderr (only used when stderr is a terminal)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, progress) -> None:
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        rate = progress.articles / max(now - self.started, 1e-6)
        total = f"/{progress.files_total}" if getattr(progress, "files_total", None) else ""
        click.echo(
            f"\r{progress.files_read}{total} files read, {progress.articles} articles "
            f"indexed, {rate:,.0f} articles/s ",
            nl=False,
            err=True,
        )

    def close(self) -> None:
        click.echo("\r\033[K", nl=False, err=True)


@main.command()
@click.argument("query", required=False, default="", callback=_rule("q"))
@index_dir_option
@filter_options
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option(
    "--versions", type=click.Choice(VERSIONS), default="best", show_default=True,
    help="best: each story once, as its best-ranked version; all: every article "
    "(totals count articles either way).",
)  # fmt: skip
@click.option(
    "--limit", type=click.IntRange(1, BY_NAME["size"].maximum), default=10, show_default=True,
    help="Hits per page (the web's `size`).",
)  # fmt: skip
@click.option(
    "--page", type=click.IntRange(1, BY_NAME["page"].maximum), default=1, show_default=True
)
@format_option(
    "text",
    "json",
    "csv",
    *CITATION_FORMATS,
    help="ris, bibtex, csljson: citations for a reference manager (Zotero, EndNote...).",
)
@click.option(
    "--base-url",
    envvar="ARCHIVE_PUBLIC_URL",
    metavar="URL",
    help="Where the archive's web app is served, for the permalinks in citations "
    "(default: $ARCHIVE_PUBLIC_URL; without it citations carry only the source URL).",
)
@click.option(
    "--excel",
    is_flag=True,
    help="With --format csv: start with a UTF-8 byte-order mark, so Excel reads it right.",
)
def search(
    query: str,
    index_dir: Path | None,
    filters: Filters,
    sort: Sort,  # one of SORTS: click.Choice checked it
    versions: Versions,  # one of VERSIONS: click.Choice checked it
    limit: int,
    page: int,
    output: str,
    base_url: str | None,
    excel: bool,
) -> None:
    """Search the archive. QUERY uses Whoosh syntax; leave it out to browse.

    \b
    Query syntax:
      flood Vietnam           both words (AND is the default)
      flood OR storm          either word;  NOT / -word to exclude
      "Da Nang"               a phrase;  accents optional (Đà Nẵng finds it too)
      title:election          a field: title, body, tag, place, site
      place:"binh duong"      a place an article is about or only mentions
      elect*  flodd~          a wildcard;  a fuzzy match
    \b
    Examples:
      archive search "Da Nang"
      archive search election --tag Politics --from 2016-06-01 --sort newest
      archive search "oil prices" --place "Saudi Arabia" --format json
      archive search "Da Nang" --format ris > danang.ris
    """
    if excel and output != "csv":
        raise click.BadParameter("--excel goes with --format csv", param_hint="--excel")
    archive = _open(index_dir)
    request = SearchQuery(
        text=query,
        filters=filters,
        sort=sort,
        page=page,
        page_size=limit,
        facets=output in ("text", "json"),
        versions=versions,
    )
    try:
        result = archive.search(request)
        records: list = []
        if output in CITATION_FORMATS:
            # Hits carry no authors or language: cite each hit's article.
            records = [archive.get(hit.id) or hit for hit in result.hits]
    finally:
        archive.close()
    if output in CITATION_FORMATS:
        _write_citations(output, records, base_url)
    elif output == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif output == "csv":
        _write_csv(result, excel=excel)
    else:
        _write_text(result)


def _write_citations(fmt: str, records: list, base_url: str | None) -> None:
    from archive.citation import Citation, render

    base = (base_url or "").rstrip("/")
    citations = (
        Citation.of(
            record,
            permalink=f"{base}/article/{record.id}" if base else "",
            archive=(os.environ.get("ARCHIVE_SITE_NAME") or "News archive") if base else "",
        )
        for record in records
    )
    for chunk in render(fmt, citations):
        click.echo(chunk, nl=False)


def _write_csv(result: SearchResult, *, excel: bool = False) -> None:
    if excel:
        sys.stdout.write(EXCEL_BOM)
    writer = csv.writer(sys.stdout)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(hit.csv_row() for hit in result.hits)


def _plain_snippet(snippet: str) -> str:
    """The HTML snippet for a terminal: matches in bold, entities decoded."""
    import html

    # Article text holds no control characters (clean_line drops them), so these markers
    # survive the unescaping unambiguously and then become ANSI bold.
    text = html.unescape(snippet.replace("<mark>", "\x00").replace("</mark>", "\x01"))
    return text.replace("\x00", "\033[1m").replace("\x01", "\033[0m")


def _write_text(result: SearchResult) -> None:
    query = result.query
    first = (query.page - 1) * query.page_size + 1
    shown = f"{first}-{first + len(result.hits) - 1} of " if result.hits else ""
    stories = f" in {result.stories:,} stories" if result.stories != result.total else ""
    click.echo(f"{shown}{result.total:,} articles{stories}")
    if result.interpreted_as:
        click.echo(f"(read as: {result.interpreted_as})")
    if result.relaxed:
        click.echo(f"{result.relaxed.message}.")
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    for n, hit in enumerate(result.hits, start=first):
        when = iso8601(hit.published)[:10] or "undated"
        click.echo()
        click.echo(f"{n:>3}. {click.style(hit.title or '(untitled)', bold=True)}")
        details = [when, hit.site] + ([", ".join(hit.places)] if hit.places else [])
        if hit.versions > 1:
            details.append(f"{hit.versions} versions")
        click.echo("     " + " · ".join(d for d in details if d))
        if hit.snippet:
            snippet = _plain_snippet(hit.snippet) if sys.stdout.isatty() else _strip(hit.snippet)
            click.echo("     " + snippet)
        if hit.missing:
            click.echo("     Missing: " + ", ".join(hit.missing))
        click.echo(f"     id {hit.id}  {hit.url}".rstrip())
        for other in hit.others:
            when = iso8601(other.published)[:10] or "undated"
            click.echo(f"       also: {when} · {other.site} · {other.title}  id {other.id}")
    for name, values in result.facets.items():
        if values:
            click.echo()
            top = ", ".join(f"{v.value} ({v.count})" for v in values[:12])
            click.echo(f"{name}: {top}")


def _strip(snippet: str) -> str:
    import html

    return html.unescape(snippet.replace("<mark>", "").replace("</mark>", ""))


#: ``--format`` of the commands whose answer is a table: text, JSON or CSV.
table_format_option = format_option("text", "json", "csv")
TOP_WORDS_CSV_COLUMNS = ("word", "score", "count", "sampled", "background", "articles")


def _write_table(
    output: str,
    result: TrendResult | TopWordsResult,
    columns: Sequence[str],
    rows: Callable[[], Iterable[Sequence[object]]],
    text: Callable[[Any], None],
) -> None:
    """A table-shaped answer (``trends``, ``top-words``) in the chosen ``--format``: its
    JSON (the API's shape), CSV (``columns``, then ``rows()``) or the text table."""
    if output == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows())
    else:
        text(result)


@main.command()
@click.argument("queries", nargs=-1, required=True)
@index_dir_option
@filter_options
@click.option("--interval", type=click.Choice(INTERVALS), default="month", show_default=True)
@table_format_option
def trends(
    queries: tuple[str, ...],
    index_dir: Path | None,
    filters: Filters,
    interval: str,
    output: str,
) -> None:
    """Attention over time: articles per period for up to 5 queries.

    Each query is counted under the same filters, per day, ISO week, month or year,
    with its share of all articles in the period (under the same filters), so a period
    in which the archive simply holds more articles does not look like more attention.
    Undated articles are in no period.

    \b
    Examples:
      archive trends trump putin --interval month
      archive trends flood storm --place Vietnam --interval year --format csv
      archive trends "white house" --from 2017-01-01 --to 2017-03-31 --interval week
    """
    archive = _open(index_dir)
    request = TrendQuery(
        queries=list(queries),
        filters=filters,
        interval=interval,  # type: ignore[arg-type]
    )
    try:
        result = archive.trends(request)
    finally:
        archive.close()
    _write_table(output, result, TREND_CSV_COLUMNS, lambda: trend_csv_rows(result), _write_trends)


def _write_trends(result: TrendResult) -> None:
    """A table: one row a period, the total, then each query's count and share."""
    if not result.series or not result.series[0].points:
        click.echo("no dated articles")
        return
    names = [s.query for s in result.series]
    width = max(len(p.period) for p in result.series[0].points)
    cells = [max(len(n), 16) for n in names]
    click.echo(
        (
            f"{result.interval:<{width}}  {'total':>8}  "
            + "  ".join(f"{n:<{w}}" for n, w in zip(names, cells, strict=True))
        ).rstrip()
    )
    for i, point in enumerate(result.series[0].points):
        row = [f"{s.points[i].count:,} ({s.points[i].share:.1%})" for s in result.series]
        click.echo(
            (
                f"{point.period:<{width}}  {point.total:>8,}  "
                + "  ".join(f"{c:<{w}}" for c, w in zip(row, cells, strict=True))
            ).rstrip()
        )


@main.command("top-words")
@click.argument("query", required=False, default="")
@index_dir_option
@filter_options
@click.option("--limit", type=click.IntRange(1, MAX_TOP_WORDS), default=20, show_default=True)
@table_format_option
def top_words(
    query: str,
    index_dir: Path | None,
    filters: Filters,
    limit: int,
    output: str,
) -> None:
    """The words most over-represented in a search's hits against the whole archive.

    Stop words and the query's own words are left out. When the search has more than
    100 hits, its 100 best-ranked are read (newest, without query text), and the
    output says so.

    \b
    Examples:
      archive top-words russia
      archive top-words --tag Politics --from 2017-01-01 --format csv
    """
    archive = _open(index_dir)
    request = SearchQuery(
        text=query,
        filters=filters,
    )
    try:
        result = archive.top_words(request, limit)
    finally:
        archive.close()

    def rows() -> Iterable[Sequence[object]]:
        for w in result.words:
            yield (w.word, f"{w.score:.6f}", w.count, result.sampled, w.background, result.articles)

    _write_table(output, result, TOP_WORDS_CSV_COLUMNS, rows, _write_top_words)


def _write_top_words(result: TopWordsResult) -> None:
    read = (
        f"the {result.sampled:,} best-ranked of {result.total:,} hits (a sample)"
        if result.is_sample
        else f"all {result.total:,} hits"
    )
    click.echo(f"Top words of {read}, against {result.articles:,} articles:")
    if not result.words:
        click.echo("  none")
    for w in result.words:
        click.echo(
            f"  {w.word:<20} in {w.count:>4,} of {result.sampled:,} hits, "
            f"{w.background:>7,} of {result.articles:,} articles  (score {w.score:.3f})"
        )


@main.command()
@index_dir_option
@format_option("text", "json")
def stats(index_dir: Path | None, output: str) -> None:
    """Articles, date range, top tags, places and sites, and size on disk.

    \b
    Example:
      archive stats --index-dir /srv/newsarchive/index
    """
    from indexer.runlog import last_update, read_run

    path = resolve_index_dir(index_dir)
    archive = _open(index_dir)
    try:
        info = archive.stats()
    finally:
        archive.close()
    run = read_run(path)
    updated = last_update(path)
    if output == "json":
        data = info.to_dict()
        data["last_updated"] = updated.isoformat(timespec="seconds") if updated else None
        data["last_run"] = run
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"index:     {info.location}")
    click.echo(f"articles:  {info.articles:,}")
    click.echo(f"updated:   {_when(updated)}")
    click.echo(f"last run:  {_describe_run(run)}")
    span = f"{info.date_min} to {info.date_max}" if info.date_min else "no dated articles"
    click.echo(f"dates:     {span}")
    if info.disk_bytes is not None:
        click.echo(f"size:      {info.disk_bytes / 1e6:,.1f} MB on disk")
    if info.memory_bytes is not None:
        click.echo(f"memory:    {info.memory_bytes / 1e6:,.1f} MB in RAM (the node answering)")
    for label, values in (("tags", info.tags), ("places", info.places), ("sites", info.sites)):
        top = ", ".join(f"{v.value} ({v.count:,})" for v in values[:10]) or "none"
        click.echo(f"{label + ':':<10} {top}")


def _prepare_metrics_dir() -> None:
    """A fresh directory for the workers' metric files, named in the environment; a
    directory left by an earlier run would add its counts to this one's."""
    import os
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="newsarchive-metrics-")


def _when(moment) -> str:
    if moment is None:
        return "unknown"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def _describe_run(run: dict | None) -> str:
    """How the last ``archive index`` ended, in one line."""
    if run is None:
        return "not recorded"
    from datetime import datetime

    try:
        when = _when(datetime.fromisoformat(str(run.get("finished"))))
    except ValueError:  # a record edited by hand: say what can be said
        when = "an unknown time"
    if run["outcome"] == "failed":
        return f"failed at {when}: {run.get('error') or 'no reason recorded'}"
    s = run.get("summary") or {}
    counts = (
        f"{s.get('added', 0)} added, {s.get('updated', 0)} updated, "
        f"{s.get('removed', 0)} removed, {s.get('skipped', 0)} skipped"
    )
    return f"{run['outcome']} at {when} ({counts}; exit status {run.get('exit_status', 0)})"


@main.command()
@index_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True)
@click.option(
    "--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="Per process."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes (more than 1: gunicorn, POSIX only; they share the mapped index).",
)
def serve(index_dir: Path | None, host: str, port: int, threads: int, workers: int) -> None:
    """Serve the search page and JSON API (waitress, read-only; gunicorn with --workers).

    Also /healthz, /readyz and /metrics (Prometheus) for the people who run it, and
    an access log on stderr, one line per request.

    \b
    Configuration by environment:
      ARCHIVE_INDEX_DIR         the index folder (or --index-dir)
      ARCHIVE_FRAME_ANCESTORS   who may frame /embed (default 'self')
      ARCHIVE_TRUSTED_PROXIES   how many reverse proxies to trust (default 0)
      ARCHIVE_ACCESS_LOG        combined (default), json or off
      ARCHIVE_LOG_QUERIES       0 leaves search words out of the access log
      ARCHIVE_MAX_INDEX_AGE     hours: older, /readyz answers 503 (default: never)
      ARCHIVE_BACKEND           whoosh (default) or typesense, with
                                ARCHIVE_TYPESENSE_NODES, ARCHIVE_TYPESENSE_SEARCH_KEY
                                (a search-only key: the server needs no admin key)
                                and ARCHIVE_TYPESENSE_COLLECTION
    \b
    Examples:
      archive serve --port 8080
      archive serve --workers 4 --threads 4
    """
    if workers > 1:
        if sys.platform == "win32":
            raise click.BadParameter(
                "more than 1 needs gunicorn, which is POSIX only", param_hint="--workers"
            )
        # Before the app (and so prometheus_client) is imported, which picks its
        # multiprocess store at import: see web.workers.
        _prepare_metrics_dir()
    import web
    from archive.places import gazetteer
    from web.accesslog import configure_logging
    from web.memory import limit_malloc_arenas

    # Before any thread starts or gunicorn forks: see web.memory.
    limit_malloc_arenas()

    config = web.Config.from_env(index_dir=resolve_index_dir(index_dir))
    # The gazetteer takes a second or more to load; loaded here, before gunicorn forks,
    # the first search with a place filter does not pay it, and the workers inherit it.
    gazetteer()
    configure_logging()
    if workers > 1:
        # gunicorn retries a busy port for seconds and then exits with its own log
        # lines: find out first, and say it in one line as the single-process path does.
        _check_listen(host, port)
        from web.workers import serve_workers

        click.echo(
            f"serving {config.index_dir} on http://{host}:{port}/ ({workers} workers)", err=True
        )
        serve_workers(
            lambda: web.create_app(config), host=host, port=port, workers=workers, threads=threads
        )
        return
    app = web.create_app(config)
    try:
        server = web.make_server(app, host=host, port=port, threads=threads)
    except OSError as exc:
        raise click.ClickException(_listen_error(exc, host, port)) from None
    click.echo(f"serving {config.index_dir} on http://{host}:{port}/", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _check_listen(host: str, port: int) -> None:
    """Raise the one-line error now if ``host:port`` cannot be listened on."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(_listen_error(exc, host, port)) from None


def _listen_error(exc: OSError, host: str, port: int) -> str:
    """One line for a port that cannot be listened on, with what to do instead."""
    import errno

    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} is already in use ({where}); choose another with --port "
            f"(or `make run PORT=8080`)"
        )
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on {where}; choose a port above 1023 with --port"
    return f"cannot listen on {where}: {exc.strerror or exc}"
