"""Do the engines give the same answers? Checked before any time is reported.

Totals and every facet count are compared with a reference engine (SQLite FTS5). The
engines tokenise and stem differently (Porter in Whoosh, SQLite and the project,
Snowball in Tantivy; Whoosh drops stop words and keeps ``U.S.`` whole, the others do
not), so a count may differ slightly for a genuine reason: a difference within
:data:`REL_TOL` of the larger count, or :data:`ABS_TOL`, is *within tolerance*; beyond
that it is a *disagreement* and printed. Exact matches are counted separately, so the
report says how often the engines agree to the article.

The project's facets list countries (and the places of a selected country) and may
cut long tails, so a project answer is compared on the values it lists; peers are
compared on all values either side lists. Top-10 overlap is reported for information:
relevance ranking is each engine's own (BM25 variants), ties in date order too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bench.engines import FACETS, Answer
from bench.queries import BenchQuery

REL_TOL = 0.05
ABS_TOL = 3
REFERENCE = "sqlite"
#: Engines answering through the project's search API, whose facets list the top values
#: (and countries) rather than every value: compared on what they list.
LISTS_LIKE_PROJECT = ("project", "typesense")


def within(a: int, b: int) -> bool:
    return abs(a - b) <= max(ABS_TOL, REL_TOL * max(a, b))


@dataclass
class Agreement:
    engine: str
    reference: str
    compared: int = 0
    exact: int = 0
    tolerated: int = 0
    disagreements: list[str] = field(default_factory=list)
    #: query class -> top-10 overlaps (0..1)
    overlap: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def check(self, where: str, got: int, want: int) -> None:
        self.compared += 1
        if got == want:
            self.exact += 1
        elif within(got, want):
            self.tolerated += 1
        else:
            self.disagreements.append(f"{where}: {self.engine}={got} {self.reference}={want}")

    @property
    def ok(self) -> bool:
        return not self.disagreements and not self.errors


def _check_cut(agreement: Agreement, where: str, facet: str, mine: dict, theirs: dict) -> None:
    """A facet the project cuts must keep the largest values: no value the reference
    counts higher than the project's smallest listed one may be missing (countries only
    for places, every year for dates)."""
    floor = min(mine.values(), default=0)
    for key, count in theirs.items():
        if key in mine or count == 0:
            continue
        if facet == "place" and "/" in key:
            continue
        if facet == "year" or count > floor + max(ABS_TOL, REL_TOL * count):
            agreement.compared += 1
            agreement.disagreements.append(
                f"{where}={key}: missing from {agreement.engine}, {agreement.reference}={count}"
            )


def _key(value: str) -> str:
    return value.casefold()


def compare(
    engine: str,
    answers: dict[str, Answer | str],
    reference: dict[str, Answer | str],
    queries: list[BenchQuery],
    ref_name: str = REFERENCE,
) -> Agreement:
    """Compare one engine's answers (query id -> Answer, or an error message) with the
    reference engine's."""
    agreement = Agreement(engine=engine, reference=ref_name)
    for q in queries:
        got, want = answers.get(q.id), reference.get(q.id)
        if isinstance(got, str) or got is None:
            agreement.errors.append(f"{q.id}: {got}")
            continue
        if isinstance(want, str) or want is None:
            continue
        agreement.check(f"{q.id} total", got.total, want.total)
        for facet in FACETS:
            mine = {_key(k): v for k, v in got.facets.get(facet, {}).items()}
            theirs = {_key(k): v for k, v in want.facets.get(facet, {}).items()}
            cut = engine in LISTS_LIKE_PROJECT
            keys = set(mine) if cut else set(mine) | set(theirs)
            if cut and facet == "place":
                # The project lists countries (and a selected country's places); a
                # peer counts every path, so compare on what the project lists.
                keys = set(mine)
            for key in sorted(keys):
                agreement.check(f"{q.id} {facet}={key}", mine.get(key, 0), theirs.get(key, 0))
            if cut:
                _check_cut(agreement, f"{q.id} {facet}", facet, mine, theirs)
        if want.top or got.top:
            shared = len(set(got.top) & set(want.top))
            agreement.overlap[q.cls].append(shared / max(len(want.top), len(got.top), 1))
    return agreement
