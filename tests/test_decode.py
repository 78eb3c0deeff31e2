"""nlptk.decode: candidate masks, the self-terminating head, greedy / beam / sampling search, and metrics."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from nlptk.decode import (  # noqa: E402
    Decoding,
    Hypothesis,
    SelfTerminatingHead,
    SoftmaxHead,
    beam_search,
    decode,
    keep_token,
    non_termination_ratio,
    nucleus_mask,
    perplexity,
    restrict,
    sample,
    top_k_mask,
)
from nlptk.errors import OptionError  # noqa: E402

EOS = 0


class BigramModel:
    """A stateless toy model: the next-token log-probabilities are a fixed row of ``matrix`` per last token."""

    def __init__(self, matrix: torch.Tensor) -> None:
        self.matrix = matrix

    @classmethod
    def random(cls, vocab: int, seed: int, scale: float = 1.5) -> BigramModel:
        generator = torch.Generator().manual_seed(seed)
        return cls(torch.log_softmax(torch.randn(vocab, vocab, generator=generator) * scale, dim=-1))

    @classmethod
    def constant(cls, probs: list[float]) -> BigramModel:
        """Every step has the same distribution ``probs``, whatever came before."""
        row = torch.log(torch.tensor(probs, dtype=torch.float64))
        return cls(row.expand(len(probs), -1).clone())

    def step(self, state: object, tokens: torch.Tensor) -> tuple[torch.Tensor, object]:
        return self.matrix[tokens], state

    def select(self, state: object, rows: torch.Tensor) -> object:
        return state

    def path_score(self, start: int, tokens: list[int], terminated: bool) -> float:
        """The model log-probability of ``tokens`` after ``start`` (and of <eos> after them when terminated)."""
        path = [start, *tokens, *([EOS] if terminated else [])]
        return sum(float(self.matrix[a, b]) for a, b in itertools.pairwise(path))


class GRUModel:
    """A stateful toy model: a GRU cell with random weights; the state is one hidden vector per row (B, H)."""

    def __init__(self, vocab: int, hidden: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.embed = torch.randn(vocab, hidden, generator=generator, dtype=torch.float64)
        self.cell = torch.nn.GRUCell(hidden, hidden).double()
        with torch.no_grad():
            for parameter in self.cell.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=torch.float64))
        self.out = torch.randn(hidden, vocab, generator=generator, dtype=torch.float64) * 2
        self.bias = torch.zeros(vocab, dtype=torch.float64)
        self.bias[EOS] = -1.0  # so some continuations end and others run to max_len
        self.hidden = hidden

    def initial(self, size: int, seed: int) -> torch.Tensor:
        return torch.randn(size, self.hidden, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)

    @torch.no_grad()
    def step(self, state: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        state = self.cell(self.embed[tokens], state)
        return torch.log_softmax(state @ self.out + self.bias, dim=-1), state

    def select(self, state: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        return state[rows]

    def path_score(self, state: torch.Tensor, start: int, tokens: list[int], terminated: bool) -> float:
        """The log-probability of ``tokens`` (and <eos>) after ``start``, running the cell token by token."""
        score, last = 0.0, torch.tensor([start])
        for token in [*tokens, *([EOS] if terminated else [])]:
            log_probs, state = self.step(state, last)
            score += float(log_probs[0, token])
            last = torch.tensor([token])
        return score


class HeadModel:
    """A random recurrent body under an output head; the state is (hidden, carry) and the carry feeds the head."""

    def __init__(self, head: torch.nn.Module, vocab: int, dim: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.embed = torch.randn(vocab, dim, generator=generator)
        self.mix = torch.randn(dim, dim, generator=generator) / math.sqrt(dim)
        self.head = head

    @torch.no_grad()
    def step(self, state: tuple[torch.Tensor, torch.Tensor], tokens: torch.Tensor):
        hidden, carry = state
        hidden = torch.tanh(hidden @ self.mix + self.embed[tokens])
        log_probs, carry = self.head(hidden[:, None], carry)
        return log_probs[:, 0], (hidden, carry)

    def select(self, state: tuple[torch.Tensor, torch.Tensor], rows: torch.Tensor):
        return state[0][rows], state[1][rows]


class RecordingConstraint:
    """Forbids token 2 at step 1 and allows only <eos> at step 3; records every call."""

    def __init__(self, vocab: int) -> None:
        self.vocab = vocab
        self.calls: list[tuple[int, list[int], list[list[int]]]] = []

    def __call__(self, step: int, rows: torch.Tensor, history: torch.Tensor) -> torch.Tensor:
        assert history.shape == (len(rows), step)
        self.calls.append((step, rows.tolist(), history.tolist()))
        allowed = torch.ones(len(rows), self.vocab, dtype=torch.bool)
        if step == 1:
            allowed[:, 2] = False
        if step == 3:
            allowed[:] = False
            allowed[:, EOS] = True
        return allowed


def exhaustive(model: BigramModel, start: int, max_len: int, allowed=None) -> list[Hypothesis]:
    """Every complete hypothesis, best first: terminated ones of length < max_len and unterminated of max_len."""
    vocab = model.matrix.shape[0]
    words = [t for t in range(vocab) if t != EOS]
    hypotheses = []
    for length in range(max_len + 1):
        for tokens in itertools.product(words, repeat=length):
            terminated = length < max_len
            if allowed is not None and not allowed(list(tokens), terminated):
                continue
            score = model.path_score(start, list(tokens), terminated)
            hypotheses.append(Hypothesis(list(tokens), score, terminated))
    return sorted(hypotheses, key=lambda h: -h.score)


def assert_same(got: Hypothesis, expected: Hypothesis, tol: float = 1e-9) -> None:
    assert got.tokens == expected.tokens
    assert got.terminated == expected.terminated
    assert got.score == pytest.approx(expected.score, abs=tol)


# --- 1. top-k and nucleus masks keep exactly the right tokens, ties included ---------------------------------------


def test_top_k_mask_hand_cases() -> None:
    scores = torch.tensor([[3.0, 1.0, 3.0, 2.0]])
    assert top_k_mask(scores, 1).tolist() == [[True, False, True, False]]  # both 3s
    assert top_k_mask(scores, 2).tolist() == [[True, False, True, False]]
    assert top_k_mask(scores, 3).tolist() == [[True, False, True, True]]
    assert top_k_mask(scores, 4).tolist() == [[True, True, True, True]]
    assert top_k_mask(scores, 10).tolist() == [[True, True, True, True]]  # k larger than the vocabulary
    assert top_k_mask(torch.tensor([[0.0, float("-inf"), -1.0]]), 1).tolist() == [[True, False, False]]
    with pytest.raises(ValueError):
        top_k_mask(scores, 0)


def test_nucleus_mask_hand_cases() -> None:
    log_probs = torch.log(torch.tensor([[0.5, 0.2, 0.2, 0.1]]))
    assert nucleus_mask(log_probs, 0.6).tolist() == [[True, True, True, False]]  # 0.5 and both tied 0.2s
    assert nucleus_mask(log_probs, 0.5).tolist() == [[True, False, False, False]]
    assert nucleus_mask(log_probs, 0.3).tolist() == [[True, False, False, False]]
    assert nucleus_mask(log_probs, 0.95).tolist() == [[True, True, True, True]]
    assert nucleus_mask(log_probs, 1.0).tolist() == [[True, True, True, True]]
    # The order of the tokens does not matter, and rows are independent.
    two_rows = torch.log(torch.tensor([[0.1, 0.2, 0.5, 0.2], [0.25, 0.25, 0.25, 0.25]]))
    assert nucleus_mask(two_rows, 0.6).tolist() == [[False, True, True, True], [True, True, True, True]]
    # A tiny p keeps the most probable token (and its ties).
    assert nucleus_mask(two_rows, 1e-6).tolist() == [[False, False, True, False], [True, True, True, True]]
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError):
            nucleus_mask(log_probs, bad)


def test_nucleus_mask_with_p_one_keeps_tokens_of_tiny_probability() -> None:
    log_probs = torch.log_softmax(torch.tensor([[10.0, 0.0, -15.0, -30.0]]), dim=-1)
    assert nucleus_mask(log_probs, 1.0).tolist() == [[True, True, True, True]]


def reference_top_k(scores: list[float], k: int) -> list[bool]:
    kth = sorted(scores, reverse=True)[min(k, len(scores)) - 1]
    return [s >= kth for s in scores]


def reference_nucleus(probs: list[float], p: float) -> list[bool]:
    """Sort descending, keep the smallest prefix whose mass reaches p, plus every token tied with the last kept."""
    order = sorted(range(len(probs)), key=lambda i: -probs[i])
    mass, last = 0.0, probs[order[-1]]
    for i in order:
        mass += probs[i]
        if mass >= p:
            last = probs[i]
            break
    return [q >= last for q in probs]


# Rows of coarse values (steps of 0.25) so ties are frequent.
ROWS = st.lists(st.integers(-12, 12), min_size=1, max_size=10).map(lambda row: [v / 4 for v in row])


@settings(max_examples=300, deadline=None)
@given(ROWS, st.integers(1, 12))
def test_top_k_mask_matches_reference(row: list[float], k: int) -> None:
    scores = torch.tensor([row])
    assert top_k_mask(scores, k)[0].tolist() == reference_top_k(row, k)


@settings(max_examples=300, deadline=None)
@given(ROWS, st.floats(0.01, 0.99))
def test_nucleus_mask_matches_reference(row: list[float], p: float) -> None:
    log_probs = torch.log_softmax(torch.tensor([row]), dim=-1)
    probs = log_probs[0].exp().double().tolist()
    ordered = sorted(probs, reverse=True)
    # Stay away from the boundaries, where float32 and float64 sums may disagree.
    assume(all(abs(mass - p) > 1e-5 for mass in itertools.accumulate(ordered)))
    assert nucleus_mask(log_probs, p)[0].tolist() == reference_nucleus(probs, p)


def test_masks_work_row_by_row_on_a_batch() -> None:
    """A random batch with rounding ties: the batched mask equals the reference applied to each row."""
    generator = torch.Generator().manual_seed(0)
    scores = torch.round(torch.randn(200, 7, generator=generator) * 2) / 2
    log_probs = torch.log_softmax(scores, dim=-1)
    for k in (1, 2, 3, 7):
        mask = top_k_mask(scores, k)
        assert all(mask[i].tolist() == reference_top_k(scores[i].tolist(), k) for i in range(len(scores)))
    for p in (0.15, 0.45, 0.8):
        mask = nucleus_mask(log_probs, p)
        for i in range(len(scores)):
            probs = log_probs[i].exp().double().tolist()
            if all(abs(mass - p) > 1e-5 for mass in itertools.accumulate(sorted(probs, reverse=True))):
                assert mask[i].tolist() == reference_nucleus(probs, p)


def test_restrict_renormalises_over_the_mask() -> None:
    log_probs = torch.log(torch.tensor([[0.5, 0.2, 0.2, 0.1]]))
    mask = torch.tensor([[True, False, True, True]])
    restricted = restrict(log_probs, mask)
    assert restricted[0, 1] == float("-inf")
    assert restricted.exp().tolist()[0] == pytest.approx([0.625, 0.0, 0.25, 0.125])


# --- 2. the consistent variants always keep <eos> ------------------------------------------------------------------

# <eos> has probability 0.05: never among the top 2 nor in the 0.2-nucleus.
CONSTANT = [0.05, 0.4, 0.3, 0.15, 0.1]


def test_keep_token_makes_eos_a_candidate() -> None:
    log_probs = torch.log(torch.tensor([CONSTANT, CONSTANT]))
    for mask in (top_k_mask(log_probs, 2), nucleus_mask(log_probs, 0.2)):
        assert not mask[:, EOS].any()
        kept = keep_token(mask, EOS)
        assert kept[:, EOS].all()
        assert torch.equal(kept[:, 1:], mask[:, 1:])  # the other candidates are unchanged
        assert not mask[:, EOS].any()  # and the given mask is not modified
    assert keep_token(top_k_mask(log_probs, 2), EOS).tolist()[0] == [True, True, True, False, False]


@pytest.mark.parametrize(
    ("name", "candidates", "eos_share"),
    [("topk-2", {1, 2}, 0.05 / 0.75), ("nucleus-0.2", {1}, 0.05 / 0.45)],
)
def test_consistent_variants_terminate_where_plain_ones_never_do(name: str, candidates: set, eos_share: float) -> None:
    model = BigramModel.constant(CONSTANT)
    max_len, count = 20, 400
    start = torch.full((count,), 1, dtype=torch.long)

    decoding = Decoding.parse(name, max_len=max_len)
    plain = sample(model, None, start, decoding, EOS, None, torch.Generator().manual_seed(0))
    assert non_termination_ratio(plain) == 1.0
    assert all(len(h.tokens) == max_len and set(h.tokens) <= candidates for h in plain)

    decoding = Decoding.parse("consistent-" + name, max_len=max_len)
    assert decoding.consistent
    consistent = sample(model, None, start, decoding, EOS, None, torch.Generator().manual_seed(0))
    ratio = non_termination_ratio(consistent)
    assert 0.0 < ratio < 1.0
    assert ratio == pytest.approx((1 - eos_share) ** max_len, abs=0.08)
    for h in consistent:
        assert set(h.tokens) <= candidates  # <eos> is the only extra candidate
        assert h.terminated == (len(h.tokens) < max_len)
        assert h.score == pytest.approx(model.path_score(1, h.tokens, h.terminated))  # model log-probs, unfiltered


# --- 3. the self-terminating head ----------------------------------------------------------------------------------


@pytest.mark.parametrize("epsilon", [1e-5, 1e-3, 0.05, 0.3])
@pytest.mark.parametrize("eos_bias", [None, 50.0, -50.0])
def test_self_terminating_head_is_a_distribution_with_growing_eos(epsilon: float, eos_bias: float | None) -> None:
    torch.manual_seed(0)
    eos, steps = 2, 40
    head = SelfTerminatingHead(8, 6, eos, epsilon)
    if eos_bias is not None:
        with torch.no_grad():
            head.proj.bias[eos] = eos_bias
    hidden = torch.randn(5, steps, 8) * 3
    with torch.no_grad():
        log_probs, carry = head(hidden, torch.zeros(5))
    assert log_probs.shape == (5, steps, 6)
    assert carry.shape == (5,)
    sums = log_probs.double().exp().sum(dim=-1)
    assert torch.allclose(sums, torch.ones_like(sums), atol=1e-5)
    p_eos = log_probs[..., eos].double().exp()
    bound = 1 - (1 - epsilon) ** torch.arange(1, steps + 1, dtype=torch.float64)
    assert (p_eos >= bound * (1 - 1e-4)).all()
    assert (p_eos[:, 1:] >= p_eos[:, :-1] - 1e-6).all()  # p(eos) never falls
    if eos_bias == 50.0:  # eos logit huge: sigmoid ≈ 1, so the bound is reached
        assert torch.allclose(p_eos, bound.expand_as(p_eos), rtol=1e-3)
    if eos_bias == -50.0:  # eos logit hugely negative: sigmoid ≈ 0, so <eos> is all but certain
        assert torch.allclose(p_eos, torch.ones_like(p_eos))


def test_self_terminating_head_carry_splits_a_sequence() -> None:
    torch.manual_seed(1)
    head = SelfTerminatingHead(4, 5, 0, 0.01)
    hidden = torch.randn(3, 10, 4)
    with torch.no_grad():
        whole, carry = head(hidden, torch.zeros(3))
        first, middle = head(hidden[:, :6], torch.zeros(3))
        second, end = head(hidden[:, 6:], middle)
        steps, step_carry = [], torch.zeros(3)
        for t in range(10):
            out, step_carry = head(hidden[:, t : t + 1], step_carry)
            steps.append(out)
    assert torch.allclose(torch.cat([first, second], dim=1), whole, atol=1e-5)
    assert torch.allclose(end, carry, atol=1e-5)
    assert torch.allclose(torch.cat(steps, dim=1), whole, atol=1e-5)
    assert torch.allclose(step_carry, carry, atol=1e-5)


def test_head_validation_and_softmax_head() -> None:
    for bad in (0.0, 1.0, -0.5):
        with pytest.raises(ValueError):
            SelfTerminatingHead(4, 5, 0, bad)
    head = SoftmaxHead(4, 5, 0)
    hidden, carry = torch.randn(2, 3, 4), torch.tensor([0.5, -1.0])
    with torch.no_grad():
        log_probs, out = head(hidden, carry)
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(2, 3))
    assert torch.equal(out, carry)


@pytest.mark.parametrize("name", ["greedy", "beam-3", "ancestral", "topk-2", "nucleus-0.4"])
def test_self_terminating_model_always_terminates(name: str) -> None:
    """Under a self-terminating head with a large ε every decoder ends, even with an <eos> logit of +50."""
    head = SelfTerminatingHead(6, 7, EOS, 0.2)
    with torch.no_grad():
        head.proj.bias[EOS] = 50.0
    model = HeadModel(head, 7, 6, seed=3)
    size = 16
    state = (torch.zeros(size, 6), torch.zeros(size))
    start = torch.arange(size) % 7
    results = decode(model, state, start, Decoding.parse(name, max_len=30), EOS, None, torch.Generator().manual_seed(0))
    assert non_termination_ratio(results) == 0.0


# --- 4. beam search with a large beam equals exhaustive search ----------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_large_beam_equals_exhaustive_search(seed: int) -> None:
    model = BigramModel.random(4, seed)
    max_len = 4
    decoding = Decoding.parse("beam-64", max_len=max_len)
    starts = torch.tensor([0, 1, 2, 3])
    best = beam_search(model, None, starts, decoding, EOS)
    top3 = beam_search(model, None, starts, decoding, EOS, n_best=3)
    for row, start in enumerate(starts.tolist()):
        expected = exhaustive(model, start, max_len)
        assert len(best[row]) == 1
        assert_same(best[row][0], expected[0])
        assert len(top3[row]) == 3
        assert [h.score for h in top3[row]] == sorted((h.score for h in top3[row]), reverse=True)
        for got, want in zip(top3[row], expected[:3], strict=True):
            assert_same(got, want)


def test_large_beam_finds_unterminated_and_immediately_terminated_optima() -> None:
    """Boundary cases: the best is <eos> straight away, or it never ends."""
    wide = Decoding("beam", beam=64, max_len=4)
    eager = BigramModel.constant([0.9, 0.05, 0.03, 0.02])
    assert_same(beam_search(eager, None, torch.tensor([1]), wide, EOS)[0][0], Hypothesis([], math.log(0.9), True))
    never = BigramModel.constant([1e-6, 0.9, 0.05, 0.05 - 1e-6])
    got = beam_search(never, None, torch.tensor([2]), wide, EOS)[0][0]
    assert_same(got, exhaustive(never, 2, 4)[0])
    assert got.tokens == [1, 1, 1, 1] and not got.terminated


@pytest.mark.parametrize("width", [1, 2, 3])
def test_small_beam_scores_match_their_tokens_and_beam_one_is_greedy(width: int) -> None:
    for seed in range(5):
        model = BigramModel.random(5, 10 + seed)
        starts = torch.arange(5)
        decoding = Decoding("beam", beam=width, max_len=6)
        results = beam_search(model, None, starts, decoding, EOS, n_best=width)
        for start, hypotheses in zip(starts.tolist(), results, strict=True):
            assert 1 <= len(hypotheses) <= width
            for h in hypotheses:
                assert EOS not in h.tokens
                assert h.terminated == (len(h.tokens) < 6)
                assert h.score == pytest.approx(model.path_score(start, h.tokens, h.terminated), abs=1e-9)
        if width == 1:
            greedy = decode(model, None, starts, Decoding("greedy", max_len=6), EOS)
            for got, want in zip([r[0] for r in results], greedy, strict=True):
                assert_same(got, want, tol=1e-6)


# --- 5. batched and unbatched decoding agree ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["greedy", "beam-3"])
@pytest.mark.parametrize("seed", [0, 1])
def test_batched_decoding_equals_row_by_row(name: str, seed: int) -> None:
    model = GRUModel(vocab=6, hidden=8, seed=seed)
    decoding = Decoding.parse(name, max_len=8)
    starts = torch.tensor([1, 2, 3, 4, 5])
    state = model.initial(len(starts), seed=seed + 100)
    batched = decode(model, state, starts, decoding, EOS)
    assert len(batched) == len(starts)
    for row in range(len(starts)):
        alone = decode(model, state[row : row + 1], starts[row : row + 1], decoding, EOS)
        assert_same(batched[row], alone[0], tol=1e-8)
        # The state followed each hypothesis: its score is that of its tokens.
        expected = model.path_score(state[row : row + 1], row + 1, batched[row].tokens, batched[row].terminated)
        assert batched[row].score == pytest.approx(expected, abs=1e-8)
    if decoding.method == "beam":  # the n-best lists agree too
        batched_lists = beam_search(model, state, starts, decoding, EOS, n_best=3)
        for row in range(len(starts)):
            alone = beam_search(model, state[row : row + 1], starts[row : row + 1], decoding, EOS, n_best=3)[0]
            assert len(batched_lists[row]) == len(alone)
            for got, want in zip(batched_lists[row], alone, strict=True):
                assert_same(got, want, tol=1e-8)
                expected = model.path_score(state[row : row + 1], row + 1, got.tokens, got.terminated)
                assert got.score == pytest.approx(expected, abs=1e-8)
    # The toy model exercises both endings, so rows leave the batch at different steps.
    assert {h.terminated for h in batched} == {True, False}


# --- 6. Decoding.parse --------------------------------------------------------------------------------------------

NAMES = [
    "greedy",
    "beam-2",
    "beam-4",
    "ancestral",
    "topk-2",
    "topk-4",
    "nucleus-0.2",
    "nucleus-0.4",
    "consistent-topk-2",
    "consistent-topk-4",
    "consistent-nucleus-0.2",
    "consistent-nucleus-0.4",
]


@pytest.mark.parametrize("name", NAMES)
def test_parse_round_trips(name: str) -> None:
    decoding = Decoding.parse(name, max_len=37, temperature=0.7)
    assert decoding.name == name
    assert decoding.max_len == 37 and decoding.temperature == 0.7
    assert decoding.consistent == name.startswith("consistent-")
    expected_method = {"greedy": "greedy", "beam": "beam"}.get(name.split("-")[0], "sample")
    assert decoding.method == expected_method


def test_parse_fields() -> None:
    assert Decoding.parse("beam-4").beam == 4
    assert Decoding.parse("topk-2").top_k == 2 and not Decoding.parse("topk-2").top_p
    assert Decoding.parse("consistent-nucleus-0.4").top_p == pytest.approx(0.4)
    assert Decoding.parse("ancestral") == Decoding("sample")
    assert Decoding.parse("greedy") == Decoding()


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("beam-0", "beam-0: beam width must be at least 1"),
        ("topk-0", "topk-0: k must be at least 1"),
        ("nucleus-2", "nucleus-2: nucleus p must be above 0 and at most 1"),
        ("nucleus-0", "nucleus-0: nucleus p must be above 0 and at most 1"),
        ("beam-x", "beam-x: beam width must be a whole number"),
        ("beam", "beam: beam width must be a whole number"),
        ("topk-2.5", "topk-2.5: k must be a whole number"),
        ("nucleus-big", "nucleus-big: nucleus p must be a number"),
        ("consistent-beam-2", "consistent- goes only with topk-K and nucleus-P"),
        ("consistent-greedy", "consistent- goes only with topk-K and nucleus-P"),
        ("foo", "'foo' is unknown (one of: greedy, beam-N"),
    ],
)
def test_parse_rejects_bad_names_naming_the_problem(name: str, problem: str) -> None:
    with pytest.raises(OptionError) as error:
        Decoding.parse(name)
    assert error.value.parameter == "decoder"
    assert problem in error.value.as_option() and error.value.as_option().startswith("--decoder ")


@pytest.mark.parametrize(
    ("fields", "option"),
    [
        ({"max_len": 0}, "max_len"),
        ({"temperature": -0.5}, "temperature"),
        ({"temperature": float("inf")}, "temperature"),
        ({"temperature": float("nan")}, "temperature"),
        ({"method": "beam", "beam": 0}, "beam"),
        ({"method": "sample", "top_p": 1.5}, "top_p"),
        ({"method": "guess"}, "method"),
    ],
)
def test_decoding_range_checks_name_the_parameter(fields: dict, option: str) -> None:
    with pytest.raises(OptionError) as error:
        Decoding(**fields)
    assert error.value.parameter == option


@pytest.mark.parametrize("name", ["ancestral", "topk-3", "consistent-nucleus-0.5"])
def test_temperature_zero_samples_as_greedy(name: str) -> None:
    model = BigramModel.random(5, seed=3)
    starts = torch.tensor([0, 1, 2, 3, 4])
    greedy = decode(model, None, starts, Decoding("greedy", max_len=12), EOS)
    cold = Decoding.parse(name, max_len=12, temperature=0)
    for seed in (0, 1):
        found = decode(model, None, starts, cold, EOS, generator=torch.Generator().manual_seed(seed))
        assert [h.tokens for h in found] == [h.tokens for h in greedy]
        assert [h.score for h in found] == pytest.approx([h.score for h in greedy])


# --- 7. constraints are obeyed and see the right history ------------------------------------------------------------


def greedy_prone_to_token_two() -> BigramModel:
    """Token 2 is always the most probable and <eos> the least: unconstrained greedy repeats 2 forever."""
    probs = torch.tensor([0.02, 0.18, 0.5, 0.3])
    generator = torch.Generator().manual_seed(5)
    noise = torch.rand(4, 4, generator=generator) * 0.05
    return BigramModel(torch.log_softmax(torch.log(probs) + noise, dim=-1).double())


def constraint_ok(tokens: list[int], terminated: bool) -> bool:
    return (len(tokens) < 2 or tokens[1] != 2) and terminated and len(tokens) <= 3


def test_greedy_obeys_constraint_and_sees_its_history() -> None:
    model = greedy_prone_to_token_two()
    starts = torch.tensor([0, 1, 2, 3])
    decoding = Decoding("greedy", max_len=8)
    assert decode(model, None, starts, decoding, EOS)[0].tokens == [2] * 8  # the constraint matters
    constraint = RecordingConstraint(4)
    results = decode(model, None, starts, decoding, EOS, constraint)
    for start, h in zip(starts.tolist(), results, strict=True):
        assert constraint_ok(h.tokens, h.terminated)
        assert h.tokens == [2, 3, 2]  # greedy's second choice at step 1, then <eos> forced at step 3
        assert h.score == pytest.approx(model.path_score(start, h.tokens, True))
    assert [step for step, _, _ in constraint.calls] == [0, 1, 2, 3]
    for step, rows, history in constraint.calls:
        assert history == [results[r].tokens[:step] for r in rows]


def test_sampling_obeys_constraint_and_sees_its_history() -> None:
    model = BigramModel.random(4, 7, scale=0.5)
    starts = torch.arange(4).repeat(25)
    constraint = RecordingConstraint(4)
    generator = torch.Generator().manual_seed(3)
    results = sample(model, None, starts, Decoding("sample", max_len=8), EOS, constraint, generator)
    assert all(constraint_ok(h.tokens, h.terminated) for h in results)
    assert {len(h.tokens) for h in results} == {0, 1, 2, 3}  # rows left the batch at every step
    for step, rows, history in constraint.calls:
        assert history == [results[r].tokens[:step] for r in rows]


def test_beam_obeys_constraint_and_sees_its_history() -> None:
    model = greedy_prone_to_token_two()
    starts = torch.tensor([1, 2, 3])
    constraint = RecordingConstraint(4)
    results = beam_search(model, None, starts, Decoding("beam", beam=64, max_len=6), EOS, constraint, n_best=5)
    for row, start in enumerate(starts.tolist()):
        expected = exhaustive(model, start, 6, allowed=constraint_ok)
        assert len(results[row]) == 5
        for got, want in zip(results[row], expected[:5], strict=True):
            assert_same(got, want)
    # With a narrow beam every live beam is finite after step 0, so every history must respect the constraint.
    constraint = RecordingConstraint(4)
    narrow = beam_search(model, None, starts, Decoding("beam", beam=3, max_len=6), EOS, constraint, n_best=3)
    assert all(constraint_ok(h.tokens, h.terminated) for hypotheses in narrow for h in hypotheses)
    by_step: dict[int, dict[int, list[list[int]]]] = {}
    for step, rows, history in constraint.calls:
        assert len(rows) == len(history)
        for r, tokens in zip(rows, history, strict=True):
            by_step.setdefault(step, {}).setdefault(r, []).append(tokens)
    assert sorted(by_step) == [0, 1, 2, 3]
    for r in range(len(starts)):
        assert all(tokens[1] != 2 for tokens in by_step[2][r] + by_step[3][r])
        # Each history extends one of the histories of the step before.
        for step in (2, 3):
            assert all(tokens[:-1] in by_step[step - 1][r] for tokens in by_step[step][r])
        # The returned hypotheses grew out of the beams the constraint saw.
        for h in narrow[r]:
            assert all(h.tokens[:step] in by_step[step][r] for step in range(len(h.tokens) + 1))


# --- 8. metrics -----------------------------------------------------------------------------------------------------


def test_non_termination_ratio_and_perplexity() -> None:
    done, open_ = Hypothesis([1], -1.0, True), Hypothesis([1, 2], -2.0, False)
    assert non_termination_ratio([done, done, done, open_]) == 0.25
    assert non_termination_ratio([open_]) == 1.0
    assert non_termination_ratio([done]) == 0.0
    with pytest.raises(ValueError):
        non_termination_ratio([])
    assert perplexity(4 * math.log(0.5), 4) == pytest.approx(2.0)
    assert perplexity(-3 * math.log(10), 3) == pytest.approx(10.0)
    assert perplexity(0.0, 5) == 1.0
    assert perplexity(0.0, 0) == 1.0  # no tokens: no division by zero


# --- 9. determinism -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ancestral", "topk-2", "consistent-nucleus-0.4"])
def test_sampling_is_reproducible_with_a_seeded_generator(name: str) -> None:
    model = GRUModel(vocab=6, hidden=8, seed=4)
    starts = torch.arange(1, 6).repeat(10)
    state = model.initial(len(starts), seed=9)
    decoding = Decoding.parse(name, max_len=12)

    def run(seed: int) -> list[Hypothesis]:
        return sample(model, state, starts, decoding, EOS, None, torch.Generator().manual_seed(seed))

    first, second = run(0), run(0)
    assert [h.tokens for h in first] == [h.tokens for h in second]
    assert [h.score for h in first] == [h.score for h in second]
    assert [h.terminated for h in first] == [h.terminated for h in second]
    assert [h.tokens for h in run(1)] != [h.tokens for h in first]  # the seed matters
