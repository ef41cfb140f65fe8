"""Reading a haproxy.cfg into sections of directives; no meaning is given to them here.

HAProxy's syntax (doc/configuration.txt, "2.2. Quoting and escaping" and "4. Proxies"): one
directive per line, words separated by blanks, ``#`` starts a comment unless quoted or
escaped, ``"..."`` and ``'...'`` group words, a backslash escapes the next character outside
single quotes. A line whose first word is a section keyword starts a new section;
indentation means nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from teardown.haproxy_cfg.errors import cfg_error

__all__ = ["PROXY_KINDS", "OTHER_SECTIONS", "Directive", "Section", "read_sections", "check_top_level"]

# Sections that hold proxies (and global settings), which the importer reads.
PROXY_KINDS = ("defaults", "frontend", "backend", "listen")
# Other sections HAProxy knows; their content never affects teardown.
OTHER_SECTIONS = frozenset(
    {
        "userlist",
        "peers",
        "resolvers",
        "mailers",
        "program",
        "http-errors",
        "ring",
        "cache",
        "fcgi-app",
        "log-forward",
        "crt-store",
        "traces",
        "acme",
        "dynamic-update",
    }
)
SECTION_KEYWORDS = frozenset({"global", *PROXY_KINDS}) | OTHER_SECTIONS


@dataclass(frozen=True)
class Directive:
    """One non-empty line: its number (from 1), its words, its text without the comment, and
    whether it starts with a blank."""

    line: int
    words: tuple[str, ...]
    text: str
    indented: bool = False


@dataclass
class Section:
    """A section: its keyword, name (``""`` when unnamed), header line, ``from`` name, body."""

    kind: str
    name: str
    header: Directive
    from_name: str | None = None
    body: list[Directive] = field(default_factory=list)

    @property
    def line(self) -> int:
        """The line number of the section's header."""
        return self.header.line

    def describe(self) -> str:
        """How messages name it: ``backend 'app'``, ``defaults section (line 7)``."""
        if self.kind == "global":
            return f"global section (line {self.line})"
        if self.kind == "defaults" and not self.name:
            return f"defaults section (line {self.line})"
        return f"{self.kind} '{self.name}'"


def read_sections(path: str | os.PathLike[str], source: str) -> list[Section]:
    """The sections of the file at ``path``; ``source`` names it in error messages.

    Raises ``ConfigError`` for an unreadable or binary file, a quote left open, a directive
    before the first section, or a proxy section without a name.
    """
    text = _read_text(path, source)
    sections: list[Section] = []
    # Lines end at "\n" only, as HAProxy reads them (str.splitlines would also split at \x1c-\x1e,
    # \x85, \u2028..., and every later line number would be off).
    for number, raw in enumerate(text.split("\n"), start=1):
        directive = _directive(number, raw, source)
        if directive is None:
            continue
        if directive.words[0] in SECTION_KEYWORDS:
            sections.append(_section(directive, source))
        elif not sections:
            raise cfg_error(
                source,
                number,
                f"'{directive.words[0]}' is not a section keyword and no section has started "
                "(expected global, defaults, frontend, backend, listen, ...)",
            )
        else:
            sections[-1].body.append(directive)
    return sections


def check_top_level(sections: list[Section], is_directive: Callable[[str], bool], source: str) -> None:
    """Raises for an unknown section keyword: in a file that indents its directives, an
    unindented line whose first word is no directive HAProxy has. (HAProxy itself ignores
    indentation; a known directive that is merely not indented is accepted.)"""
    body = [d for section in sections for d in section.body]
    if not any(d.indented for d in body):
        return
    for d in body:
        if not d.indented and not is_directive(d.words[0]):
            raise cfg_error(
                source,
                d.line,
                f"unknown section keyword '{d.words[0]}' (sections are global, defaults, frontend, backend, "
                "listen, ...; directives are indented)",
            )


def _read_text(path: str | os.PathLike[str], source: str) -> str:
    """The file's text; binary content (a NUL byte) is refused, other bad bytes replaced."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise cfg_error(source, None, f"cannot read the file ({error.strerror or error})") from error
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise cfg_error(source, line, "binary data (a NUL byte): this is not a text haproxy.cfg")
    return data.decode("utf-8", errors="replace")


def _directive(number: int, raw: str, source: str) -> Directive | None:
    """The directive on one line, or None for a blank or comment-only line."""
    words, code_end = _split_words(raw, number, source)
    if not words:
        return None
    return Directive(number, tuple(words), raw[:code_end].strip(), raw[:1] in (" ", "\t"))


def _split_words(raw: str, number: int, source: str) -> tuple[list[str], int]:
    """The words of a line and where its code ends (the start of a comment, or its length)."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote = ""
    i = 0
    while i < len(raw):
        char = raw[i]
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"' and i + 1 < len(raw):
                i += 1
                current.append(raw[i])
            else:
                current.append(char)
        elif char in "\"'":
            quote, in_word = char, True
        elif char == "\\" and i + 1 < len(raw):
            i += 1
            current.append(raw[i])
            in_word = True
        elif char == "#":
            break
        elif char in " \t\r\f\v":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        else:
            current.append(char)
            in_word = True
        i += 1
    if quote:
        raise cfg_error(source, number, f"unmatched quote ({quote})")
    if in_word:
        words.append("".join(current))
    return words, i


def _section(header: Directive, source: str) -> Section:
    """A new section from its header line: ``backend app``, ``defaults tcp from base``."""
    kind, args = header.words[0], list(header.words[1:])
    from_name: str | None = None
    if kind in PROXY_KINDS and "from" in args:
        at = args.index("from")
        if at + 1 >= len(args):
            raise cfg_error(source, header.line, f"'{kind} ... from' needs the name of a defaults section")
        from_name = args[at + 1]
        del args[at : at + 2]
    if kind in ("frontend", "backend", "listen") and not args:
        raise cfg_error(source, header.line, f"'{kind}' needs a name")
    name = args[0] if args and kind != "global" else ""
    return Section(kind, name, header, from_name)
