"""Seeded random versions of a sheet that are good problems.

Each problem of each version draws from its own generator, seeded by (sheet seed,
version number, problem key), so adding, removing or reordering one problem never
changes another's numbers. A draw is kept only if it passes the good-problem rules;
after MAX_TRIES draws the spec is reported as impossible to satisfy.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from . import conventions, numbers, randomness
from .kinds import KINDS
from .network import Network
from .paths import path_sum
from .problems.arithmetic import Numbers
from .problems.checked import DEFAULT_DECIMALS
from .quantities import parse
from .spec import RANDOM, NetworkSpec, RandomRanges

MAX_TRIES = 2000
FAIRNESS_FACTOR = 3  # largest answers of two versions differ by at most this factor


class NoVariant(Exception):
    """No draw satisfied the rules; names the rule that failed most often."""

    def __init__(self, rule: str, tries: int):
        self.rule = rule
        super().__init__(f"no variant satisfies the good-problem rules after {tries} tries "
                         f"(most often failed: {rule})")
        self.tries = tries

    def __reduce__(self):  # raised in worker processes too
        return NoVariant, (self.rule, self.tries)


def version_label(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, 27 -> AB, ..."""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def problem_keys(raw_problems: list) -> list[str]:
    """A stable name per problem: its id, or a hash of its text (order does not matter)."""
    keys, seen = [], Counter()
    for raw in raw_problems:
        if isinstance(raw, dict) and raw.get("id") is not None:
            key = f"id:{raw['id']}"
        else:
            key = "spec:" + hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
        seen[key] += 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def problem_rng(seed: int, version: int, key: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, version, _key_digest(key)])))


