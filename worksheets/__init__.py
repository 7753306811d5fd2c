"""Backpropagation worksheets and answer keys from YAML network specs."""
import os

# The networks' matrices are a few numbers each: a second BLAS thread would only spin
# beside the build's own processes (set before numpy is first imported).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
