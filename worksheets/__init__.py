"""Backpropagation worksheets and answer keys from YAML network specs."""
__version__ = "0.1.0"
