"""The only place that opens user files and writes outputs.

Inputs: paths, globs or ``-`` for stdin, decoded as UTF-8 with a BOM stripped and line ends
normalised to ``\\n``. Undecodable bytes stop the run with the file, line and byte offset
unless ``encoding_errors`` is ``replace`` or ``ignore``. Outputs are written atomically: a
temporary file beside the target is renamed over it only when writing succeeded.
"""

from __future__ import annotations

import codecs
import contextlib
import glob
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from nlptk.errors import NlptkError

EncodingErrors = Literal["strict", "replace", "ignore"]
STDIN = "-"
DEFAULT_CHUNK_BYTES = 8 << 20


@dataclass(frozen=True)
class Source:
    """One input: a path, or ``-`` for standard input."""

    name: str

    @property
    def is_stdin(self) -> bool:
        return self.name == STDIN

    def size(self) -> int | None:
        return None if self.is_stdin else os.path.getsize(self.name)


def resolve_inputs(inputs: Iterable[str]) -> list[Source]:
    """Expand globs and check that every input is a readable file (or ``-``)."""
    sources: list[Source] = []
    for item in inputs:
        if item == STDIN:
            sources.append(Source(STDIN))
            continue
        matches = sorted(glob.glob(item)) if glob.has_magic(item) else [item]
        if not matches:
            raise NlptkError(f"{item}: no file matches this pattern")
        for path in matches:
            if os.path.isdir(path):
                raise NlptkError(f"{path}: is a directory, not a text file")
            if not os.path.exists(path):
                raise NlptkError(f"{path}: no such file")
            if not os.access(path, os.R_OK):
                raise NlptkError(f"{path}: permission denied")
            sources.append(Source(path))
    if not sources:
        raise NlptkError("no input given")
    return sources


@contextlib.contextmanager
def _open_binary(source: Source) -> Iterator[IO[bytes]]:
    if source.is_stdin:
        yield sys.stdin.buffer
    else:
        try:
            with open(source.name, "rb") as handle:
                yield handle
        except OSError as exc:
            raise NlptkError(f"{source.name}: {exc.strerror or exc}") from None


class _Decoder:
    """Incremental UTF-8 decoding that knows the line and byte offset of an error."""

    def __init__(self, name: str, errors: EncodingErrors) -> None:
        self.name = name
        self.errors = errors
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors=errors)
        self._offset = 0  # bytes consumed before the current block
        self._lines = 0  # newlines seen before the current block
        self._first = True
        self._pending_cr = False

    def decode(self, block: bytes, final: bool = False) -> str:
        pending = len(self._decoder.getstate()[0])
        try:
            text = self._decoder.decode(block, final)
        except UnicodeDecodeError as exc:
            bad = self._offset - pending + exc.start
            data = bytes(exc.object)
            line = self._lines + data[: exc.start].count(b"\n") + 1
            raise NlptkError(
                f"{self.name}: invalid UTF-8 at line {line}, byte offset {bad} "
                f"(byte 0x{data[exc.start]:02x}); use --encoding-errors replace or ignore to proceed"
            ) from None
        self._offset += len(block)
        self._lines += block.count(b"\n")
        if self._first and text:
            self._first = False
            if text.startswith("\ufeff"):
                text = text[1:]
        return self._normalise_newlines(text, final)

    def _normalise_newlines(self, text: str, final: bool) -> str:
        if self._pending_cr:
            text = "\r" + text
            self._pending_cr = False
        if text.endswith("\r") and not final:
            text = text[:-1]
            self._pending_cr = True
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text


def read_chunks(
    sources: Iterable[Source],
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    encoding_errors: EncodingErrors = "strict",
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """Decoded text of all sources in blocks of about ``chunk_bytes`` bytes.

    Blocks end anywhere, even inside a line (a 50 MB line is read in pieces); each source
    ends with a newline, so that text never runs from one file into the next.
    """
    for source in sources:
        decoder = _Decoder(source.name, encoding_errors)
        last = "\n"
        with _open_binary(source) as handle:
            while block := handle.read(chunk_bytes):
                if on_bytes is not None:
                    on_bytes(len(block))
                text = decoder.decode(block)
                if text:
                    last = text[-1]
                    yield text
            tail = decoder.decode(b"", final=True)
        if tail or last != "\n":
            yield tail + "\n"


def read_lines(sources: Iterable[Source], encoding_errors: EncodingErrors = "strict") -> Iterator[str]:
    """Lines of all sources without their line ends."""
    rest = ""
    for chunk in read_chunks(sources, encoding_errors=encoding_errors):
        lines = (rest + chunk).split("\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


def read_text(path: str, encoding_errors: EncodingErrors = "strict") -> str:
    """A whole (small) file as one string, decoded and normalised like every input."""
    return "".join(read_chunks(resolve_inputs([path]), encoding_errors=encoding_errors))


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str] | None, binary: bool = False) -> Iterator[IO]:
    """A handle to write ``path`` atomically; ``None`` or ``-`` writes to stdout.

    The file appears only after the block finishes without error; on an error or Ctrl-C the
    temporary file is removed and an existing file at ``path`` is left untouched.
    """
    if path is None or str(path) == STDIN:
        yield sys.stdout.buffer if binary else sys.stdout
        (sys.stdout.buffer if binary else sys.stdout).flush()
        return
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise NlptkError(f"{target}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory_file(path: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary path beside ``path`` that is renamed onto it when the block succeeds.

    For writers that need a file name (``numpy.save``, marisa's ``save``), not a handle.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise NlptkError(f"{target}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary directory to fill; it replaces ``path`` (a directory) only when the block succeeds."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def parse_memory(value: str) -> int:
    """Bytes in a size such as ``1G``, ``512M``, ``800k`` or ``1000000``."""
    text = value.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    try:
        if text and text[-1] in scale:
            return int(float(text[:-1]) * scale[text[-1]])
        return int(text)
    except ValueError:
        raise NlptkError(f"cannot read memory size {value!r}; use e.g. 512M or 1G") from None
