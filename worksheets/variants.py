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
from dataclasses import dataclass, field, replace

import numpy as np

from . import numbers
from .engine import evaluate
from .problems import KINDS
from .problems.common import DEFAULT_DECIMALS
from .quantities import Quantity, lookup
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
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:16], "big")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, version, digest])))


# ---- drawing one instance ---------------------------------------------------------

def _choice_fields(spec) -> list[str]:
    """Fields given as a list of choices (e.g. path-blank's target)."""
    names = getattr(KINDS[spec.kind], "CHOICE_FIELDS", ())
    return [n for n in names if isinstance(getattr(spec, n), list)]


def is_random(spec) -> bool:
    if _choice_fields(spec):
        return True
    network = getattr(spec, "network", None)
    if network is not None and (network.is_random() or _fills_missing(spec)):
        return True
    given = getattr(spec, "given", None) or {}
    return any(_contains_random(v) for v in given.values())


def _fills_missing(spec) -> bool:
    """Ranges are set and the kind needs numbers the spec does not give."""
    if spec.random is None or not getattr(KINDS[spec.kind], "NEEDS_VALUES", False):
        return False
    net = spec.network
    return net.x is None or any(net.weight(l) is None for l in range(1, max(map(len, net.layers))))


def _contains_random(value) -> bool:
    return value is RANDOM or (isinstance(value, list) and any(_contains_random(v) for v in value))


def draw(spec, rng: np.random.Generator):
    """One concrete instance of a problem spec: every random part replaced by a number."""
    ranges = spec.random or RandomRanges()
    updates = {name: getattr(spec, name)[int(rng.integers(len(getattr(spec, name))))]
               for name in _choice_fields(spec)}
    if getattr(spec, "network", None) is not None:
        updates["network"] = _draw_network(spec.network, ranges, rng, _fills_missing(spec))
    if getattr(spec, "given", None):
        updates["given"] = {name: _draw_given(spec, name, value, ranges, rng) for name, value in spec.given.items()}
    return spec.model_copy(update=updates)


def _draw_given(spec, name: str, value, ranges: RandomRanges, rng):
    """A given value of local-backprop; `W2: random` is a whole matrix of weights."""
    if not name.startswith("W"):
        return _fill(value, ranges.given, rng)
    layers = spec.network.layers[0]
    layer = int(name[1:])
    return _part(value, (layers[layer - 1], layers[layer]), ranges.weights, rng, False, nonzero=True)


def _draw_network(network: NetworkSpec, ranges: RandomRanges, rng, fill_missing: bool) -> NetworkSpec:
    layers = network.layers[int(rng.integers(len(network.layers)))] if len(network.layers) > 1 \
        else network.layers[0]
    fields = {"layers": [layers], "activation": network.activation, "output": network.output,
              "bias": network.bias}
    for l in range(1, len(layers)):
        fields[f"W{l}"] = _part(network.weight(l), (layers[l - 1], layers[l]), ranges.weights, rng,
                                fill_missing, nonzero=True)
        if network.bias:
            fields[f"b{l}"] = _part(network.bias_vector(l), (layers[l],), ranges.biases, rng, fill_missing)
    fields["x"] = _part(network.x, (layers[0],), ranges.inputs, rng, fill_missing)
    return NetworkSpec.drawn(**{k: v for k, v in fields.items() if v is not None})


def _part(value, shape: tuple, span: tuple, rng, fill_missing: bool, nonzero: bool = False):
    if value is RANDOM or (value is None and fill_missing):
        return _integers(rng, span, shape, nonzero)
    return _fill(value, span, rng, nonzero)


def _fill(value, span, rng, nonzero: bool = False):
    """Replaces each `random` entry of a number, list or matrix."""
    if value is RANDOM:
        return _integers(rng, span, (), nonzero)
    if isinstance(value, list):
        return [_fill(v, span, rng, nonzero) for v in value]
    return value


