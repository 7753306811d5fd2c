"""A cache for work that versions share, which a version's own work does not crowd out.

Most calls made while rendering a class set carry a version's own numbers and come once:
kept by an lru_cache, they fill it (a worker of a class set of thousands holds tens of
megabytes of them) and push out what every version asks for again. This cache keeps a
result only when its arguments come a second time; arguments met once are remembered by
their hash alone (a hash that happens to be equal only admits a result a call early).
"""
from __future__ import annotations

from collections import OrderedDict
from functools import wraps
from typing import Callable, NamedTuple

_MISSING = object()


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    maxsize: int
    currsize: int


def kept_on_second_use(maxsize: int) -> Callable:
    """As functools.lru_cache(maxsize) for a function of hashable positional arguments,
    keeping a result from the second call with its arguments on (the last 4 * maxsize
    arguments met once are remembered)."""
    def decorate(function: Callable) -> Callable:
        kept: OrderedDict = OrderedDict()  # arguments -> result, least recently used first
        met_once: OrderedDict = OrderedDict()  # hashes of arguments met before
        counts = [0, 0]  # hits, misses

        @wraps(function)
        def cached(*args):
            result = kept.get(args, _MISSING)
            if result is not _MISSING:
                kept.move_to_end(args)
                counts[0] += 1
                return result
            counts[1] += 1
            result = function(*args)
            if noted_before(met_once, hash(args), 4 * maxsize):
                kept[args] = result
                if len(kept) > maxsize:
                    kept.popitem(last=False)
            return result

        def cache_clear() -> None:
            kept.clear()
            met_once.clear()
            counts[:] = [0, 0]

        cached.cache_clear = cache_clear
        cached.cache_info = lambda: CacheInfo(counts[0], counts[1], maxsize, len(kept))
        return cached
    return decorate


def noted_before(register: OrderedDict, digest: int, limit: int) -> bool:
    """Whether digest was noted in register before; notes it (the last `limit` noted are
    remembered)."""
    if digest in register:
        register.move_to_end(digest)
        return True
    register[digest] = None
    if len(register) > limit:
        register.popitem(last=False)
    return False
