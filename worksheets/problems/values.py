"""What a problem on a network with numbers requires of its spec."""
from __future__ import annotations

from ..spec import FieldError


def require_values(spec) -> None:
    """FieldError unless every weight matrix and the input are given (as numbers or
    `random`), or `random:` ranges let the generator choose the missing ones."""
    if spec.random is not None:
        return
    network = spec.network
    if network.x is None:
        raise FieldError("this problem needs the input x (numbers or random)", "network", "x")
    if network.loss != "none" and network.y is None:
        raise FieldError("a loss needs the targets y (numbers or random)", "network", "y")
    for layer in range(1, max(len(c) for c in network.layers)):
        if network.weight(layer) is None:
            raise FieldError(f"this problem needs the weights W{layer} (numbers or random)",
                             "network", f"W{layer}")