def _integers(rng, span, shape: tuple, nonzero: bool = False):
    """Integers from span (both ends included). A weight of 0 cuts its edge out of the
    problem, so weights skip 0 unless the range holds nothing else. The k-th choice is
    computed, not looked up in a list of the whole range (which may hold 2,000,001)."""
    low, high = span
    skip_zero = nonzero and low <= 0 <= high and low != high
    index = rng.integers(high - low + 1 - skip_zero, size=shape)
    values = low + index
    if skip_zero:
        values = values + (values >= 0)  # the choices after 0 move up by one
    # Plain ints (exact, and far cheaper than Fractions in the rejection loop).
    return values.tolist()


# ---- the good-problem rules -------------------------------------------------------

@dataclass
class Numbers:
    """What a student computes in one instance, for the rules."""
    intermediates: list = field(default_factory=list)
    answers: dict = field(default_factory=dict)  # quantity name -> value
    dead_relu: bool = False  # some hidden ReLU is off (z <= 0)
    terms: object = tuple  # () -> nonzero path terms per asked derivative (computed when needed)
    exact: bool = True
    architecture: tuple = ()
    parts: list = field(default_factory=list)  # one value per part, for "no two parts share an answer"

    def __post_init__(self):
        if not self.parts:  # by default each answer is a part
            self.parts = list(self.answers.values())


def numbers_of(spec) -> Numbers:
    module = KINDS[spec.kind]
    if hasattr(module, "variant_numbers"):
        return module.variant_numbers(spec)
    network = getattr(spec, "network", None)
    if network is None or not network.has_values():
        return Numbers()
    return network_numbers(spec, getattr(spec, "ask", []))


def network_numbers(spec, asked: list[Quantity], parts: list | None = None) -> Numbers:
    """Numbers of a network problem from one float pass of the engine (values are small
    integers or rounded, so floats are exact enough for the rules)."""
    net = spec.network.to_network()
    values = evaluate(net)
    arrays = values.z[1:] + values.a[1:] + values.dz[1:] + values.da + values.dW[1:] + values.db[1:]
    intermediates = np.concatenate([np.ravel(array) for array in arrays])
    answers = {q.name: lookup(q, values) for q in asked}
    dead = net.hidden == "relu" and any(np.any(z <= 0) for z in values.z[1:-1])

    def terms() -> tuple:
        counts = nonzero_path_counts(net, values)
        return tuple(_terms(q, net, values, counts) for q in asked if q.derivative)
    return Numbers(intermediates, answers, dead, terms, net.is_exact(), net.layers,
                   parts if parts is not None else list(answers.values()))


def nonzero_path_counts(net, values) -> list[np.ndarray]:
    """counts[l][j]: paths from node j of layer l to the output whose every W and g′ is
    nonzero — the terms a student actually multiplies out."""
    from .engine import ACTIVATION
    counts = [None] * (net.depth + 1)
    counts[net.depth] = np.ones(net.layers[-1])
    for layer in range(net.depth, 0, -1):
        alive = ACTIVATION[net.activation(layer)][1](values.z[layer]) != 0
        counts[layer - 1] = ((net.W(layer) != 0) * alive) @ counts[layer]
    return counts


def _terms(q: Quantity, net, values, counts) -> int:
    """Nonzero terms of q's path sum: its local factors, times the paths onward."""
    from .engine import ACTIVATION
    if q.symbol in ("x", "a"):
        return int(counts[q.layer if q.symbol == "a" else 0][q.i - 1])
    node = q.j if q.symbol == "W" else q.i
    local = ACTIVATION[net.activation(q.layer)][1](values.z[q.layer][node - 1]) != 0
    if q.symbol == "W":
        local = local and values.a[q.layer - 1][q.i - 1] != 0
    return int(counts[q.layer][node - 1]) if local else 0


