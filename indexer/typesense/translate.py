"""The parsed query (Whoosh syntax, parsed by :mod:`indexer.query`) in Typesense's terms.

The query is parsed by the same parser as on the Whoosh backend, so both read it the
same way and give the same errors. The parsed query searches two kinds of fields: the
stemmed ones of English articles and the folded ones of other articles. Typesense gets
one search per kind (``english:true`` / ``english:false``): the query is projected on
the kind, keeping the terms of that kind's fields (a stop word, say, is only in the
folded fields, so ``the election`` finds no English article, as on Whoosh).

Matching is exact, through ``filter_by``: a word is a token filter on the analysed
fields (``(title_terms:elect || body_terms:elect)``), a tag/place/site word or phrase
an exact filter on that field's grams, OR and AND are ``||`` and ``&&``. Phrases and
the exclusion of words or phrases go in ``q`` (Typesense has neither phrase nor
negated token filters), together with the words, which is also what ranks the hits.
``q`` never matches less than the filter: typo tolerance, prefix search, dropping
tokens and splitting/joining words are all switched off.

What Typesense cannot honour is refused with :class:`QueryError` naming the construct,
never silently changed: wildcards, fuzzy terms, phrases with a slop, phrases inside an
OR, NOT of a group or of a field-restricted word, and an exclusion with nothing to
search for.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from whoosh import query as wq
from whoosh.query.qcore import _NullQuery

from indexer.errors import N_, QueryError
from indexer.query import DEFAULT_FIELDS
from indexer.typesense.documents import MAX_GRAM

#: A query construct this engine cannot run (a regex, a range...), named as parsed.
NOT_SUPPORTED = N_("%(query)s: this kind of query is not supported on this archive (Typesense)")
NO_WILDCARDS = N_("%(pattern)s: wildcards are not supported on this archive (Typesense)")

#: Text fields (the user's ``title:``/``body:``) and the Typesense field of each.
TEXT_FIELDS = {"title": "title_terms", "body": "body_terms"}
#: Keyword-like text fields and their gram field.
GRAM_FIELDS = {"tag": "tag_grams", "place": "place_grams", "site": "site_grams"}
#: The index fields of each kind of article, and the field the user means by them.
_KIND_FIELDS = {
    True: {"title": "title", "body": "body"},
    False: {"title_plain": "title", "body_plain": "body"},
}
_SHARED = {"tag", "place", "site"}
#: ``drop_tokens_threshold`` that makes Typesense try every run of words it can drop
#: (dropping from the right, then from the left) before it stops.
DROP_EVERY_WORD = 1_000_000_000
#: Typesense's largest field weight (its ``FIELD_MAX_WEIGHT``: weights are 0 to 15).
TYPESENSE_MAX_WEIGHT = 15
#: Relevance weights: the Whoosh backend's field boosts, in the whole numbers Typesense
#: takes, scaled so the largest is its largest (5 against 1 becomes 15 against 3).
WEIGHTS = {
    field: max(
        1, round(DEFAULT_FIELDS[field] * TYPESENSE_MAX_WEIGHT / max(DEFAULT_FIELDS.values()))
    )
    for field in ("title", "body")
}


# -- A small boolean tree, projected on one kind of article ------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    fields: frozenset[str]


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    fields: frozenset[str]


@dataclass(frozen=True)
class Node:
    op: str  # "and", "or", "not"
    children: tuple


TRUE = Node("true", ())
FALSE = Node("false", ())


def _node(op: str, children: list) -> object:
    if op == "and":
        if any(c is FALSE for c in children):
            return FALSE
        children = [c for c in children if c is not TRUE]
        if not children:
            return TRUE
    elif op == "or":
        if any(c is TRUE for c in children):
            return TRUE
        children = [c for c in children if c is not FALSE]
        if not children:
            return FALSE
    flat: list[object] = []
    for child in children:
        if isinstance(child, Node) and child.op == op:
            flat.extend(child.children)
        else:
            flat.append(child)
    return flat[0] if len(flat) == 1 else Node(op, tuple(flat))


def project(q: wq.Query, english: bool):
    """The part of ``q`` that articles of one kind can match (TRUE/FALSE when none)."""
    if isinstance(q, _NullQuery):
        return TRUE
    if isinstance(q, wq.Not):
        inner = project(q.query, english)
        if inner is TRUE:
            return FALSE
        if inner is FALSE:
            return TRUE
        return Node("not", (inner,))
    if isinstance(q, wq.AndNot):
        return _node("and", [project(q.a, english), project(wq.Not(q.b), english)])
    if isinstance(q, wq.Or):
        return _merge_fields(_node("or", [project(c, english) for c in q.children()]))
    if isinstance(q, wq.And):
        return _node("and", [project(c, english) for c in q.children()])
    if isinstance(q, wq.Term | wq.Phrase):
        if q.fieldname in _SHARED:
            user_field = q.fieldname
        else:
            user_field = _KIND_FIELDS[english].get(q.fieldname)
            if user_field is None:
                return FALSE  # a field only the other kind of article has
        if isinstance(q, wq.Phrase):
            if q.slop > 1:
                raise QueryError(
                    N_(
                        "%(phrase)s: phrases with a slop (~N) are not supported on this "
                        "archive (Typesense); remove the ~N"
                    ),
                    phrase=f'"{" ".join(q.words)}"~{q.slop}',
                )
            words = tuple(w.decode() if isinstance(w, bytes) else w for w in q.words)
            if len(words) == 1:
                return Word(words[0], frozenset([user_field]))
            return Phrase(words, frozenset([user_field]))
        text = q.text.decode() if isinstance(q.text, bytes) else q.text
        return Word(text, frozenset([user_field]))
    raise QueryError(NOT_SUPPORTED, query=str(q))


def _merge_fields(node):
    """``title:x OR body:x`` (how the parser spells an unfielded word) -> one Word with
    both fields, so it can become a ``q`` token."""
    if not (isinstance(node, Node) and node.op == "or"):
        return node
    merged: dict[tuple, set[str]] = {}
    rest = []
    for child in node.children:
        if isinstance(child, Word | Phrase) and child.fields <= set(TEXT_FIELDS):
            ident = (type(child), child.text if isinstance(child, Word) else child.words)
            merged.setdefault(ident, set()).update(child.fields)
        else:
            rest.append(child)
    children = []
    for (kind, value), fields in merged.items():
        children.append(kind(value, frozenset(fields)))
    return _node("or", children + rest)


# -- To Typesense ----------------------------------------------------------------------


@dataclass
class KindQuery:
    """One kind's search: ``q`` (``*`` when it has no words or phrases), the fields it
    searches, and the exact filter. ``matches_nothing``: skip the search."""

    q: str = "*"
    query_by: list[str] = field(default_factory=lambda: list(TEXT_FIELDS))
    filter_by: str = ""
    matches_nothing: bool = False
    #: The parts of ``q``: the words (each also an exact filter), and the phrases and
    #: exclusions (``"a b"``, ``-x``), which exist only in ``q``. See :func:`one_search`.
    words: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    #: Let Typesense drop words of ``q`` (one search for both kinds, see
    #: :func:`one_search`); the filter still decides what matches.
    drop_words: bool = False

    @property
    def ranked(self) -> bool:
        return self.q != "*"

    def params(self) -> dict:
        params: dict[str, str | int] = {
            "q": self.q,
            "query_by": ",".join(TEXT_FIELDS[f] for f in self.query_by),
            "query_by_weights": ",".join(str(WEIGHTS[f]) for f in self.query_by),
        }
        if self.drop_words:
            params["drop_tokens_threshold"] = DROP_EVERY_WORD
        return params


def translate(q: wq.Query, english: bool) -> KindQuery:
    """The Typesense search for one kind of article; raises QueryError."""
    tree = project(q, english)
    if tree is FALSE:
        return KindQuery(matches_nothing=True)
    if tree is TRUE:
        return KindQuery()
    clauses = list(tree.children) if isinstance(tree, Node) and tree.op == "and" else [tree]
    # ``q`` searches one set of fields for all its parts: the fields of its phrases and
    # exclusions (they exist only in q), which must agree.
    q_only = [c for c in clauses if _text_phrase(c) or _negated_text(c)]
    field_sets = {_target(c).fields for c in q_only}
    if len(field_sets) > 1:
        raise QueryError(
            N_(
                "phrases or NOT restricted to different fields (title: and body:) cannot be "
                "combined on this archive (Typesense)"
            )
        )
    q_fields = next(iter(field_sets)) if field_sets else frozenset(TEXT_FIELDS)
    positive: list[str] = []
    negative: list[str] = []
    filters: list[str] = []
    for clause in clauses:
        if isinstance(clause, Word) and clause.fields <= set(TEXT_FIELDS):
            filters.append(_filter(clause))
            # A word searched in fewer fields than q still ranks; one searched in more
            # would be narrowed by q, so it stays in the filter only.
            if clause.fields <= q_fields:
                positive.append(clause.text)
        elif _text_phrase(clause):
            positive.append(_quoted(clause.words))
        elif _negated_text(clause):
            target = _target(clause)
            negative.append(
                "-" + (target.text if isinstance(target, Word) else _quoted(target.words))
            )
        else:
            filters.append(_filter(clause))
    if negative and not positive:
        raise QueryError(
            N_(
                "NOT needs a word or phrase to search for beside it on this archive "
                "(Typesense), for example: flood NOT storm"
            )
        )
    query = KindQuery(
        q=" ".join(positive + negative) if positive else "*",
        query_by=[f for f in TEXT_FIELDS if f in q_fields],
        filter_by=" && ".join(filters),
        words=tuple(w for w in positive if not w.startswith('"')),
        fixed=tuple(w for w in positive if w.startswith('"')) + tuple(negative),
    )
    return query


def _text_phrase(clause) -> bool:
    return isinstance(clause, Phrase) and clause.fields <= set(TEXT_FIELDS)


def _negated_text(clause) -> bool:
    """A NOT of a word or phrase in the title/body fields (goes in q as ``-x``)."""
    if not (isinstance(clause, Node) and clause.op == "not"):
        return False
    target = clause.children[0]
    if isinstance(target, Word | Phrase) and target.fields <= set(TEXT_FIELDS):
        if target.fields != set(TEXT_FIELDS):
            raise QueryError(
                N_(
                    "NOT with a field (NOT title:x or NOT body:x) is not supported on this "
                    "archive (Typesense); use NOT x to exclude it anywhere"
                )
            )
        return True
    return False


def _target(clause):
    return clause.children[0] if isinstance(clause, Node) else clause


def _quoted(words: tuple[str, ...]) -> str:
    return '"' + " ".join(words) + '"'


def _filter(node) -> str:
    """An exact ``filter_by`` expression for a word, a tag/place/site phrase, or a
    boolean group of them."""
    if isinstance(node, Word) and node.fields <= set(TEXT_FIELDS):
        parts = [f"{TEXT_FIELDS[f]}:{_value(node.text)}" for f in sorted(node.fields)]
        return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"
    if isinstance(node, Word | Phrase) and node.fields <= set(GRAM_FIELDS):
        words = (node.text,) if isinstance(node, Word) else node.words
        if len(words) > MAX_GRAM:
            raise QueryError(
                N_(
                    "%(phrase)s: a tag, place or site phrase may have at most %(limit)s "
                    "words on this archive (Typesense)"
                ),
                phrase=_quoted(words),
                limit=MAX_GRAM,
            )
        (name,) = node.fields
        return f"{GRAM_FIELDS[name]}:={_value(' '.join(words))}"
    if isinstance(node, Phrase):
        raise QueryError(
            N_(
                "%(phrase)s: a phrase inside OR (or NOT) is not supported on this "
                "archive (Typesense); search for the phrase on its own"
            ),
            phrase=_quoted(node.words),
        )
    if isinstance(node, Node) and node.op in ("and", "or"):
        joiner = " && " if node.op == "and" else " || "
        return "(" + joiner.join(_filter(c) for c in node.children) + ")"
    if isinstance(node, Node) and node.op == "not":
        target = node.children[0]
        if isinstance(target, Word | Phrase) and target.fields <= set(GRAM_FIELDS):
            words = (target.text,) if isinstance(target, Word) else target.words
            (name,) = target.fields
            return f"{GRAM_FIELDS[name]}:!={_value(' '.join(words))}"
        raise QueryError(
            N_(
                "NOT inside OR, or NOT of a group, is not supported on this archive "
                "(Typesense); exclude single words or phrases: flood NOT storm"
            )
        )
    raise QueryError(
        N_("%(part)s: this part of the query is not supported on this archive"), part=str(node)
    )


def _value(text: str) -> str:
    """A filter value: backticks keep commas, spaces and brackets literal."""
    return "`" + text.replace("`", "") + "`"


def refuse_unsupported(q: wq.Query) -> None:
    """Refuse, naming it, a construct Typesense cannot honour (before anything runs)."""
    if isinstance(q, wq.Prefix):
        raise QueryError(NO_WILDCARDS, pattern=f"{q.text}*")
    if isinstance(q, wq.Wildcard):
        raise QueryError(NO_WILDCARDS, pattern=q.text)
    if isinstance(q, wq.FuzzyTerm):
        raise QueryError(
            N_(
                "%(term)s: fuzzy terms are not supported on this archive (Typesense); "
                "its typo tolerance is switched off so that counts are exact"
            ),
            term=f"{q.text}~",
        )
    if isinstance(q, wq.Regex | wq.TermRange | wq.Variations):
        raise QueryError(NOT_SUPPORTED, query=str(q))
    if not q.is_leaf():
        for child in q.children():
            refuse_unsupported(child)


# -- Both kinds in one search ----------------------------------------------------------


#: The searches of one query: one keyed None, or one per kind of article keyed by it.
Searches = dict[bool | None, KindQuery]


def one_search(kinds: dict[bool, KindQuery]) -> Searches:
    """The searches for the kinds of article ``kinds`` projected: one when it can be,
    keyed None, else one per kind (keyed by kind), each with its ``english:`` clause.

    Why a query needs two at all: an English article's fields hold stems and another
    article's folded words, so ``elections`` is ``elect`` on one side and
    ``elections`` on the other, and Typesense has one ``q``. What matches is decided by
    ``filter_by``, where the two sides simply become
    ``(english:true && ...) || (english:false && ...)``. ``q`` only has to match no
    fewer articles than the filter, and rank them: it holds both sides' words, English
    ones first, shared ones in the middle, the others last, and Typesense is told to
    drop words when an article lacks some (0.24.1 drops from the right, then from the
    left, so every article of one kind is found through that kind's run of words; the
    filter then keeps exactly the right ones). Phrases and exclusions (``"a b"``,
    ``-x``) cannot be dropped nor filtered (Typesense's filters have no phrase and no
    negated word): when they differ between the two sides, the kinds stay two searches.
    """
    scoped: Searches = {
        english: replace(kq, filter_by=_scope(english, kq.filter_by))
        for english, kq in kinds.items()
    }
    if len(kinds) < 2:
        return scoped
    en, other = kinds[True], kinds[False]
    english, others = scoped[True].filter_by, scoped[False].filter_by
    if en.query_by != other.query_by or sorted(en.fixed) != sorted(other.fixed):
        return scoped
    if en.ranked != other.ranked:
        return scoped  # words on one side only: q would lose the other kind
    shared = [w for w in en.words if w in other.words]
    words = (
        [w for w in en.words if w not in shared]
        + shared
        + [w for w in other.words if w not in shared]
    )
    either = f"({english}) || ({others})"
    folded = KindQuery(
        q=" ".join(words + list(en.fixed)) if en.ranked else "*",
        query_by=list(en.query_by),
        filter_by="" if not (en.filter_by or other.filter_by) else either,
        words=tuple(words),
        fixed=en.fixed,
        drop_words=len(words) > len(shared),
    )
    return {None: folded}


def _scope(english: bool, filter_by: str) -> str:
    kind = f"english:{str(english).lower()}"
    return f"{kind} && {filter_by}" if filter_by else kind
