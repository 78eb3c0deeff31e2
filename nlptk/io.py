"""The only place that opens user files and writes outputs.

Inputs: paths, globs or ``-`` for stdin, gzip, bzip2 or xz compressed or plain (told by their
first bytes), decoded as UTF-8 with a BOM stripped and line ends normalised to ``\\n``.
Undecodable bytes stop the run with the file, line and byte offset unless ``encoding_errors`` is
``replace`` or ``ignore``. Outputs are written atomically: a temporary file beside the target is
renamed over it only when writing succeeded, with the permissions the user's umask gives. A model
directory replaces only an nlptk model directory, and only when asked to.
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import glob
import gzip
import itertools
import json
import lzma
import os
import shutil
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from nlptk.errors import NlptkError, OptionError

EncodingErrors = Literal["strict", "replace", "ignore"]
STDIN = "-"
DEFAULT_CHUNK_BYTES = 8 << 20
# The files of a model directory (see nlptk.seq2seq.model_dir); a directory holding anything else is not one.
MODEL_FILES = frozenset({"config.json", "weights.npz", "weights.pt"})  # weights.pt: the older format
# First bytes of the compressed formats read transparently, and the reader of each.
_COMPRESSED: dict[bytes, tuple[str, Callable[[IO[bytes]], IO[bytes]]]] = {
    b"\x1f\x8b": ("gzip", lambda raw: gzip.GzipFile(fileobj=raw, mode="rb")),
    b"BZh": ("bzip2", lambda raw: bz2.BZ2File(raw, mode="rb")),
    b"\xfd7zXZ\x00": ("xz", lambda raw: lzma.LZMAFile(raw, mode="rb")),  # noqa: SIM115
}
_DAMAGED_DATA = (OSError, EOFError, lzma.LZMAError, zlib.error)


@dataclass(frozen=True)
class Source:
    """One input: a path, or ``-`` for standard input."""

    name: str

    @property
    def is_stdin(self) -> bool:
        return self.name == STDIN

    @property
    def is_url(self) -> bool:
        """An fsspec URL (``s3://bucket/key``, ``file:///path``), read through its fsspec backend."""
        return "://" in self.name

    def size(self) -> int | None:
        if self.is_stdin:
            return None
        if self.is_url:
            filesystem, path = _url_filesystem(self.name)
            return int(filesystem.size(path))  # type: ignore[attr-defined]
        return os.path.getsize(self.name)


def _url_filesystem(url: str) -> tuple[object, str]:
    """The fsspec filesystem of ``url`` and the path on it; a one-line error when fsspec cannot read it."""
    try:
        import fsspec

        return fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise NlptkError(f"{url}: reading URLs needs fsspec and its backend for this scheme ({exc})") from None
    except ValueError as exc:
        raise NlptkError(f"{url}: {exc}") from None


def resolve_inputs(inputs: Iterable[str]) -> list[Source]:
    """Expand globs and check that every input is a readable file (or ``-``)."""
    sources: list[Source] = []
    for item in inputs:
        if item == STDIN or Source(item).is_url:
            sources.append(Source(item))
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


def _compression(head: bytes) -> tuple[str, Callable[[IO[bytes]], IO[bytes]]] | None:
    return next((found for magic, found in _COMPRESSED.items() if head.startswith(magic)), None)


@contextlib.contextmanager
def _open_binary(source: Source) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """(decompressed stream, raw stream) of ``source``; the raw one tells how far reading got."""
    try:
        with contextlib.ExitStack() as stack:
            if source.is_stdin:
                raw = sys.stdin.buffer
                head = raw.peek(6)[:6] if hasattr(raw, "peek") else b""
            elif source.is_url:
                filesystem, path = _url_filesystem(source.name)
                raw = stack.enter_context(filesystem.open(path, "rb"))  # type: ignore[attr-defined]
                head = raw.read(6)
                raw.seek(0)
            else:
                raw = stack.enter_context(open(source.name, "rb"))
                head = raw.read(6)
                raw.seek(0)
            found = _compression(head)
            yield (stack.enter_context(found[1](raw)) if found else raw), raw
    except OSError as exc:
        raise NlptkError(f"{source.name}: {exc.strerror or exc}") from None


class _Decoder:
    """Incremental UTF-8 decoding that knows the line and byte offset of an error."""

    def __init__(self, name: str, errors: EncodingErrors, offset: int = 0) -> None:
        """``offset``: where in the input decoding starts (the start of a line); past 0, line
        numbers in errors are unknown and only the byte offset is given."""
        self.name = name
        self.errors = errors
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors=errors)
        self._offset = offset  # bytes consumed before the current block
        self._lines: int | None = 0 if offset == 0 else None  # newlines seen before the current block
        self._first = offset == 0
        self._pending_cr = False

    def decode(self, block: bytes, final: bool = False) -> str:
        pending = len(self._decoder.getstate()[0])
        try:
            text = self._decoder.decode(block, final)
        except UnicodeDecodeError as exc:
            bad = self._offset - pending + exc.start
            data = bytes(exc.object)
            newlines = data[: exc.start].count(b"\n")
            line = "" if self._lines is None else f"line {self._lines + newlines + 1}, "
            raise NlptkError(
                f"{self.name}: invalid UTF-8 at {line}byte offset {bad} "
                f"(byte 0x{data[exc.start]:02x}); use --encoding-errors replace or ignore to proceed"
            ) from None
        self._offset += len(block)
        if self._lines is not None:
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
        with _open_binary(source) as (handle, raw):
            position = 0
            while block := _read_block(handle, chunk_bytes, source):
                if on_bytes is not None:
                    consumed = raw.tell() if raw is not handle and raw.seekable() else position + len(block)
                    on_bytes(consumed - position)
                    position = consumed
                text = decoder.decode(block)
                if text:
                    last = text[-1]
                    yield text
            tail = decoder.decode(b"", final=True)
        if tail or last != "\n":
            yield tail + "\n"


