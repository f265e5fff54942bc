"""The tables of one run, as Markdown, and their place in ``bench/RESULTS.md``.

``RESULTS.md`` keeps one section per corpus size between ``<!-- bench:SIZE -->`` markers;
a run rewrites only its own size's section, so hand-written notes (profiles, what an
optimisation bought) and the other sizes' tables stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.agree import ABS_TOL, REL_TOL, Agreement
from bench.engines import LABELS
from bench.queries import CLASSES

GROUP_LABELS = {
    "rare": "rare term",
    "common": "common term",
    "phrase": "phrase",
    "boolean": "boolean",
    "field": "field (title:)",
    "browse": "browse (empty query)",
    "faceted": "all text searches",
    "filtered": "text searches with filters",
}
SIZE_ORDER = ("real", "10k", "100k", "1m")


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f}"


def _temporary(r: dict) -> str:
    """Peak disk beyond the final index, when the run measured it (runs before issue 15
    did not)."""
    peak = r.get("peak_disk_bytes")
    return "" if peak is None else _mb(max(0, peak - r["size_bytes"]))


def _mib(n: float) -> str:
    return f"{n / 2**20:,.0f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Report:
    size: str
    command: str
    date: str
    machine: dict
    versions: dict
    rounds: int
    corpus: dict = field(default_factory=dict)
    indexing: dict[str, dict] = field(default_factory=dict)
    agreement: dict[str, Agreement] = field(default_factory=dict)
    totals: dict[str, dict] = field(default_factory=dict)
    latency: dict[str, dict[str, dict]] = field(default_factory=dict)
    web: dict | None = None
    failures: list[str] = field(default_factory=list)
    #: engine -> number of queries timed in one round only (slower than 1 s)
    slow: dict[str, int] = field(default_factory=dict)
    run_seconds: float = 0.0
    #: Only the indexing was run (``--index-only``): a section of its own.
    index_only: bool = False

    @property
    def section(self) -> str:
        return f"{self.size}-indexing" if self.index_only else self.size

    # --- sections -----------------------------------------------------------------

    def markdown(self) -> str:
        m = self.machine
        title = f"{self.size}, indexing only" if self.index_only else self.size
        parts = [
            f"## {title}: {self.corpus.get('articles', 0):,} articles",
            "",
            f"- command: `{self.command}` (whole run {self.run_seconds / 60:.1f} min)",
            f"- date: {self.date}",
            f"- machine: {m['cpus']} CPUs, {m['memory_gib']} GiB RAM, Python {m['python']}, "
            f"{m['platform']}; load average at the end {m['load']} (other work was running)",
            "- versions: " + ", ".join(f"{k} {v}" for k, v in self.versions.items()),
            f"- corpus: `{self.corpus.get('file')}`, {_mb(self.corpus.get('bytes', 0))} MB, "
            f"{self.corpus.get('mean_body_words')} words per body on average",
            f"- timing: {self.rounds} rounds over the {len(self.totals)} queries of "
            "`bench/queries.json`, engines interleaved query by query"
            + (
                "; searches slower than 1 s timed once only: "
                + ", ".join(f"{LABELS[n]} {c}" for n, c in self.slow.items())
                if self.slow
                else ""
            ),
        ]
        if self.index_only:
            parts.pop()  # no searches were timed
        if self.failures:
            parts += ["", "**Failures:** " + "; ".join(self.failures)]
        parts += ["", "### Indexing", "", self.indexing_table()]
        if self.index_only:
            return "\n".join([*parts, "", self.targets()]).rstrip() + "\n"
        parts += ["", "### Agreement (checked before timing)", "", self.agreement_table()]
        parts += ["", "### Search latency, ms (median / p95), facets and 10 snippets", ""]
        parts += [self.latency_table()]
        if "project" in self.latency:
            parts += ["", "### Ratios: newsarchive median / peer median (< 1: newsarchive faster)"]
            parts += ["", self.ratio_table()]
        if self.web:
            parts += [
                "",
                "### Web: `archive serve`, /api/search over loopback",
                "",
                self.web_table(),
            ]
        parts += ["", self.targets(), "", self.totals_details()]
        return "\n".join(parts).rstrip() + "\n"

    def indexing_table(self) -> str:
        rows = []
        project = self.indexing.get("project")
        for name, r in self.indexing.items():
            ratio = ""
            if project and name != "project":
                ratio = f"{project['articles_per_s'] / r['articles_per_s']:.2f}"
            rows.append(
                [
                    LABELS[name],
                    f"{r['articles']:,}",
                    f"{r['seconds']:,.1f}",
                    f"{r['articles_per_s']:,.0f}",
                    f"{r['cpu_seconds']:,.1f}",
                    f"{r.get('cores_used', 0):.2f}",
                    _mb(r["size_bytes"]),
                    _temporary(r),
                    _mib(r["peak_rss"]),
                    _mib(r["peak_tree_rss"]),
                    ratio,
                ]
            )
        header = [
            "engine",
            "articles",
            "seconds",
            "articles/s",
            "CPU s",
            "cores used",
            "index MB",
            "temporary disk MB",
            "peak RSS MiB",
            "peak tree RSS MiB",
            "newsarchive throughput / this",
        ]
        notes = (
            "\n\nSeconds: reading the JSONL plus indexing plus commit, in a fresh process. "
            "Peak RSS: `ru_maxrss` from `wait4` (largest single process); tree RSS: the "
            "sampled sum over the worker and its children (multi-process writers). "
            "Temporary disk: the index folder's largest size while building (sampled), less "
            "the final index."
        )
        if "typesense" in self.indexing:
            notes += (
                " Typesense: the node (one, on 127.0.0.1) is the worker's child, so its CPU "
                "time and memory count, and the seconds include starting and stopping it; "
                "index MB is its data directory (the index itself is in RAM)."
            )
        problems = [
            f"{LABELS[n]} reported {r['problems']:,} problems ({'; '.join(r['first_problems'])})"
            for n, r in self.indexing.items()
            if r.get("problems")
        ]
        return _table(header, rows) + notes + ("\n\n" + "\n".join(problems) if problems else "")

    def agreement_table(self) -> str:
        rows = []
        for name, a in self.agreement.items():
            overlaps = {c: v for c, v in a.overlap.items() if v}
            overlap = ", ".join(f"{c} {sum(v) / len(v):.0%}" for c, v in overlaps.items())
            rows.append(
                [
                    f"{LABELS[name]} vs {LABELS[a.reference]}",
                    f"{a.compared:,}",
                    f"{a.exact:,}",
                    f"{a.tolerated:,}",
                    f"{len(a.disagreements):,}",
                    f"{len(a.errors):,}",
                    overlap,
                ]
            )
        header = [
            "engines",
            "counts compared",
            "exact",
            f"within tolerance (≤{REL_TOL:.0%} or ≤{ABS_TOL})",
            "disagreements",
            "errors",
            "top-10 overlap by class",
        ]
        text = _table(header, rows)
        details = []
        for name, a in self.agreement.items():
            for line in a.disagreements[:30] + a.errors[:10]:
                details.append(f"- {LABELS[name]}: {line}")
            if len(a.disagreements) > 30:
                details.append(f"- {LABELS[name]}: ... {len(a.disagreements) - 30} more")
        if details:
            text += "\n\nBeyond tolerance:\n\n" + "\n".join(details)
        return text

    def latency_table(self) -> str:
        names = list(self.latency)
        rows = []
        for group in (*CLASSES, "faceted", "filtered"):
            row = [GROUP_LABELS[group]]
            for name in names:
                s = self.latency[name].get(group)
                row.append(f"{s['median']:.1f} / {s['p95']:.1f}" if s else "")
            rows.append(row)
        return _table(["query class"] + [LABELS[n] for n in names], rows)

    def ratio_table(self) -> str:
        project = self.latency["project"]
        peers = [n for n in self.latency if n != "project"]
        rows = []
        for group in (*CLASSES, "faceted", "filtered"):
            row = [GROUP_LABELS[group]]
            mine = project.get(group)
            for peer in peers:
                theirs = self.latency[peer].get(group)
                if mine and theirs:
                    row.append(
                        f"{mine['median'] / theirs['median']:.2f} "
                        f"(p95 {mine['p95'] / theirs['p95']:.2f})"
                    )
                else:
                    row.append("")
            rows.append(row)
        return _table(["query class"] + [f"vs {LABELS[p]}" for p in peers], rows)

    def web_table(self) -> str:
        w = self.web
        kinds = ", ".join(f"{k} {v}" for k, v in w["error_kinds"].items()) or "none"
        row = [
            str(w["clients"]),
            f"{w['seconds']:.0f}",
            f"{w['ok']:,}",
            f"{w['searches_per_s']:.1f}",
            f"{w['errors']} ({kinds})",
            f"{w['median_ms']:.0f} / {w['p95_ms']:.0f}" if w["median_ms"] else "",
            str(w.get("workers", 1)),
            f"{w['first_answer_s']:.1f}" if "first_answer_s" in w else "",
            f"{w['client_cores']:.2f}" if "client_cores" in w else "",
            f"{w['server_cores']:.2f}" if "server_cores" in w else "",
            f"{w['server_private_mib']:,.0f}" if "server_private_mib" in w else "",
        ]
        header = [
            "clients",
            "seconds",
            "searches",
            "searches/s",
            "errors",
            "latency ms median / p95",
            "server processes",
            "first answer s",
            "client cores",
            "server cores",
            "server private MiB",
        ]
        return _table(header, [row]) + (
            f"\n\nThe {w['clients']} client threads run in one Python process on the same 2 "
            "cores as the server, cycling through the workload (facets and snippets on); "
            "'client cores' is the CPU they took, 'server cores' the server's. 'server "
            "processes' above 1 is `archive serve --workers N` (gunicorn). 'first answer' "
            "is from start to the first search answered; 'server private' is RssAnon over "
            "the server's processes after the load (the index pages they share through the "
            "page cache are not in it)."
        )

    def targets(self) -> str:
        """Issue #5's targets, checked where this size is the one they name."""
        p = self.latency.get("project", {})
        lines = ["### Targets (issue #5)", ""]
        if self.size not in ("100k", "1m"):
            lines.append(
                f"The targets are set at 100k and 1M articles; at {self.size} for information:"
            )
        faceted, browse = p.get("faceted"), p.get("browse")
        sqlite = self.latency.get("sqlite", {}).get("faceted")
        idx = self.indexing
        if faceted:
            limit_p95 = 500 if self.size == "1m" else 150
            lines.append(
                f"- faceted search median {faceted['median']:.1f} ms (target ≤ 30), "
                f"p95 {faceted['p95']:.1f} ms (target ≤ {limit_p95})"
            )
        if faceted and sqlite:
            lines.append(
                f"- median / SQLite FTS5 median: {faceted['median'] / sqlite['median']:.2f} "
                "(target ≤ 1.0)"
            )
        if browse:
            lines.append(f"- browse with facets p95 {browse['p95']:.1f} ms (target ≤ 20)")
        if "project" in idx and "whoosh" in idx:
            ratio = idx["project"]["articles_per_s"] / idx["whoosh"]["articles_per_s"]
            lines.append(f"- indexing throughput / plain Whoosh: {ratio:.2f} (target ≥ 2)")
        if "project" in idx and "tantivy" in idx:
            ratio = idx["project"]["articles_per_s"] / idx["tantivy"]["articles_per_s"]
            lines.append(f"- indexing throughput / Tantivy: {ratio:.3f}")
        if "project" in idx:
            peak = max(idx["project"]["peak_rss"], idx["project"]["peak_tree_rss"])
            lines.append(f"- indexing peak memory {_mib(peak)} MiB (target at 1M: < 2048)")
        if self.web:
            w = self.web
            lines.append(
                f"- web: {w['searches_per_s']:.1f} searches/s with {w['clients']} "
                f"clients, {w['errors']} errors (target ≥ 100/s, no errors)"
            )
            if self.size in ("100k", "1m") and "server_private_mib" in w:
                rate, p95 = ("45", "1000") if self.size == "1m" else ("180", "")
                lines.append(
                    f"- issue 15, web with {w.get('workers', 1)} server process(es): "
                    f"{w['searches_per_s']:.1f} searches/s (target ≥ {rate} with workers)"
                    + (f", p95 {w['p95_ms']:.0f} ms (target ≤ {p95})" if p95 else "")
                    + f", first answer {w['first_answer_s']:.1f} s (target ≤ 10), server "
                    f"private memory {w['server_private_mib']:,.0f} MiB (target at 1M ≤ 1,536)"
                )
        return "\n".join(lines)

    def totals_details(self) -> str:
        names = sorted({n for per in self.totals.values() for n in per})
        rows = [
            [qid] + [f"{per.get(n):,}" if per.get(n) is not None else "error" for n in names]
            for qid, per in self.totals.items()
        ]
        table = _table(["query"] + [LABELS[n] for n in names], rows)
        return f"<details><summary>Hits per query</summary>\n\n{table}\n\n</details>"

    # --- RESULTS.md -------------------------------------------------------------------

    def write_section(self, path: Path) -> None:
        start, end = f"<!-- bench:{self.section} -->", f"<!-- /bench:{self.section} -->"
        block = f"{start}\n{self.markdown()}{end}"
        text = path.read_text() if path.exists() else _HEADER
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
        if pattern.search(text):
            text = pattern.sub(lambda _m: block, text)
        else:
            # Keep sizes in order: before the first section of a larger size.
            later = [
                s
                for s in SIZE_ORDER[SIZE_ORDER.index(self.size) + 1 :]
                if f"<!-- bench:{s} -->" in text
            ]
            if self.index_only:  # right after its size's own section, if there is one
                own_end = f"<!-- /bench:{self.size} -->"
                if own_end in text:
                    text = text.replace(own_end, own_end + "\n\n" + block, 1)
                    path.write_text(text)
                    return
            if later:
                marker = f"<!-- bench:{later[0]} -->"
                text = text.replace(marker, block + "\n\n" + marker, 1)
            else:
                text = text.rstrip() + "\n\n" + block + "\n"
        path.write_text(text)


_HEADER = """# Benchmark results

Written by `python -m bench` (see bench/README.md); each size's section is replaced by
the next run of that size. The machine is shared and noisy: compare engines by the
ratios from the same run, not by absolute times across runs.
"""
