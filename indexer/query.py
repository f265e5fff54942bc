"""The query language: Whoosh syntax, checked and bounded before it runs.

Users type Whoosh syntax: words (AND'd), ``AND``/``OR``/``NOT``, ``"phrases"`` (with
``~N`` slop), ``title:``/``body:``/``tag:``/``place:``/``site:`` fields, ``*``/``?``
wildcards and ``word~`` fuzzy terms. The parser here differs from Whoosh's default in
what it refuses, each time with a message fit to show the user (:class:`QueryError`):

- an unknown field name (Whoosh would silently search ``foo:bar`` as text);
- a query longer than :data:`MAX_QUERY_CHARS` or with more than :data:`MAX_WORDS` words;
- ``*`` alone, a prefix or wildcard with fewer than two letters before the first
  wildcard, or one that expands to more than :data:`MAX_EXPANSION` index terms (each
  would be an OR over thousands of terms: seconds of work for a useless result);
- fuzzy terms with more than two edits.

Range syntax (``[a TO z]``), ``*:*`` and single-quoted terms are not enabled: they
surprised more than they helped. Whoosh's parser is lenient (an unbalanced quote or a
dangling operator is read as a word or dropped); :func:`parse` then also returns how it
read the query so the user can see it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from whoosh import fields
from whoosh import query as wq
from whoosh.qparser import QueryParser, syntax
from whoosh.qparser import plugins as qplugins
from whoosh.query.qcore import _NullQuery

from indexer.analysis import english_analyzer, plain_analyzer, site_analyzer
from indexer.errors import N_, QueryError

#: Fields a user may name in a query, and the index fields each one searches. Every
#: engine indexes these fields with the analysers of :func:`query_schema`.
QUERY_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "title_plain"),
    "body": ("body", "body_plain"),
    "tag": ("tag",),
    "place": ("place",),
    "site": ("site",),
}
#: What an unfielded word searches, with boosts: a match in the title counts more. The
#: title's 5 was chosen with :data:`PROXIMITY_BOOST` on the tuning queries of ``python
#: -m bench.relevance`` (bench/RESULTS.md): a heavy title finds the article whose title
#: has four remembered words of five, and a strong proximity bonus keeps a run of
#: remembered body words above a title with one of them.
DEFAULT_FIELDS: dict[str, float] = {
    "title": 5.0,
    "title_plain": 5.0,
    "body": 1.0,
    "body_plain": 1.0,
}
#: How much an article gains when query words stand next to each other in a field (a
#: name such as ``white house`` or ``da nang``): the pair scored as one term (BM25 with
#: the pair's own idf, the same in every field) times this, added to the article's
#: score once, from its best field (the engine's proximity bonus). Chosen, with the
#: title weight above, on the tuning queries of ``python -m bench.relevance``
#: (bench/RESULTS.md).
PROXIMITY_BOOST = 7.0
#: Query words count as "next to each other" within this many positions (1: adjacent).
PROXIMITY_SLOP = 1
#: Only the first this many words of a query are paired: names are short, and each
#: pair reads the positions of both its words.
PROXIMITY_MAX_WORDS = 8

#: The fields that hold English articles, stemmed (the ``*_plain`` twins hold the rest).
ENGLISH_FIELDS = ("title", "body")

MAX_QUERY_CHARS = 500
MAX_WORDS = 40
MAX_EXPANSION = 300
MIN_PATTERN_PREFIX = 2
MAX_FUZZY_EDITS = 2

_TITLE_FIELDS = {"title", "title_plain"}
_BODY_FIELDS = {"body", "body_plain"}
_MULTI_TERM = (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.Regex, wq.TermRange, wq.Variations)


@dataclass
class ParsedQuery:
    """A checked Whoosh query and what the rest of the search needs to know about it."""

    text: str
    query: wq.Query
    #: How the parser read a malformed query, else None.
    interpreted_as: str | None = None
    #: ``(start, end)`` slices of the query text that are plain searchable words, for
    #: spelling suggestions.
    words: list[tuple[int, int]] = field(default_factory=list)
    #: For a query of plain words only (no operator, quote, ``+``, field or pattern):
    #: one query per word, over the default fields, and the word as typed. These are
    #: what the minimum-should-match ladder counts when no article has every word.
    #: Empty for a query with explicit operators: it stays strict.
    groups: list[tuple[str, wq.Query]] = field(default_factory=list)
    #: For the same plain queries: phrases of neighbouring words whose score is added
    #: to an article that has them side by side (see :data:`PROXIMITY_BOOST`), or None.
    proximity: wq.Query | None = None


class _FieldGuardPlugin(qplugins.Plugin):
    """Refuses field names users may not use, before Whoosh applies them."""

    def filters(self, parser):
        return [(self.check, 99)]

    def check(self, parser, group):
        for node in group:
            if isinstance(node, syntax.FieldnameNode) and node.fieldname not in QUERY_FIELDS:
                known = ", ".join(f"{name}:" for name in QUERY_FIELDS)
                raise QueryError(
                    N_(
                        'unknown field "%(field)s:" (the fields are %(known)s); '
                        "to search for the text itself, put it in quotes"
                    ),
                    field=node.fieldname,
                    known=known,
                )
            if isinstance(node, syntax.GroupNode):
                self.check(parser, node)
        return group


class _FieldAliasPlugin(qplugins.Plugin):
    """``title:x`` searches both title fields (stemmed English, plain other languages)."""

    def filters(self, parser):
        # After FieldsPlugin applies names (100), before MultifieldPlugin (110).
        return [(self.expand, 105)]

    def expand(self, parser, group):
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.expand(parser, node)
            elif node.has_fieldname and node.fieldname in QUERY_FIELDS:
                targets = QUERY_FIELDS[node.fieldname]
                if len(targets) > 1:
                    copies = []
                    for name in targets:
                        copy = _copy(node)
                        copy.set_fieldname(name, override=True)
                        copies.append(copy)
                    group[i] = syntax.OrGroup(copies)
        return group


def _copy(node):
    return copy.copy(node)


def query_schema() -> fields.Schema:
    """The searchable fields and the analysers that turn a query's words into index
    terms: English text stemmed, other languages folded, sites split at dots. An engine
    must index each field with the same analyser, so that a word typed in a query
    becomes the term the index holds."""
    english, plain = english_analyzer(), plain_analyzer()
    return fields.Schema(
        title=text_field(english),
        body=text_field(english),
        title_plain=text_field(plain),
        body_plain=text_field(plain),
        tag=text_field(plain),
        place=text_field(plain),
        site=text_field(site_analyzer()),
    )


def text_field(analyzer) -> fields.TEXT:
    """A searchable text field. A query word the analyser splits (``5.85``, ``1,000``,
    ``pic.twitter.com``, ``Putin's``) is searched as the phrase of its parts, so it
    finds that spelling rather than its parts anywhere in an article."""
    return fields.TEXT(analyzer=analyzer, multitoken_query="phrase")


def make_parser(schema: fields.Schema | None = None) -> QueryParser:
    """The query parser; ``schema`` defaults to :func:`query_schema` (an engine may pass
    its own, with the same analysers)."""
    schema = schema if schema is not None else query_schema()
    plugins = [
        qplugins.FieldsPlugin(remove_unknown=False),
        qplugins.WildcardPlugin(),
        qplugins.PhrasePlugin(),
        qplugins.GroupPlugin(),
        qplugins.OperatorsPlugin(AndNot=None, AndMaybe=None, Require=None),
        qplugins.BoostPlugin(),
        qplugins.FuzzyTermPlugin(),
        _FieldGuardPlugin(),
        _FieldAliasPlugin(),
        qplugins.MultifieldPlugin(list(DEFAULT_FIELDS), fieldboosts=DEFAULT_FIELDS),
    ]
    return QueryParser(None, schema, plugins=plugins)


def parse(parser: QueryParser, text: str, reader) -> ParsedQuery:
    """Parse and check ``text`` (already NFC); raise QueryError for what cannot run."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            N_("the query is too long (%(length)s characters; the limit is %(limit)s)"),
            length=len(text),
            limit=MAX_QUERY_CHARS,
        )
    if len(text.split()) > MAX_WORDS:
        raise QueryError(
            N_("the query has too many words (the limit is %(limit)s)"), limit=MAX_WORDS
        )
    try:
        q = parser.parse(text)
    except QueryError:
        raise
    except Exception as exc:  # noqa: BLE001 - Whoosh's parser errors are not user-fit
        raise QueryError(
            N_("the query could not be read: %(reason)s"), reason=" ".join(str(exc).split())
        ) from None
    if isinstance(q, _NullQuery):
        raise QueryError(N_("the query has nothing to search for"))
    q = _bound(q, reader)
    parsed = ParsedQuery(text=text, query=q, words=_plain_words(q, text))
    if _is_plain(text):
        parsed.groups = _word_groups(q, text)
        parsed.proximity = _proximity(parsed.groups)
    if _looks_malformed(text):
        rendered = render(q, text)
        if " ".join(rendered.split()) != " ".join(text.split()):
            parsed.interpreted_as = rendered
    return parsed