@dataclass(frozen=True)
class ByteRange:
    """The lines of one input that begin in bytes [start, end), or the whole input (``end`` None)."""

    source: Source
    start: int = 0
    end: int | None = None
    index: int = 0  # the input's position among all the inputs of the run

    @property
    def size(self) -> int:
        """The bytes it spans (the input's size when it is the whole input; 0 when that is unknown)."""
        return ((self.source.size() or 0) if self.end is None else self.end) - self.start


def split_ranges(sources: Iterable[Source], range_bytes: int) -> list[ByteRange]:
    """Each input (a file or URL) in ranges of about ``range_bytes`` bytes that end at line
    boundaries when read; compressed inputs whole (a compressed stream cannot be entered in the middle)."""
    ranges = []
    for index, source in enumerate(sources):
        size = source.size() or 0
        with _open_binary(source) as (handle, raw):
            compressed = handle is not raw
        if compressed or size == 0:
            ranges.append(ByteRange(source, index=index))
            continue
        bounds = [*range(0, size, range_bytes), size]
        ranges.extend(ByteRange(source, a, b, index) for a, b in itertools.pairwise(bounds))
    return ranges


def read_range(
    byte_range: ByteRange, chunk_bytes: int, encoding_errors: EncodingErrors = "strict"
) -> Iterator[tuple[int, str]]:
    """The text of a range exactly as :func:`read_chunks` decodes it, in pieces, each with the
    index (in its input) of the block of ``chunk_bytes`` it comes from there: a block that two
    ranges share gives each of them a piece, and the two pieces together are its text."""
    source = byte_range.source
    if byte_range.end is None:
        yield from enumerate(read_chunks([source], chunk_bytes, encoding_errors))
        return
    size = source.size() or 0
    with _open_binary(source) as (handle, _):
        start, end = _line_start(handle, byte_range.start, size), _line_start(handle, byte_range.end, size)
        decoder = _Decoder(source.name, encoding_errors, offset=start)
        last = "\n"
        handle.seek(start)
        position = start
        while position < end:
            stop = min(end, (position // chunk_bytes + 1) * chunk_bytes)
            text = decoder.decode(_read_block(handle, stop - position, source))
            if text:
                last = text[-1]
                yield position // chunk_bytes, text
            position = stop
        if end == size and start < size:  # this range holds the end of its input
            tail = decoder.decode(b"", final=True)
            if tail or last != "\n":
                yield -(-size // chunk_bytes), tail + "\n"


def _line_start(handle: IO[bytes], position: int, size: int) -> int:
    """The first offset at or after ``position`` where a line begins (``size`` past the last)."""
    if position <= 0:
        return 0
    if position >= size:
        return size
    handle.seek(position - 1)
    offset = position - 1
    while block := handle.read(1 << 16):
        newline = block.find(b"\n")
        if newline >= 0:
            return offset + newline + 1
        offset += len(block)
    return size


def _read_block(handle: IO[bytes], size: int, source: Source) -> bytes:
    try:
        return handle.read(size)
    except _DAMAGED_DATA as exc:
        raise NlptkError(f"{source.name}: damaged compressed data ({exc})") from None


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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _give_user_permissions(path: str | os.PathLike[str], directory: bool = False) -> None:
    """Set the mode a plain ``open`` or ``mkdir`` would give under the user's umask (mkstemp gives 0600)."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def check_output_file(path: str | os.PathLike[str] | None, parameter: str = "output") -> None:
    """Refuse, before any work, an output path that cannot become a file: a directory, or one in a
    directory that does not exist. ``None`` and ``-`` (stdout) pass."""
    if path is None or str(path) == STDIN:
        return
    target = Path(path)
    if target.is_dir():
        raise OptionError(parameter, f"{target} is a directory; give a file name")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OptionError(parameter, f"{target}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK):
        raise OptionError(parameter, f"{target}: cannot write in directory {directory}")


def is_model_directory(path: Path) -> bool:
    """True for a directory holding only model files, with an nlptk ``config.json``."""
    if not path.is_dir() or path.is_symlink():
        return False
    if not set(os.listdir(path)) <= MODEL_FILES:
        return False
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and "format" in config


def check_model_output(path: str | os.PathLike[str], force: bool = False, parameter: str = "output") -> None:
    """Refuse, before training, a model directory path that would replace what the user owns:
    anything but an nlptk model directory, and that only with ``force``."""
    target = Path(path)
    here = Path.cwd().resolve()
    if target.resolve() in (here, *here.parents):
        raise OptionError(parameter, f"{target} is the current directory or one above it; give a new directory")
    if not target.exists() and not target.is_symlink():
        return
    if not is_model_directory(target):
        what = "a file" if not target.is_dir() else "a directory that is not an nlptk model"
        raise OptionError(parameter, f"{target} is {what}; nlptk will not replace it: give a new directory")
    if not force:
        raise OptionError(parameter, f"{target} holds a model already; replace it with force (--force)")


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
    with (
        atomic_directory_file(path) as tmp,
        open(tmp, "wb" if binary else "w", encoding=None if binary else "utf-8") as handle,
    ):
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


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
        _give_user_permissions(tmp)
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str], force: bool = False) -> Iterator[Path]:
    """A temporary directory to fill; it becomes ``path`` only when the block succeeds.

    An existing ``path`` is replaced only if it is an nlptk model directory and ``force`` is set
    (:func:`check_model_output`); its model files are removed, nothing else ever is.
    """
    check_model_output(path, force)
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        _give_user_permissions(tmp, directory=True)
        yield tmp
        if target.exists():
            old = parent / f".{target.name}.old.{os.getpid()}"
            os.replace(target, old)
            os.replace(tmp, target)
            _remove_model_directory(old)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # made by this call: only nlptk's files are in it
        raise


def _remove_model_directory(path: Path) -> None:
    """Remove a replaced model directory: its model files, then the directory if nothing else is there."""
    for name in MODEL_FILES:
        with contextlib.suppress(FileNotFoundError):
            (path / name).unlink()
    with contextlib.suppress(OSError):
        path.rmdir()


def parse_memory(value: str, parameter: str = "memory") -> int:
    """Bytes in a positive size such as ``1G``, ``512M``, ``800k`` or ``1000000``."""
    text = value.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    try:
        size = int(float(text[:-1]) * scale[text[-1]]) if text and text[-1] in scale else int(text)
    except (ValueError, OverflowError):
        raise OptionError(parameter, f"cannot be read as a size: {value!r}; use e.g. 512M or 1G") from None
    if size <= 0:
        raise OptionError(parameter, f"must be a positive size, not {value!r}")
    return size
