"""Network figures in the course's style, laid out in Python and drawn by Graphviz."""
from .spec import FigureSpec

__all__ = ["FigureSpec"]