@lru_cache(maxsize=256)
def _key_digest(key: str) -> int:
    """A problem key as a number (the same for every version: computed once)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:16], "big")


# ---- drawing one instance ---------------------------------------------------------

def is_random(spec) -> bool:
    kind = KINDS[spec.kind]
    if kind.choices(spec):
        return True
    network = getattr(spec, "network", None)
    if network is not None and (network.is_random() or _fills_missing(spec)):
        return True
    return kind.given is not None and kind.given.is_random(spec)


def _fills_missing(spec) -> bool:
    """Ranges are set and the kind needs numbers the spec does not give."""
    if spec.random is None or not KINDS[spec.kind].needs_values:
        return False
    net = spec.network
    return (net.x is None or (net.loss != "none" and net.y is None)
            or any(net.weight(l) is None for l in range(1, max(map(len, net.layers)))))


def drawn_unasked(spec) -> list[str]:
    """The weights, biases and input a spec leaves out that the generator draws (because
    `random:` ranges are set): worth a warning, since a forgotten W2 looks like this too."""
    if not _fills_missing(spec):
        return []
    net = spec.network
    layers = max(map(len, net.layers)) - 1
    names = [f"W{l}" for l in range(1, layers + 1) if net.weight(l) is None]
    if net.bias:
        names += [f"b{l}" for l in range(1, layers + 1) if net.bias_vector(l) is None]
    return names + (["x"] if net.x is None else []) + (["y"] if net.loss != "none" and net.y is None else [])


def draw(spec, rng: np.random.Generator):
    """One concrete instance of a problem spec: every random part replaced by a number."""
    kind = KINDS[spec.kind]
    ranges = spec.random or RandomRanges()
    updates = {name: getattr(spec, name)[int(rng.integers(len(getattr(spec, name))))]
               for name in kind.choices(spec)}
    if getattr(spec, "network", None) is not None:
        updates["network"] = _draw_network(spec.network, ranges, rng, _fills_missing(spec),
                                           relus_on=_relus_kept_on(spec))
    if kind.given is not None:
        updates.update(kind.given.draw(spec, ranges, rng))
    return spec.model_copy(update=updates)


# False: every network drawn whole and judged by the rules only, as before constructive
# drawing (bench/bench.py compares the two).
CONSTRUCTIVE = True


def _relus_kept_on(spec) -> bool:
    """Whether to draw the network with every hidden ReLU on (see _draw_relus_on): the
    kind asks for it, the spec wants no dead ReLU, and the hidden layers are ReLUs."""
    return (CONSTRUCTIVE and KINDS[spec.kind].relus_on and not spec.dead_relu and spec.network.activation == "relu"
            and not _zero_ok(spec) and not spec.network.is_batch)  # a batch: rules alone


def _zero_ok(spec) -> bool:
    """The spec's `zero_ok:`, False for a kind without one (asked without getattr's
    default: a pydantic model raises and catches an AttributeError for it, in every draw)."""
    return "zero_ok" in type(spec).model_fields and spec.zero_ok


def _draw_network(network: NetworkSpec, ranges: RandomRanges, rng, fill_missing: bool,
                  relus_on: bool = False) -> NetworkSpec:
    layers = network.layers[int(rng.integers(len(network.layers)))] if len(network.layers) > 1 \
        else network.layers[0]
    fields = {"layers": [layers], "activation": network.activation, "output": network.output,
              "bias": network.bias}
    if relus_on:
        return _draw_relus_on(network, layers, fields, ranges, rng, fill_missing)
    for l in range(1, len(layers)):
        fields[f"W{l}"] = randomness.part(network.weight(l), (layers[l - 1], layers[l]), ranges.weights, rng,
                                fill_missing, nonzero=True)
        if network.bias:
            fields[f"b{l}"] = randomness.part(network.bias_vector(l), (layers[l],), ranges.biases, rng, fill_missing)
    if network.is_batch:  # one row per point, each drawn like a single input
        fields["x"] = [randomness.part(row, (layers[0],), ranges.inputs, rng, fill_missing) for row in network.x]
    else:
        fields["x"] = randomness.part(network.x, (layers[0],), ranges.inputs, rng, fill_missing)
    fields.update(_loss_fields(network, layers, ranges, rng, fill_missing))
    return NetworkSpec.drawn(**{k: v for k, v in fields.items() if v is not None})


def _loss_fields(network: NetworkSpec, layers: list[int], ranges: RandomRanges, rng, fill_missing: bool) -> dict:
    """What a drawn network keeps of the spec's loss (its targets drawn): one place, so that
    every way of drawing keeps all of it."""
    if network.loss == "none":
        return {}
    return {"loss": network.loss, "y": _draw_targets(network, layers[-1], ranges, rng, fill_missing),
            "l2": network.l2, "reduce": network.reduce}


RELU_TRIES = 20  # draws of one node's weights (and bias) for a positive z before giving up


def _draw_relus_on(network: NetworkSpec, layers: list[int], fields: dict, ranges: RandomRanges, rng,
                   fill_missing: bool) -> NetworkSpec:
    """A network drawn constructively with every hidden ReLU on (z > 0): the input
    first, then layer by layer each node's incoming weights (and bias) drawn again until
    its z is positive. A dead ReLU zeroes every gradient through it, so drawing whole
    networks and rejecting those with a zero answer wastes most draws (about 50 per
    backprop version kept). The rules still judge the result: a node left off after
    RELU_TRIES (fixed weights, an input of zeros) only makes the draw fail them."""
    x = randomness.part(network.x, (layers[0],), ranges.inputs, rng, fill_missing)
    a, depth = x, len(layers) - 1
    for l in range(1, depth + 1):
        given_W, given_b = network.weight(l), network.bias_vector(l)
        W = randomness.part(given_W, (layers[l - 1], layers[l]), ranges.weights, rng, fill_missing, nonzero=True)
        b = randomness.part(given_b, (layers[l],), ranges.biases, rng, fill_missing) if network.bias else None
        if l < depth and W is not None and a is not None:
            a = [_node_on(W, b, a, j, given_W, given_b, ranges, rng, fill_missing) for j in range(layers[l])]
        fields[f"W{l}"] = W
        if b is not None:
            fields[f"b{l}"] = b
    fields["x"] = x
    fields.update(_loss_fields(network, layers, ranges, rng, fill_missing))
    return NetworkSpec.drawn(**{k: v for k, v in fields.items() if v is not None})


def _node_on(W: list, b: list | None, a: list, j: int, given_W, given_b, ranges: RandomRanges, rng,
             fill_missing: bool):
    """Node j's z = sum_i a_i W_ij + b_j, its random weights and bias drawn again (in W
    and b) until it is positive, at most RELU_TRIES times; returns its z."""
    # Only entries drawn from a range of more than one value can change z.
    drawn_W = [ranges.weights[0] != ranges.weights[1] and randomness.drawn_entry(given_W, (i, j), fill_missing)
               for i in range(len(a))]
    drawn_b = (b is not None and ranges.biases[0] != ranges.biases[1]
               and randomness.drawn_entry(given_b, (j,), fill_missing))
    rows = [i for i, drawn in enumerate(drawn_W) if drawn]
    for _ in range(RELU_TRIES):
        z = sum(a_i * row[j] for a_i, row in zip(a, W)) + (b[j] if b is not None else 0)
        if z > 0 or not (rows or drawn_b):
            return z
        # the weights in one call: the same numbers as drawn one at a time, in row order
        if rows:
            for i, weight in zip(rows, randomness.integers(rng, ranges.weights, (len(rows),), nonzero=True)):
                W[i][j] = weight
        if drawn_b:
            b[j] = randomness.integers(rng, ranges.biases, ())
    return z


def _draw_targets(network: NetworkSpec, outputs: int, ranges: RandomRanges, rng, fill_missing: bool):
    """Targets from the inputs' range; a class 1..n for softmax cross-entropy, 0 or 1 for
    cross-entropy. A batch: one entry per point (a row, or a class)."""
    span = {"softmax-cross-entropy": (1, outputs), "cross-entropy": (0, 1)}.get(network.loss, ranges.inputs)
    shape = (1,) if network.loss == "softmax-cross-entropy" else (outputs,)
    if not network.is_batch:
        return randomness.part(network.y, shape, span, rng, fill_missing)
    entries = network.y if isinstance(network.y, list) else [network.y] * len(network.x)
    return [randomness.part(entry if entry is None or entry is RANDOM or isinstance(entry, list) else [entry],
                            shape, span, rng, fill_missing) for entry in entries]


# ---- the good-problem rules -------------------------------------------------------



def broken_rule(spec, found: Numbers, reference: "Reference | None", earlier: list) -> str | None:
    """The first good-problem rule this instance breaks, or None."""
    if found.broken:
        return found.broken
    limit = (spec.random or RandomRanges()).max_value
    # Lists of floats, not arrays: numpy's overhead is most of these tests on a few numbers.
    answers = _floats(list(found.answers.values()))
    intermediates = _floats(found.intermediates)
    if found.exact and not (_whole(intermediates) and _whole([value * found.scale for value in answers])):
        return "every value a student computes is an integer" if found.scale == 1 else \
            f"every value a student computes is an integer (answers: a multiple of 1/{found.scale})"
    if any(abs(value) > limit for value in intermediates) or any(abs(value) > limit for value in answers):
        return f"every value a student computes is at most {limit} in size"
    zero_ok = spec.dead_relu or KINDS[spec.kind].zero_answers_ok or _zero_ok(spec)
    printed = as_printed(spec, found)
    if not zero_ok and any(v == 0 for v in printed.answers.values()):
        return "no asked answer is 0 (set dead_relu: true to allow it)"
    if spec.dead_relu and not found.dead_relu:
        return "dead_relu: true needs a hidden ReLU that is off"
    if _shared_answer(spec, printed):
        return "no two parts share an answer"
    if earlier and parameters(spec) in earlier:
        return DUPLICATE
    if reference is not None and not _fair(found, reference):
        return "versions have a similar amount of arithmetic"
    return None


def _floats(values) -> list[float]:
    """Numbers (a list, or an array of any shape) as a flat list of floats, as
    np.asarray(values, dtype=float) holds them."""
    if type(values) is list and all(type(value) is float for value in values):
        return values
    return np.asarray(values, dtype=float).ravel().tolist()


def _whole(values: list[float]) -> bool:
    if all(v.is_integer() for v in values):  # the usual case: exact integers, cheaply
        return True
    values = np.asarray(values, dtype=float)
    return not np.any(np.abs(values - np.round(values)) > 1e-9 * np.maximum(1.0, np.abs(values)))


def as_printed(spec, found: Numbers) -> Numbers:
    """found with its answers and parts as the key prints them: rounded to the problem's
    decimals when they are not exact (tanh: 0.0004 prints 0.000, and is a zero answer)."""
    if found.exact:
        return found
    decimals = getattr(spec, "decimals", DEFAULT_DECIMALS)

    def shown(value):
        if isinstance(value, (list, tuple)):
            return [shown(v) for v in value]
        if value is None or isinstance(value, bool):
            return value
        return numbers.rounded(float(value), decimals)
    answers = {name: shown(value) for name, value in found.answers.items()}
    return replace(found, answers=answers, parts=[shown(part) for part in found.parts])


def _shared_answer(spec, found: Numbers) -> bool:
    if len(found.parts) != len(found.answers):  # parts are not single quantities (tables)
        return len(set(map(repr, found.parts))) < len(found.parts)
    seen = {}
    for name, value in found.answers.items():
        if value in seen and not _always_equal(spec, seen[value], name):
            return True
        seen.setdefault(value, name)
    return False


def _always_equal(spec, first: str, second: str) -> bool:
    """Two quantities that are equal on every network (e.g. ∂H/∂b and ∂H/∂z of one node)."""
    network = getattr(spec, "network", None)
    if network is None or network.is_random():
        return False
    try:
        return _same_path_sums(tuple(network.architecture), network.activation, network.output, network.loss,
                               first, second, conventions.current())
    except ValueError:
        return False


@lru_cache(maxsize=256)
def _same_path_sums(layers: tuple, hidden: str, output: str, loss: str, first: str, second: str,
                    notation: conventions.Conventions) -> bool:
    """Whether two named quantities have the same path sum: it depends on the network's
    shape only (not its numbers), so it is asked once per shape and pair, not per draw."""
    net = Network(layers, hidden, output, loss=loss, relu_at_zero=notation.relu_at_zero)
    a, b = parse(first), parse(second)
    return a.derivative and b.derivative and path_sum(net, a) == path_sum(net, b)


@dataclass(frozen=True)
class Reference:
    """What versions of a problem must match: version A's arithmetic load."""
    architecture: tuple
    terms: tuple
    largest: float

    @classmethod
    def of(cls, found: Numbers) -> "Reference":
        return cls(found.architecture, found.terms(), _largest(found))