#: What makes a query explicit, and so strict: quotes, fields, groups, patterns, fuzzy
#: or boosted terms, ``+``/``-`` marks and the operators.
_EXPLICIT = re.compile(r'["():*?~^]|(?:^|\s)[+-]|(?:^|\s)(?:AND|OR|NOT)(?:\s|$)')


def _is_plain(text: str) -> bool:
    """Whether ``text`` is plain words, with nothing a user would mean strictly."""
    return not _EXPLICIT.search(text)


def _word_groups(q: wq.Query, text: str) -> list[tuple[str, wq.Query]]:
    """The per-word queries of a plain query: the children of its top-level AND (or the
    query itself for one word), each with the word as the user typed it."""
    children = list(q.children()) if type(q) is wq.And else [q]
    # The typed words with something searchable in them, in order: a word the
    # analyser split (a phrase of its parts) has no character span of its own.
    typed = [m for m in re.finditer(r"\S+", text) if re.search(r"\w", m.group(0))]
    groups = []
    cursor = 0
    for child in children:
        starts = [
            leaf.startchar
            for leaf in child.leaves()
            if getattr(leaf, "startchar", None) is not None
        ]
        at = min(starts) if starts else cursor
        match = next((m for m in typed if m.end() > at), None)
        word = match.group(0) if match else str(child)
        if match:
            cursor = match.end()
        groups.append((word, child))
    return groups


