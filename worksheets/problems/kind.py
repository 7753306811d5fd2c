"""The kind interface: everything the rest of the program may ask of a problem kind.

A kind is one module of this package that defines `KIND = Kind(...)`: its spec model
(the keys of its entries in a spec file), `build` (a concrete spec and the problem's
number -> a document.Problem, every answer checked), and the hooks below, whose
defaults fit a problem on a network with weights and an input. worksheets.kinds finds
the kinds; nothing else names one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..document import Problem
from .arithmetic import Numbers, network_numbers
from .wording import with_own_wording


@dataclass(frozen=True)
class Kind:
    name: str  # the `kind:` of a spec entry
    spec: type  # its pydantic model (a subclass of spec.ProblemSpec)
    build: Callable[[Any, int], Problem]
    # The generator fills in weights and inputs the spec leaves out when `random:` is set.
    needs_values: bool = False
    # Asked answers may be 0 without `dead_relu: true` (a zero gradient is the point).
    zero_answers_ok: bool = False
    # Networks are drawn with every hidden ReLU on, unless the spec asks for a dead one
    # (dead_relu: true): a dead ReLU zeroes the gradients through it, which the rules
    # reject, so most whole-network draws would be wasted (see variants._draw_relus_on).
    relus_on: bool = False
    # Fields that may hold a list of choices, one chosen per version (path-blank's target).
    choice_fields: tuple[str, ...] = ()
    # What a student computes, for the good-problem rules; default: the asked quantities
    # of the spec's network.
    numbers: Callable[[Any], Numbers] | None = None
    # Values given outside a network (a `given:` or a graph's inputs): how to tell they
    # hold `random`, how to draw them, and how to list them in manifest.json.
    given: "GivenValues | None" = None
    # A spec entry of this kind that builds as it is, with comments: what `worksheets new`
    # writes for it.
    example: str = ""
    in_starter: bool = False  # one of the kinds `worksheets new` writes when none are named

    def problem(self, spec, number: int) -> Problem:
        """The problem a concrete spec asks, in the spec's own wording where it has some."""
        return with_own_wording(self.build(spec, number), spec)

    def numbers_of(self, spec) -> Numbers:
        if self.numbers is not None:
            return self.numbers(spec)
        network = getattr(spec, "network", None)
        if network is None or not network.has_values():
            return Numbers()
        return network_numbers(spec, getattr(spec, "ask", []))

    def choices(self, spec) -> list[str]:
        """The choice fields this spec gives as a list of choices."""
        return [name for name in self.choice_fields if isinstance(getattr(spec, name), list)]

    def variant_count(self, spec) -> int | None:
        """How many distinct versions the spec can have, when it is small enough to count
        (only choices, no numbers drawn); None: too many to matter."""
        network = getattr(spec, "network", None)
        if self.needs_values or self.given is not None or (network is not None and network.has_random_numbers()):
            return None
        count = len(network.layers) if network is not None else 1
        for name in self.choices(spec):
            count *= len(getattr(spec, name))
        return count


@dataclass(frozen=True)
class GivenValues:
    """Hooks of a kind whose numbers are given outside a network."""
    is_random: Callable[[Any], bool]  # spec -> whether any given value is `random`
    draw: Callable[[Any, Any, Any], dict]  # (spec, ranges, rng) -> {field: value drawn}
    parameters: Callable[[Any], dict]  # spec -> the given values as JSON data
