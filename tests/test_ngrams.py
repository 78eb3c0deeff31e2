"""Tests for nlptk.ngrams: exact streaming counts, key layouts, KeySet and saved tables."""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlptk.errors import NlptkError
from nlptk.ngrams import KeyLayout, NgramCounter, NgramTable, count_to_table
from nlptk.ngrams.keyset import KeySet
from nlptk.text import fragments

EXT_B = "\U00020000"  # 𠀀
EXT_B2 = "\U00020001"  # 𠀁
EMOJI = "\U0001f600"  # 😀
ALPHABET = "中文北京大学人们ab Z19，。！ \n\r\t" + EMOJI + EXT_B + EXT_B2


def naive_counts(text: str, order: int) -> Counter[str]:
    """Every 1..order-gram inside the "split" fragments of ``text``."""
    counts: Counter[str] = Counter()
    for frag in fragments(text, latin="split"):
        for k in range(1, order + 1):
            for i in range(len(frag) - k + 1):
                counts[frag[i : i + k]] += 1
    return counts


def counter_counts(counter: NgramCounter) -> Counter[str]:
    """Decode every partition of a counter; no n-gram may appear in two partitions or twice."""
    counts: Counter[str] = Counter()
    for partition in counter.partitions():
        for k, (keys, freq) in partition.items():
            assert len(keys) == len(freq)
            units = counter.layout.unpack(keys, k)
            assert (units != 0).all()
            for row, n in zip(units.tolist(), freq.tolist(), strict=True):
                gram = "".join(counter.vocab.unit(i) for i in row)
                assert len(gram) == k
                assert gram not in counts, f"{gram!r} counted in two places"
                counts[gram] = n
    return counts


def split_at(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(c, len(text)) for c in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(alphabet=ALPHABET, max_size=400),
    order=st.integers(1, 8),
    memory=st.one_of(st.integers(1 << 12, 1 << 14), st.just(1 << 30)),
    cuts=st.lists(st.integers(0, 400), max_size=8),
    finish=st.sampled_from(["partitions", "final", "add_all"]),
)
def test_counter_matches_naive(text: str, order: int, memory: int, cuts: list[int], finish: str) -> None:
    expected = naive_counts(text, order)
    with NgramCounter(order=order, latin="split", memory=memory) as counter:
        tmp = counter.tmpdir
        chunks = split_at(text, cuts)
        if finish == "add_all":
            counter.add_all(chunks)
        else:
            for chunk in chunks:
                counter.add(chunk)
            if finish == "final":
                counter.add("", final=True)
        assert counter_counts(counter) == expected
        assert counter.chars == len(text)  # every position, separators included
    assert not os.path.exists(tmp)  # temporary files go with the counter


def test_counter_spills_and_stays_exact() -> None:
    rng = random.Random(5)
    han = [chr(0x4E00 + i) for i in range(200)]
    text = "".join(rng.choice(han) if rng.random() > 0.1 else rng.choice("，。 \n") for _ in range(40_000))
    with NgramCounter(order=5, memory=1 << 14) as counter:
        for start in range(0, len(text), 3001):
            counter.add(text[start : start + 3001])
        spilled = [name for name in os.listdir(counter.tmpdir) if name.endswith(".bin")]
        assert spilled, "a 16 KB budget should have spilled windows to disk"
        assert counter_counts(counter) == naive_counts(text, 5)


def test_counter_rejects_bad_order() -> None:
    for order in (0, 9):
        with pytest.raises(NlptkError, match="order"):
            NgramCounter(order=order)


def test_counter_drop_latin() -> None:
    text = "我用iPhone手机ab中文"
    with NgramCounter(order=3, latin="drop") as counter:
        counter.add_all([text])
        got = counter_counts(counter)
    expected: Counter[str] = Counter()
    for frag in fragments(text, latin="drop"):
        for k in range(1, 4):
            for i in range(len(frag) - k + 1):
                expected[frag[i : i + k]] += 1
    assert got == expected