def _field_terms(q: wq.Query) -> dict[str, str]:
    """``{field: term}`` of a word's query where it is one plain term per field."""
    leaves = [q] if q.is_leaf() else list(q.children())
    out = {}
    for leaf in leaves:
        if type(leaf) is wq.Term and leaf.fieldname in DEFAULT_FIELDS:
            out[leaf.fieldname] = leaf.text
    return out


def _proximity(groups: list[tuple[str, wq.Query]]) -> wq.Query | None:
    """Phrases of each two words that follow each other in the query, per field.

    In each field the words the field indexes are paired in query order, so a stop word
    the English fields leave out (``bank of america``) does not break the pair there.
    """
    if len(groups) < 2 or PROXIMITY_BOOST <= 0:
        return None
    per_word = [_field_terms(q) for _word, q in groups[:PROXIMITY_MAX_WORDS]]
    phrases: list[wq.Query] = []
    for fieldname in DEFAULT_FIELDS:
        terms = [t[fieldname] for t in per_word if fieldname in t]
        for first, second in zip(terms, terms[1:], strict=False):
            phrases.append(
                wq.Phrase(
                    fieldname,
                    [first, second],
                    slop=PROXIMITY_SLOP,
                    boost=PROXIMITY_BOOST,
                )
            )
    return wq.Or(phrases) if phrases else None