def _fair(found: Numbers, reference: Reference) -> bool:
    size, ref = _largest(found), reference.largest
    if size and ref and not ref / FAIRNESS_FACTOR <= size <= ref * FAIRNESS_FACTOR:
        return False
    # the terms last: counting them is the dearer test
    return found.architecture != reference.architecture or found.terms() == reference.terms


def _largest(found: Numbers) -> float:
    return max((abs(float(v)) for v in found.answers.values()), default=0.0)


# ---- versions ---------------------------------------------------------------------

# Draws made and kept in this process, for `make bench` (accepted draws per attempt).
DRAWS: Counter = Counter()


def instance(spec, rng, reference: Reference | None, earlier: list):
    """The first draw that keeps every rule, with its numbers."""
    failures = Counter()
    for tries in range(1, MAX_TRIES + 1):
        candidate = draw(spec, rng)
        found = KINDS[candidate.kind].numbers_of(candidate)
        rule = broken_rule(candidate, found, reference, earlier)
        if rule is None:
            DRAWS.update(made=tries, kept=1)
            return candidate, found
        failures[rule] += 1
    DRAWS.update(made=MAX_TRIES)
    raise NoVariant(failures.most_common(1)[0][0], MAX_TRIES)


DUPLICATE = "no two versions have the same numbers"