def broken_rule(spec, found: Numbers, reference: "Reference | None", earlier: list) -> str | None:
    """The first good-problem rule this instance breaks, or None."""
    limit = (spec.random or RandomRanges()).max_value
    values = np.concatenate([np.asarray(found.intermediates, dtype=float),
                             np.asarray(list(found.answers.values()), dtype=float)])
    if found.exact and np.any(values != np.round(values)):
        return "every value a student computes is an integer"
    if np.any(np.abs(values) > limit):
        return f"every value a student computes is at most {limit} in size"
    zero_ok = spec.dead_relu or getattr(KINDS[spec.kind], "ZERO_ANSWERS_OK", False)
    printed = as_printed(spec, found)
    if not zero_ok and any(v == 0 for v in printed.answers.values()):
        return "no asked answer is 0 (set dead_relu: true to allow it)"
    if spec.dead_relu and not found.dead_relu:
        return "dead_relu: true needs a hidden ReLU that is off"
    if _shared_answer(spec, printed):
        return "no two parts share an answer"
    if parameters(spec) in earlier:
        return DUPLICATE
    if reference is not None and not _fair(found, reference):
        return "versions have a similar amount of arithmetic"
    return None


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
    from .paths import path_sum
    from .quantities import parse
    network = getattr(spec, "network", None)
    if network is None:
        return False
    try:
        net = network.to_network()
        a, b = parse(first), parse(second)
        return a.derivative and b.derivative and path_sum(net, a) == path_sum(net, b)
    except ValueError:
        return False


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
    if found.architecture == reference.architecture and found.terms() != reference.terms:
        return False
    size, ref = _largest(found), reference.largest
    return not (size and ref) or ref / FAIRNESS_FACTOR <= size <= ref * FAIRNESS_FACTOR


def _largest(found: Numbers) -> float:
    return max((abs(float(v)) for v in found.answers.values()), default=0.0)


# ---- versions ---------------------------------------------------------------------

def instance(spec, rng, reference: Reference | None, earlier: list):
    """The first draw that keeps every rule, with its numbers."""
    failures = Counter()
    for _ in range(MAX_TRIES):
        candidate = draw(spec, rng)
        found = numbers_of(candidate)
        rule = broken_rule(candidate, found, reference, earlier)
        if rule is None:
            return candidate, found
        failures[rule] += 1
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
    return settle_versions(spec, key, seed, first, reference, drawn, warn)


def settle_versions(spec, key: str, seed: int, first, reference: Reference, drawn: list,
                    warn=lambda message: None) -> list:
    """problem_versions after the drawing: version A (first) and the independently drawn
    versions B, C, ... (drawn), with duplicates drawn again in version order."""
    chosen = [first] + list(drawn)
    count = len(chosen)
    earlier = [parameters(first)]
    for version in range(1, count):
        if parameters(chosen[version]) in earlier:
            try:
                chosen[version] = instance(spec, problem_rng(seed, version, key + "/again"), reference, earlier)[0]
            except NoVariant as exc:
                if exc.rule != DUPLICATE:
                    raise
                warn(f"only {version} distinct variants exist; versions from "
                     f"{version_label(version)} on repeat them in the same order")
                return [chosen[v % version] for v in range(count)]
        earlier.append(parameters(chosen[version]))
    return chosen


def parameters(spec) -> dict:
    """The numbers of one instance, as JSON data (for manifest.json and duplicate checks)."""
    data = {}
    for name in getattr(KINDS[spec.kind], "CHOICE_FIELDS", ()):
        value = getattr(spec, name)
        data[name] = getattr(value, "name", None) or str(value)
    network = getattr(spec, "network", None)
    if network is not None and len(network.layers) == 1 and not network.is_random():
        data["layers"] = network.architecture
        for l in range(1, len(network.architecture)):
            for name in (f"W{l}", f"b{l}"):
                if getattr(network, name) is not None:
                    data[name] = _json(getattr(network, name))
        if network.x is not None:
            data["x"] = _json(network.x)
    if getattr(spec, "given", None):
        data["given"] = {k: _json(v) for k, v in spec.given.items()}
    return data


def _json(value):
    if isinstance(value, list):
        return [_json(v) for v in value]
    exact = numbers.plain(value)
    return exact if isinstance(exact, int) else str(exact)