def _bound(q: wq.Query, reader) -> wq.Query:
    """Refuse or tame the parts of a query that would expand without limit."""
    if isinstance(q, wq.Every):
        raise QueryError(N_("* alone matches everything: leave the query empty to browse"))
    if isinstance(q, wq.FuzzyTerm):
        if q.maxdist > MAX_FUZZY_EDITS:
            raise QueryError(
                N_("%(term)s: a fuzzy term allows at most %(limit)s edits"),
                term=f"{q.text}~{q.maxdist}",
                limit=MAX_FUZZY_EDITS,
            )
        if q.prefixlength < 1 and len(q.text) > 1:
            # Spelling mistakes rarely touch the first letter; requiring it keeps the
            # lexicon walk short.
            q = wq.FuzzyTerm(q.fieldname, q.text, q.boost, q.maxdist, 1, q.constantscore)
    if isinstance(q, wq.Prefix | wq.Wildcard):
        literal = re.split(r"[*?]", q.text, maxsplit=1)[0]
        if len(literal) < MIN_PATTERN_PREFIX:
            shown = q.text + ("*" if isinstance(q, wq.Prefix) else "")
            raise QueryError(
                N_(
                    "%(pattern)s: a wildcard needs at least %(limit)s letters before the "
                    "first * or ?"
                ),
                pattern=shown,
                limit=MIN_PATTERN_PREFIX,
            )
    if isinstance(q, _MULTI_TERM):
        count = sum(1 for _ in islice(q._btexts(reader), MAX_EXPANSION + 1))
        if count > MAX_EXPANSION:
            raise QueryError(
                N_("%(pattern)s matches too many words (more than %(limit)s); make it longer"),
                pattern=_pattern_text(q),
                limit=MAX_EXPANSION,
            )
        return q
    if q.is_leaf():
        return q
    return q.apply(lambda sub: _bound(sub, reader))


def _pattern_text(q: wq.Query) -> str:
    if isinstance(q, wq.Prefix):
        return q.text + "*"
    if isinstance(q, wq.FuzzyTerm):
        return f"{q.text}~"
    return getattr(q, "text", str(q))


def _plain_words(q: wq.Query, text: str) -> list[tuple[int, int]]:
    """Slices of ``text`` that are single searchable words in the title/body fields."""
    spans = set()
    for leaf in _positive_leaves(q):
        if (
            type(leaf) is wq.Term
            and leaf.fieldname in DEFAULT_FIELDS
            and getattr(leaf, "startchar", None) is not None
        ):
            start, end = leaf.startchar, leaf.endchar
            if re.fullmatch(r"\w+", text[start:end]):
                spans.add((start, end))
    return sorted(spans)


def _positive_leaves(q: wq.Query):
    """Leaves of ``q`` outside any NOT: the terms a matching article contains."""
    if isinstance(q, wq.Not):
        return
    if isinstance(q, wq.AndNot):
        yield from _positive_leaves(q.a)
        return
    if q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from _positive_leaves(child)


def positive_terms(q: wq.Query, reader) -> dict[str, set[str]]:
    """``{field: terms}`` a matching article may contain, wildcards expanded: what the
    snippet builder marks."""
    out: dict[str, set[str]] = {}
    pairs: Iterator[tuple[str, str | bytes]]
    for leaf in _positive_leaves(q):
        if isinstance(leaf, _MULTI_TERM):
            pairs = ((leaf.fieldname, t) for t in islice(leaf._btexts(reader), MAX_EXPANSION))
        elif isinstance(leaf, wq.Phrase):
            pairs = ((leaf.fieldname, w) for w in leaf.words)
        elif isinstance(leaf, wq.Term):
            pairs = iter([(leaf.fieldname, leaf.text)])
        else:
            continue
        for fieldname, term in pairs:
            if isinstance(term, bytes):
                term = term.decode("utf-8")
            out.setdefault(fieldname, set()).add(term)
    return out