def reference_version(spec, key: str, seed: int):
    """Version A of a problem, and the arithmetic load the other versions must match."""
    candidate, found = instance(spec, problem_rng(seed, 0, key), None, [])
    return candidate, Reference.of(found)


def independent_versions(spec, key: str, seed: int, versions: range, reference: Reference) -> list:
    """Versions drawn each from its own generator, without looking at one another:
    any subset can be drawn in any process and gives the same instances."""
    return [instance(spec, problem_rng(seed, v, key), reference, [])[0] for v in versions]


def problem_versions(spec, key: str, seed: int, count: int, warn=lambda message: None,
                     draw_versions=independent_versions) -> list:
    """count instances of one problem spec, one per version. Versions are drawn
    independently (draw_versions may spread them over processes); a version equal to an
    earlier one is drawn again from a second generator of its own. When the problem has
    too few distinct variants, the versions repeat them in cycles (and warn)."""
    if not is_random(spec):
        return [spec] * count
    first, reference = reference_version(spec, key, seed)
    drawn = draw_versions(spec, key, seed, range(1, count), reference)
    return settle_versions(spec, key, seed, [first, *drawn], reference, warn)


def settle_versions(spec, key: str, seed: int, chosen, reference: Reference,
                    warn=lambda message: None):
    """problem_versions after the drawing: the independently drawn versions A, B, C, ...
    (chosen: a sequence whose items can be replaced, e.g. versions kept pickled, read one at a time), with
    duplicates drawn again in version order; returns chosen, or the first versions
    repeated in cycles when there are too few variants."""
    count = len(chosen)
    earlier = [parameters(chosen[0])]
    seen = {_canonical(earlier[0])}  # earlier's, to look up (a class set may have thousands)
    variants = KINDS[spec.kind].variant_count(spec)  # None: too many to run out
    for version in range(1, count):
        drawn_parameters = parameters(chosen[version])
        canonical = _canonical(drawn_parameters)
        if canonical in seen:
            try:
                if variants is not None and len(earlier) >= variants:  # no new one to draw
                    raise NoVariant(DUPLICATE, 0)
                chosen[version] = instance(spec, problem_rng(seed, version, key + "/again"), reference, earlier)[0]
            except NoVariant as exc:
                if exc.rule != DUPLICATE:
                    raise
                warn(f"only {version} distinct variants exist; versions from "
                     f"{version_label(version)} on repeat them in the same order")
                return _cycled(chosen, version, count)
            drawn_parameters = parameters(chosen[version])
            canonical = _canonical(drawn_parameters)
        earlier.append(drawn_parameters)
        seen.add(canonical)
    return chosen