def _many_distinct_text(seed: int) -> tuple[str, list[str]]:
    """A text of 70,304 distinct Han characters (BMP, Ext A, Ext B): more than 16-bit ids hold."""
    chars = [chr(c) for c in range(0x4E00, 0xA000)]
    chars += [chr(c) for c in range(0x3400, 0x4DC0)]
    chars += [chr(c) for c in range(0x20000, 0x2A6E0)]
    assert len(chars) > 65_535
    rng = random.Random(seed)
    rng.shuffle(chars)
    frags, i = [], 0
    while i < len(chars):
        n = rng.randint(1, 6)
        frags.append("".join(chars[i : i + n]))
        i += n
    # Repeat some early fragments (and the Ext B pair 𠀀𠀁) at the end, after the widening,
    # so that their counts combine keys packed with 16-bit and with 21-bit ids.
    repeated = [*frags[:1500], EXT_B + EXT_B2, EXT_B + EXT_B2, EXT_B + EXT_B2]
    text = "，".join(frags) + "。\n" + " ".join(repeated) + "\n"
    return text, chars


@pytest.mark.parametrize("order", [3, 4])
@pytest.mark.parametrize("feed", ["add", "add_all", "add_all_early"])
def test_counter_widens_past_65535_characters(order: int, feed: str) -> None:
    text, chars = _many_distinct_text(order)
    pieces = split_at(text, list(range(12_000, len(text), 12_000)))
    assert len(pieces) >= 7
    with NgramCounter(order=order, memory=1 << 16) as counter:
        if feed == "add":
            counter.add(pieces[0])
            assert counter.layout.bits == 16
            assert any(name.endswith(".bin") for name in os.listdir(counter.tmpdir)), "expected a spill first"
            for piece in pieces[1:]:
                counter.add(piece)
        elif feed == "add_all":
            counter.add_all(pieces)
        else:
            # The second chunk widens the ids while the first one's windows may still be pending.
            counter.add_all([text[:5000], text[5000:]])
        assert counter.layout.bits >= 21
        assert len(counter.vocab) == len(chars) + 1
        got = counter_counts(counter)
    expected = naive_counts(text, order)
    assert got == expected
    assert got[EXT_B + EXT_B2] == 3


def test_table_with_wide_ids(tmp_path: Path) -> None:
    text, _ = _many_distinct_text(7)
    corpus = tmp_path / "wide.txt"
    corpus.write_text(text, encoding="utf-8")
    table_path = tmp_path / "wide.tbl"
    count_to_table([str(corpus)], table_path, order=4, memory=1 << 20)
    table = NgramTable.load(table_path)
    assert table.layout.bits >= 21 and table.layout.words == 2
    expected = naive_counts(text, 4)
    assert table[EXT_B + EXT_B2] == 3
    assert table[EXT_B] == expected[EXT_B] == 4
    sample = random.Random(1).sample(sorted(expected), 300)
    assert [table[g] for g in sample] == [expected[g] for g in sample]
    prefix = sample[0][0]
    assert dict(table.items(prefix=prefix)) == {g: n for g, n in expected.items() if g.startswith(prefix)}
    assert len(table) == len(expected)


# -- KeyLayout ------------------------------------------------------------------------------


@pytest.mark.parametrize(("order", "bits"), [(4, 16), (3, 21), (4, 21), (8, 16), (8, 21)])
def test_layout_pack_unpack_and_sort_order(order: int, bits: int) -> None:
    layout = KeyLayout(order, bits)
    rng = np.random.default_rng(order * bits)
    units = rng.integers(0, 6, size=(500, order)).astype(np.uint32)
    units[:, 0] = np.maximum(units[:, 0], 1)
    for row in units:  # zero-pad after the first 0, as n-gram keys are
        zero = np.flatnonzero(row == 0)
        if len(zero):
            row[zero[0] :] = 0
    units[:5, 0] = layout.max_id
    keys = layout.pack(units)
    assert np.array_equal(layout.unpack(keys), units)
    order_by_keys = layout.sort(keys.copy())
    expected = sorted(map(tuple, units.tolist()))
    assert [tuple(r) for r in layout.unpack(order_by_keys).tolist()] == expected
    index, found = layout.search(order_by_keys, keys)
    assert found.all()
    assert np.array_equal(layout.unpack(order_by_keys[index]), units)