# -- Showing how a query was read --------------------------------------------------------

_OPERATOR = r"(?:AND|OR|NOT)"


def _looks_malformed(text: str) -> bool:
    """Whether Whoosh had to guess: unbalanced quotes or brackets, dangling operators."""
    if text.count('"') % 2:
        return True
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return True
    if depth:
        return True
    words = text.split()
    if words and (words[-1] in ("AND", "OR", "NOT") or words[0] in ("AND", "OR")):
        return True
    if re.search(rf"(?:^|\s){_OPERATOR}\s+(?:AND|OR)(?:\s|$)", text):
        return True
    return bool(re.search(r"\w:(?:\s|$)", text))


def _user_field(fieldnames: set[str]) -> str | None:
    """The field a user would have typed for a group of index fields (None: unfielded)."""
    if fieldnames <= _TITLE_FIELDS:
        return "title"
    if fieldnames <= _BODY_FIELDS:
        return "body"
    if fieldnames <= set(DEFAULT_FIELDS):
        return None
    if len(fieldnames) == 1:
        return next(iter(fieldnames))
    return None


def render(q: wq.Query, text: str) -> str:
    """The query in user syntax, as the parser read it (words as the user typed them)."""
    return _render(q, text, top=True)


def _render(q: wq.Query, text: str, top: bool = False) -> str:
    if isinstance(q, wq.Or) and _is_field_group(q):
        leaves = list(q.children())
        leaf = next((c for c in leaves if c.fieldname not in ENGLISH_FIELDS), leaves[0])
        return _render_leaf(leaf, text, _user_field({c.fieldname for c in leaves}))
    if isinstance(q, wq.Not):
        return "NOT " + _render(q.query, text)
    if isinstance(q, wq.AndNot):
        return f"{_render(q.a, text)} NOT {_render(q.b, text)}"
    if isinstance(q, wq.And | wq.Or):
        joiner = " " if isinstance(q, wq.And) else " OR "
        inner = joiner.join(_render(c, text) for c in q.children())
        return inner if top else f"({inner})"
    if q.is_leaf():
        return _render_leaf(q, text, _user_field({q.fieldname}))
    return str(q)


def _is_field_group(q: wq.Or) -> bool:
    """An OR of one word or phrase over several fields, as the parser expands it."""
    children = list(q.children())
    if not children or not all(c.is_leaf() for c in children):
        return False
    first = children[0]
    kinds = {type(c) for c in children}
    if len(kinds) != 1:
        return False
    if isinstance(first, wq.Phrase):
        return len({c.slop for c in children}) == 1
    spans = {(getattr(c, "startchar", None), getattr(c, "endchar", None)) for c in children}
    return len(spans) == 1 and None not in next(iter(spans))


def _render_leaf(q: wq.Query, text: str, user_field: str | None) -> str:
    prefix = f"{user_field}:" if user_field else ""
    if isinstance(q, wq.Phrase):
        slop = f"~{q.slop}" if q.slop > 1 else ""
        return f'{prefix}"{" ".join(q.words)}"{slop}'
    if isinstance(q, wq.Prefix):
        return f"{prefix}{q.text}*"
    if isinstance(q, wq.FuzzyTerm):
        edits = "" if q.maxdist == 1 else str(q.maxdist)
        return f"{prefix}{q.text}~{edits}"
    if isinstance(q, wq.Wildcard):
        return f"{prefix}{q.text}"
    start, end = getattr(q, "startchar", None), getattr(q, "endchar", None)
    word = text[start:end] if start is not None and end is not None else q.text
    if not re.fullmatch(r"[\w.'’-]+", word):
        word = getattr(q, "text", word)
    return f"{prefix}{word}"
