"""A streaming reader for the population file: one pass, bounded memory, the standard library's JSON decoder.

The file is a JSON object whose members ``persons``, ``dwellings`` and ``registrations`` are arrays of records
(DESIGN.md). The reader walks the object's structure itself and hands each array element to
``json.JSONDecoder.raw_decode`` (the C decoder), so only the current record and a read buffer are in memory, and
the file is read once whatever order its sections come in.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

CHUNK = 1 << 20  # bytes read at a time
MAX_RECORD = 16 << 20  # a record larger than this is refused (the buffer never grows past it)
NOT_AN_OBJECT = "not a JSON object"
NOT_A_LIST = object()  # yielded (once) for a top-level member that is not an array
WHITESPACE = " \t\n\r"
_SPACE = re.compile(r"[ \t\n\r]*")


class FileNotJson(ValueError):
    pass


class _Reader:
    def __init__(self, file: BinaryIO, on_read: Callable[[int], None] | None):
        self.file, self.on_read = file, on_read
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.json = json.JSONDecoder()
        self.buf, self.pos, self.eof = "", 0, False

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.file.read(CHUNK)
        if self.on_read:
            self.on_read(len(chunk))
        self.eof = not chunk
        text = self.utf8.decode(chunk, final=self.eof)
        if self.pos > CHUNK:
            self.buf, self.pos = self.buf[self.pos :], 0
        if len(self.buf) - self.pos > MAX_RECORD:
            raise FileNotJson(f"a record of more than {MAX_RECORD} characters")
        self.buf += text
        return bool(chunk)

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the file), without consuming it."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in WHITESPACE:
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self.more():
                return ""

    def expect(self, characters: str) -> str:
        found = self.peek()
        if not found or found not in characters:
            raise FileNotJson(f"expected {' or '.join(characters)} at character {self.pos}, found {found!r}")
        self.pos += 1
        return found

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if not self.more():
                    raise FileNotJson(str(exc)) from exc
                continue
            if end == len(self.buf) and self.more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return value

    def elements(self) -> Iterator[Any]:
        """The elements of the array whose first element starts at ``pos``, up to and past its closing bracket.

        The common case (an element, a separator and the next element's start all in the buffer) runs in one
        loop of a few C calls; anything else (a chunk's end, an error) goes the careful way of ``value`` and
        ``expect``."""
        decode, skip = self.json.raw_decode, _SPACE.match
        while True:
            buf = self.buf
            start = skip(buf, self.pos).end()
            try:
                value, end = decode(buf, start)
            except json.JSONDecodeError:
                end = -1
            after = skip(buf, end).end() if end > 0 else len(buf)
            if after < len(buf) and buf[after] in ",]":
                self.pos = after + 1
                yield value
                if buf[after] == "]":
                    return
                continue
            yield self.value()
            if self.expect(",]") == "]":
                return

    def members(self) -> Iterator[tuple[str, Any]]:
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise FileNotJson("a member name must be a string")
            self.expect(":")
            if self.peek() == "[":
                self.pos += 1
                if self.peek() == "]":
                    self.pos += 1
                else:
                    for element in self.elements():
                        yield key, element
            else:
                self.value()
                yield key, NOT_A_LIST
            if self.expect(",}") == "}":
                break
        if self.peek():
            raise FileNotJson("data after the end of the object")


def read_members(file: BinaryIO, on_read: Callable[[int], None] | None = None) -> Iterator[tuple[str, Any]]:
    """(member name, element) for every element of every top-level array, in file order; (name, NOT_A_LIST)
    for a top-level member that is not an array. Raises FileNotJson when the file is not a JSON object."""
    reader = _Reader(file, on_read)
    if reader.peek() != "{":
        raise FileNotJson(NOT_AN_OBJECT)
    yield from reader.members()
