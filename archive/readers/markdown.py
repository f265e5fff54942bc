"""Markdown and plain text, with optional YAML front matter (Jekyll, Hugo, Obsidian,
pandoc notes): one article per file.

The front matter is split off with python-frontmatter and loaded with PyYAML directly,
so that an invalid block is reported with the line of the file it is on. Its fields are
mapped like a record's (``title``, ``date``, ``tags``, ``author``...). The title is the
front matter's, else the first ``# `` heading.

The body keeps its paragraphs and loses only the Markdown syntax that would get in the
way of search and snippets: heading hashes, emphasis marks, link targets, list markers,
code fences, rules. A full Markdown parser would be more exact, but for text that is
indexed rather than rendered these few substitutions suffice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import frontmatter
import yaml

from archive.article import Article, Problem, clean_line
from archive.readers.base import ReadContext, make_article, read_text
from archive.readers.fields import MappedFields, map_fields

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S+.*$")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

#: Inline syntax, applied in order: images and links keep their text, not their
#: targets; emphasis and code keep their content.
_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"`+([^`]+?)`+"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|~])"), r"\1"),
]


@dataclass
class Block:
    """A paragraph of the text, or a heading (``level`` 1-6)."""

    text: str
    level: int = 0


def read_markdown(ctx: ReadContext) -> Iterator[Article | Problem]:
    """The one article in a Markdown or plain-text file."""
    text = read_text(ctx).lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    try:
        metadata, content = split_front_matter(text)
    except ValueError as exc:
        yield Problem(ctx.relpath, str(exc))
        return

    fields = map_fields(metadata, ctx.mapping, body_elsewhere=True) if metadata else MappedFields()
    values = dict(fields.values)
    values.pop("body", None)  # the body is the Markdown text, whatever the front matter says
    title = clean_line(str(values.pop("title", "")))

    blocks = markdown_blocks(content)
    heading = next((b for b in blocks if b.level == 1), None)
    if heading is not None and (not title or clean_line(heading.text) == title):
        # The heading is the title: do not repeat it as the first line of the body.
        title = title or heading.text
        blocks.remove(heading)
    url = str(values.pop("url", ""))
    if not re.match(r"https?://", url.strip()):
        url = ""  # a site generator's relative permalink is no address of the article

    article = make_article(
        ctx,
        title=title,
        body="\n\n".join(b.text for b in blocks),
        url=url,
        **values,  # type: ignore[arg-type]
    )
    article.warnings.extend(fields.warnings)
    yield article


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """``(metadata, content)``; metadata is empty where there is no YAML front matter.

    Raises ``ValueError`` with the file's line number for front matter that is not
    valid YAML or never closed.
    """
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        return {}, text
    try:
        raw, content = handler.split(text)
    except ValueError:
        raise ValueError("front matter opened with --- on line 1 is never closed") from None
    try:
        metadata = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        # Lines before the YAML text: the opening ``---`` (and any newline it took).
        opening = handler.FM_BOUNDARY.match(text)
        offset = text.count("\n", 0, opening.end()) if opening else 0
        raise ValueError(_yaml_error(exc, offset)) from None
    if not isinstance(metadata, dict):
        # ``---`` used as a rule at the top of plain Markdown, not front matter.
        return {}, text
    return {str(k): v for k, v in metadata.items()}, content


def _yaml_error(exc: yaml.YAMLError, offset: int) -> str:
    """One line naming the file's line (YAML counts from 0 within the front matter)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    where = f" at line {mark.line + offset + 1}, column {mark.column + 1}" if mark else ""
    reason = f"front matter is not valid YAML{where}: {problem}"
    if context and context_mark is not None:
        reason += f" ({context} that starts at line {context_mark.line + offset + 1})"
    return " ".join(reason.split())


def markdown_blocks(markdown: str) -> list[Block]:
    """The text of a Markdown document as paragraphs and headings, syntax removed."""
    blocks: list[Block] = []
    lines: list[str] = []
    fence = ""

    def end_paragraph(level: int = 0) -> None:
        text = " ".join(lines) if not fence else "\n".join(lines)
        lines.clear()
        if text.strip():
            blocks.append(Block(text.strip(), level))

    for line in _COMMENT.sub("", markdown).split("\n"):
        if fence:
            if line.strip().startswith(fence):
                end_paragraph()
                fence = ""
            else:
                lines.append(line)
            continue
        if match := _FENCE.match(line):
            end_paragraph()
            fence = match.group(1)[:3]
            continue
        if not line.strip() or _TABLE_RULE.match(line) or _LINK_DEFINITION.match(line):
            end_paragraph()
        elif match := _ATX.match(line):
            end_paragraph()
            lines.append(_inline(match.group(2) or ""))
            end_paragraph(level=len(match.group(1)))
        elif (match := _SETEXT.match(line)) and lines:
            end_paragraph(level=1 if match.group(1)[0] == "=" else 2)
        elif _RULE.match(line):
            end_paragraph()
        else:
            line = _QUOTE.sub("", line)
            if _LIST_ITEM.match(line):
                end_paragraph()  # each list item reads as its own paragraph
                line = _LIST_ITEM.sub("", line)
            lines.append(_inline(line))
    end_paragraph()
    return blocks


def _inline(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text
