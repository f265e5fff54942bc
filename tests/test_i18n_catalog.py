"""The interface is completely translated: no template text left unmarked, no message
of the code or templates missing, empty or fuzzy in the Vietnamese catalogue, and the
shipped compiled catalogue matches its source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
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
    with the project's babel.cfg (keywords ``_``, ``N_``, ``ngettext``...)."""
    keywords = dict(DEFAULT_KEYWORDS, N_=None)
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    messages = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, keywords=keywords
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
    each must be in the catalogue (listed in web/messages.py)."""
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
    assert not missing, f"list them in web/messages.py and translate: {missing}"
