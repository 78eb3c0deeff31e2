"""Reading corpora into a :class:`UnitCorpus`, optionally through a saved state (incremental counting)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator

from nlptk.errors import NlptkError
from nlptk.io import EncodingErrors, atomic_directory_file, read_chunks, resolve_inputs
from nlptk.minent.corpus import UnitCorpus
from nlptk.progress import NoProgress, Progress


def read_corpus(
    inputs: Iterable[str],
    state: str | os.PathLike[str] | None = None,
    encoding_errors: EncodingErrors = "strict",
    progress: Progress | None = None,
) -> UnitCorpus:
    """The characters of ``inputs``, appended to the corpus saved at ``state`` when it exists.

    Save the grown corpus back (``corpus.save(state)``) once the work that needed it has
    succeeded, so that later text can be counted in without reading this text again.
    """
    progress = progress or NoProgress()
    corpus = UnitCorpus.load(state) if state is not None and os.path.exists(state) else UnitCorpus.empty()
    sources = resolve_inputs(inputs) if inputs else []
    sizes = [s.size() for s in sources]
    progress.stage("reading", None if None in sizes else sum(sizes))  # type: ignore[arg-type]
    corpus.add_text(read_chunks(sources, encoding_errors=encoding_errors, on_bytes=progress.advance))
    if not corpus.unit_counts().any():
        raise NlptkError("the input holds no text to build a lexicon from (empty, or no Chinese characters)")
    return corpus


@contextlib.contextmanager
def saving_state(corpus: UnitCorpus, state: str | os.PathLike[str] | None) -> Iterator[None]:
    """Write ``corpus`` beside ``state`` on entry; it replaces ``state`` only when the block succeeds.

    Put the writing of results inside the block: a state that cannot be written fails the run
    before any result is written, and a failed block leaves the old state as it was.
    """
    if state is None:
        yield
        return
    with atomic_directory_file(state) as tmp:
        with open(tmp, "wb") as handle:
            corpus.write(handle)
        yield
