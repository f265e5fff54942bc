"""The interface is completely translated: no template text left unmarked, no error
message a reader can see left unmarked, no message of the code or templates missing,
empty or fuzzy in the Vietnamese catalogue, and the shipped compiled catalogue matches
its source."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
#: The core: its error messages are marked with ``N_`` and shown translated by the web.
INDEXER = ROOT / "indexer"
TEMPLATES = WEB / "templates"
CATALOG = WEB / "translations"
LANGUAGES = ["vi"]
#: Words that are the same in every language: names of formats and protocols.
UNTRANSLATED_WORDS = {"RIS", "BibTeX", "CSL-JSON", "CSV", "JSON", "HTTP"}
#: Attributes whose values people read (screen readers read aria-label aloud).
_HUMAN_ATTRIBUTES = re.compile(r'\b(aria-label|title|placeholder|alt)="([^"]*)"')
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_ENTITY = re.compile(r"&[a-z]+;|&#\d+;")


def unmarked_text(source: str) -> list[str]:
    """Human text in a template that is not inside ``{{ }}``/``{% %}``: what
    ``pybabel extract`` could never see, so what would stay English.

    The template's literal parts are joined, each Jinja expression or statement
    replaced by a NUL, so that a tag split by ``{% if %}`` is still one tag."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    parts: list[str] = []
    for _line, kind, value in env.lex(source):
        if kind == "data":
            parts.append(value)
        elif not parts or parts[-1] != "\0":
            parts.append("\0")
    literal = "".join(parts)
    found = []
    for tag in _TAG.findall(literal):
        for _name, attribute in _HUMAN_ATTRIBUTES.findall(tag):
            if re.search(r"[^\W\d_]", attribute):
                found.append(attribute)
    text = _ENTITY.sub(" ", _TAG.sub(" ", literal))
    for word in re.findall(r"[^\W\d_][\w-]*", text):
        if word not in UNTRANSLATED_WORDS:
            found.append(word)
    return found


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_template_text_is_marked_for_translation(template):
    assert unmarked_text((TEMPLATES / template).read_text("utf-8")) == []


def test_the_check_sees_unmarked_text():
    assert unmarked_text("<p>Hello {{ name }}</p>") == ["Hello"]
    assert unmarked_text('<ul aria-label="Tags"></ul>') == ["Tags"]
    assert unmarked_text("<p>{{ _('Hello') }} · RIS</p>") == []


def extracted() -> dict:
    """Every message the code and templates ask for, as ``pybabel extract`` sees it
    with the project's babel.cfg over ``web`` and ``indexer`` (keywords ``_``, ``N_``,
    ``ngettext``...)."""
    keywords = dict(DEFAULT_KEYWORDS, N_=None)
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    messages = {}
    for folder in (WEB, INDEXER):
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(folder), method_map, keywords=keywords
        ):
            key = message if isinstance(message, str) else message[0]
            messages[key] = message
    return messages