# -- KeySet ---------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    keys=st.sets(st.integers(1, 2**64 - 1), max_size=300),
    others=st.lists(st.integers(0, 2**64 - 1), max_size=100),
)
def test_keyset_matches_dict(keys: set[int], others: list[int]) -> None:
    key_list = sorted(keys)
    ks = KeySet(np.array(key_list, dtype=np.uint64))
    position = {k: i for i, k in enumerate(key_list)}
    queries = key_list + others + [0]
    got = ks.index(np.array(queries, dtype=np.uint64)).tolist()
    assert got == [position.get(q, -1) for q in queries]
    assert ks.contains(np.array(queries, dtype=np.uint64)).tolist() == [q in keys for q in queries]
    assert len(ks) == len(keys)


_MULT = 0x9E3779B97F4A7C15
_MULT_INV = pow(_MULT, -1, 1 << 64)


@pytest.mark.parametrize("groups", [1, 3, 50])
def test_keyset_with_colliding_hashes(groups: int) -> None:
    """Keys built so that their hashes share the top bits: long linear-probing chains."""
    rng = random.Random(groups)
    keys: set[int] = set()
    while len(keys) < 600:
        top = rng.randrange(groups) << 54  # the slot is taken from the top bits of key * multiplier
        key = ((top | rng.getrandbits(54)) * _MULT_INV) % (1 << 64)
        if key:
            keys.add(key)
    key_list = list(keys)
    rng.shuffle(key_list)
    ks = KeySet(np.array(key_list, dtype=np.uint64))
    misses = []
    while len(misses) < 600:
        miss = (((rng.randrange(groups) << 54) | rng.getrandbits(54)) * _MULT_INV) % (1 << 64)
        if miss not in keys and miss:
            misses.append(miss)
    queries = np.array(key_list + misses, dtype=np.uint64)
    assert ks.index(queries).tolist() == list(range(len(key_list))) + [-1] * len(misses)


def test_keyset_small_and_empty() -> None:
    empty = KeySet(np.zeros(0, dtype=np.uint64))
    assert len(empty) == 0
    assert empty.index(np.array([0, 1, 2**64 - 1], dtype=np.uint64)).tolist() == [-1, -1, -1]
    one = KeySet(np.array([7], dtype=np.uint64))
    assert one.index(np.array([7, 8, 0], dtype=np.uint64)).tolist() == [0, -1, -1]
    # A zero in the input is never a member, but positions still refer to the input.
    with_zero = KeySet(np.array([0, 5, 9], dtype=np.uint64))
    assert len(with_zero) == 2
    assert with_zero.index(np.array([9, 5, 0], dtype=np.uint64)).tolist() == [2, 1, -1]


# -- NgramTable -----------------------------------------------------------------------------

CORPUS = (
    "北京大学在北京。北京是中国的首都，北京大学很有名！\n"
    "我爱北京天安门，天安门上太阳升。iPhone手机在北京卖得好。\n"
    f"{EXT_B}{EXT_B2}是扩展B的字，{EXT_B}{EXT_B2}{EXT_B}。{EMOJI}北京{EMOJI}\n"
) * 3


