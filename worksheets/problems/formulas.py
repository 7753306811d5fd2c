"""Formulas several kinds print: matrices, and path sums over as many lines as they need."""
from __future__ import annotations

from .. import numbers
from ..document import DisplayMath
from ..network import Network
from ..paths import PathSum, path_sum_latex
from ..quantities import Quantity


def matrix_latex(rows, decimals: int | None = None) -> str:
    body = r" \\ ".join(" & ".join(numbers.latex(v, decimals) for v in row) for row in rows)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"


def sum_lines(lhs: str, prefix: str, terms: list[str], per_line: int = 2) -> tuple[DisplayMath, ...]:
    """lhs = prefix (t1 + t2 + ...) as one display line, or as several of per_line terms
    each when the sum is long (a sum of four paths does not fit the page width)."""
    if len(terms) <= per_line:
        body = " + ".join(terms)
        return (DisplayMath(rf"{lhs} = {prefix} ( {body} )" if prefix else rf"{lhs} = {body}"),)
    chunks = [" + ".join(terms[i:i + per_line]) for i in range(0, len(terms), per_line)]
    opening, closing = ("(", ")") if prefix else ("", "")
    lines = [rf"{lhs} = {prefix} {opening} {chunks[0]}"]
    lines += [rf"+ {chunk}" for chunk in chunks[1:]]
    lines[-1] += f" {closing}"
    return tuple(DisplayMath(line) for line in lines)


def full_sum(net: Network, q: Quantity, ps) -> tuple[DisplayMath, ...]:
    """∂H/∂q = its whole path sum, on as many lines as it needs."""
    prefix = path_sum_latex(net, PathSum(ps.prefix, ((),))) if ps.prefix else ""
    terms = [path_sum_latex(net, PathSum((), (t,))) for t in ps.terms]
    return sum_lines(q.latex(), prefix, terms)