def catalogue(language: str):
    with (CATALOG / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    messages = extracted()
    assert len(messages) > 80  # the interface's messages, not an empty extraction
    po = catalogue(language)
    problems = []
    for key in messages:
        entry = po.get(key)
        if entry is None:
            problems.append(("missing", key))
        elif entry.fuzzy:
            problems.append(("fuzzy", key))
        elif not all(s.strip() for s in (entry.string if entry.pluralizable else [entry.string])):
            problems.append(("empty", key))
    assert not problems, f"run `make i18n-update` and translate: {problems}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    for entry in catalogue(language):
        if not entry.id:
            continue
        ids = entry.id if entry.pluralizable else (entry.id,)
        strings = entry.string if entry.pluralizable else (entry.string,)
        wanted = set(re.findall(r"%\(\w+\)s", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)s", string)) == wanted, entry.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_current(language):
    with (CATALOG / language / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
    source = {_key(m.id): _key(m.string) for m in catalogue(language) if m.id and not m.fuzzy}
    assert compiled == source, "run `make i18n-compile`"


def _key(value):
    return value if isinstance(value, str) else tuple(value)


def _subclasses(cls: type) -> list[type]:
    return [cls] + [s for sub in cls.__subclasses__() for s in _subclasses(sub)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_core_error_titles_and_fixed_messages_are_translated(language):
    """The web shows an ArchiveError's title and public message in the page's language:
    each must be in the catalogue (marked with ``N_`` in indexer/errors.py)."""
    import web  # noqa: F401 - imports every module that defines an error class
    from indexer.errors import ArchiveError

    po = catalogue(language)
    missing = []
    for cls in _subclasses(ArchiveError):
        texts = [cls.title]
        probe = cls.__new__(cls)
        Exception.__init__(probe, "\0")
        fixed = cls.public_message(probe)
        if fixed != "\0":  # not the instance's own message, so a fixed text
            texts.append(fixed)
        for text in texts:
            entry = po.get(text)
            if entry is None or not entry.string or entry.fuzzy:
                missing.append((cls.__name__, text))
    assert not missing, f"mark them with N_ and translate: {missing}"


#: Errors whose own message only an operator reads, in English by choice: a setting
#: that cannot be used (it names the server's variables), and failures met only while
#: writing the index, which the English CLI does. The web shows readers their
#: translated title.
OPERATOR_ERRORS = {"ConfigError", "IndexLocked", "WriteFailed", "TypesenseIndexError"}


@functools.cache
def reader_errors() -> frozenset[str]:
    """The ArchiveError classes whose message the web shows readers as it was built:
    every one without a fixed public message, except :data:`OPERATOR_ERRORS`."""
    import web  # noqa: F401 - imports every module that defines an error class
    from indexer.errors import ArchiveError

    return {
        cls.__name__
        for cls in _subclasses(ArchiveError)
        if cls.public_message is ArchiveError.public_message and cls.__name__ not in OPERATOR_ERRORS
    }


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    return None


def _is_marked(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and _name(node.func) in {"N_", "_"}


def unmarked_errors(
    source: str, classes: frozenset[str] | set[str], constants: frozenset[str] = frozenset()
) -> list[str]:
    """Where ``source`` builds one of ``classes`` with a message that is not marked for
    the catalogue: not ``N_("...")`` or ``_("...")``, nor a constant (or a dict of
    them) assigned from marked literals in the same module or among ``constants``."""
    tree = ast.parse(source)
    marked = set(constants)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            value = node.value
            values = value.values if isinstance(value, ast.Dict) else [value]
            if values and all(_is_marked(v) for v in values):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                marked.update(_name(t) for t in targets)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _name(node.func) in classes):
            continue
        first = node.args[0] if node.args else None
        if first is None or not (_is_marked(first) or _name(first) in marked):
            found.append(f"line {node.lineno}: {ast.unparse(node)[:100]}")
    return found


@functools.cache
def _core_constants() -> frozenset[str]:
    """Names assigned from marked literals anywhere in the core (``params.UNKNOWN``),
    which other modules import."""
    names = set()
    for path in INDEXER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Assign) and _is_marked(node.value):
                names.update(n for n in map(_name, node.targets) if n)
    return frozenset(names)


@pytest.mark.parametrize(
    "module",
    sorted(str(p.relative_to(ROOT)) for folder in (INDEXER, WEB) for p in folder.rglob("*.py")),
)
def test_error_messages_a_reader_sees_are_marked(module):
    """A QueryError, InvalidRequest, ParamError or BackendUnavailable built from an
    f-string would reach a Vietnamese page in English: each must be a marked template
    (its translation is then checked by :func:`test_every_message_is_translated`)."""
    source = (ROOT / module).read_text("utf-8")
    found = unmarked_errors(source, reader_errors(), _core_constants())
    assert not found, f"build the message with N_(template) and named values: {found}"


def test_the_check_sees_unmarked_errors():
    classes = {"QueryError"}
    assert unmarked_errors('raise QueryError(f"bad {q}")', classes) == [
        "line 1: QueryError(f'bad {q}')"
    ]
    assert unmarked_errors('raise QueryError("bad")', classes) != []
    assert unmarked_errors('raise QueryError(N_("bad %(q)s"), q=q)', classes) == []
    assert unmarked_errors('BAD = N_("bad")\nraise QueryError(BAD)', classes) == []
    assert unmarked_errors('M = {"a": N_("a")}\nraise QueryError(M[k])', classes) == []
    assert "BackendUnavailable" in reader_errors() and "ConfigError" not in reader_errors()