@pytest.fixture
def table_path(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    path = tmp_path / "out" / "corpus.tbl"
    path.parent.mkdir()
    summary = count_to_table([str(corpus)], path, order=4)
    expected = naive_counts(CORPUS, 4)
    assert summary["ngrams"] == {k: sum(1 for g in expected if len(g) == k) for k in range(1, 5)}
    return path


def test_table_lookup(table_path: Path) -> None:
    table = NgramTable.load(table_path)
    expected = naive_counts(CORPUS, 4)
    assert table.order == 4
    assert table["北京"] == expected["北京"] == 21
    assert table["北京大学"] == 6
    assert table[EXT_B + EXT_B2] == 6
    assert table["iPhone"[:4]] == 3
    assert table["上海"] == 0  # unseen characters
    assert table["京北"] == 0  # seen characters, unseen n-gram
    assert table["北京大学在"] == 0  # longer than the order
    assert table[""] == 0
    assert table["，"] == 0  # punctuation is never counted
    assert table[EMOJI] == 0
    assert table.total == sum(n for g, n in expected.items() if len(g) == 1)
    assert len(table) == len(expected)
    assert dict(table.items()) == dict(expected)


@pytest.mark.parametrize("prefix", ["北", "北京", "天安门", "北京大学", EXT_B, "i", "上", "京北"])
def test_table_items_prefix(table_path: Path, prefix: str) -> None:
    table = NgramTable.load(table_path)
    expected = naive_counts(CORPUS, 4)
    got = list(table.items(prefix=prefix))
    assert dict(got) == {g: n for g, n in expected.items() if g.startswith(prefix)}
    assert len(got) == len(dict(got))
    lengths = [len(g) for g, _ in got]
    assert lengths == sorted(lengths)  # shortest first


def test_table_items_order_and_min_count(table_path: Path) -> None:
    table = NgramTable.load(table_path)
    expected = naive_counts(CORPUS, 4)
    assert dict(table.items(order=2)) == {g: n for g, n in expected.items() if len(g) == 2}
    assert dict(table.items(order=3, min_count=6)) == {g: n for g, n in expected.items() if len(g) == 3 and n >= 6}
    assert dict(table.items(prefix="北", order=2, min_count=4)) == {
        g: n for g, n in expected.items() if len(g) == 2 and g.startswith("北") and n >= 4
    }
    assert dict(table.items(min_count=10**6)) == {}


def test_table_min_count_at_build_time(tmp_path: Path) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    count_to_table([str(corpus)], tmp_path / "t.tbl", order=3, min_count=6)
    table = NgramTable.load(tmp_path / "t.tbl")
    # Unigrams are all kept (they give the corpus total); longer n-grams only from min_count on.
    expected = {g: n for g, n in naive_counts(CORPUS, 3).items() if n >= 6 or len(g) == 1}
    assert dict(table.items()) == expected
    assert table.total == sum(n for g, n in naive_counts(CORPUS, 1).items())
    assert table["北京"] == 21
    assert table["北京是"] == 0  # seen 3 times, below min_count


def test_table_save_round_trip(table_path: Path, tmp_path: Path) -> None:
    table = NgramTable.load(table_path)
    copy = tmp_path / "copy.tbl"
    table.save(copy)
    again = NgramTable.load(copy)
    assert dict(again.items()) == dict(table.items())
    assert again.meta == table.meta


def test_table_write_is_atomic(table_path: Path) -> None:
    # Only the table itself is left beside it: no temporary file or spool directory.
    assert os.listdir(table_path.parent) == [table_path.name]


def test_load_rejects_other_files(tmp_path: Path) -> None:
    text = tmp_path / "text.txt"
    text.write_text("北京大学\n", encoding="utf-8")
    empty = tmp_path / "empty.tbl"
    empty.write_bytes(b"")
    truncated = tmp_path / "truncated.tbl"
    truncated.write_bytes(b"NLPTKNG1\x05")
    garbage = tmp_path / "garbage.tbl"
    garbage.write_bytes(b"NLPTKNG1" + (20).to_bytes(8, "little") + b"{not json at all....")
    for path in (text, empty, truncated, garbage):
        with pytest.raises(NlptkError, match=str(path.name)):
            NgramTable.load(path)
    with pytest.raises(NlptkError):
        NgramTable.load(tmp_path / "missing.tbl")


def test_count_to_table_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(NlptkError, match="no text"):
        count_to_table([str(empty)], tmp_path / "t.tbl")
    punct = tmp_path / "punct.txt"
    punct.write_text("，。！  \n", encoding="utf-8")
    with pytest.raises(NlptkError, match="no text"):
        count_to_table([str(punct)], tmp_path / "t.tbl")
    assert not (tmp_path / "t.tbl").exists()
    with pytest.raises(NlptkError, match="no such file"):
        count_to_table([str(tmp_path / "missing.txt")], tmp_path / "t.tbl")
    assert sorted(os.listdir(tmp_path)) == ["empty.txt", "punct.txt"]
