"""figures/*.svg: each network figure of a version as a standalone SVG, for slides."""
from __future__ import annotations


def files(version, slots) -> dict[str, bytes]:
    return {f"figures/{figure.name}.svg": version.drawn[figure.spec].svg.encode()
            for figure in version.figures}