def _cycled(chosen, period: int, count: int):
    """The first `period` versions repeated in order up to `count` (by the sequence itself
    when it can, e.g. without unpickling versions kept pickled)."""
    cycled = getattr(chosen, "cycled", None)
    return cycled(period, count) if cycled else [chosen[v % period] for v in range(count)]


def _canonical(parameters: dict) -> str:
    """Parameters as a string that is equal exactly when they are (keys sorted)."""
    return json.dumps(parameters, sort_keys=True, default=str)


def parameters(spec) -> dict:
    """The numbers of one instance, as JSON data (for manifest.json and duplicate checks)."""
    data = {}
    kind = KINDS[spec.kind]
    for name in kind.choice_fields:
        value = getattr(spec, name)
        data[name] = getattr(value, "name", None) or str(value)
    network = getattr(spec, "network", None)
    if network is not None and len(network.layers) == 1 and not network.is_random():
        data["layers"] = network.architecture
        for l in range(1, len(network.architecture)):
            for name in (f"W{l}", f"b{l}"):
                value = getattr(network, name)
                if value is not None:
                    written = [list(row) for row in conventions.as_written(value)] if name[0] == "W" else value
                    data[name] = numbers.parameter_json(written)
        if network.x is not None:
            data["x"] = numbers.parameter_json(network.x)
        if network.y is not None:
            data["y"] = numbers.parameter_json(network.y)
    if kind.given is not None:
        data["given"] = kind.given.parameters(spec)
    return data
