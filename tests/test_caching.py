"""caching.kept_on_second_use: a result kept from the second call with its arguments on."""
from __future__ import annotations

from worksheets.caching import kept_on_second_use


def _counted(maxsize: int):
    calls = []

    @kept_on_second_use(maxsize)
    def square(n):
        calls.append(n)
        return [n * n]  # a new object per call: a kept result is the same object

    return square, calls


def test_a_result_is_kept_from_the_second_call_on():
    square, calls = _counted(4)
    first, second, third = square(3), square(3), square(3)
    assert first == second == third == [9]
    assert calls == [3, 3]  # computed twice, then kept
    assert third is second and second is not first
    assert square.cache_info() == (1, 2, 4, 1)


def test_arguments_met_once_do_not_push_out_what_is_kept():
    square, calls = _counted(2)
    square(1), square(1)  # kept
    for n in range(100, 150):  # a version's own numbers, each once
        square(n)
    calls.clear()
    assert square(1) == [1] and calls == []
    assert square.cache_info().currsize == 1


def test_the_least_recently_used_result_goes_when_the_cache_is_full():
    square, calls = _counted(2)
    for n in (1, 1, 2, 2, 1, 3, 3):  # 1, 2 kept; 1 used again; 3 pushes out 2
        square(n)
    calls.clear()
    square(1), square(3), square(2)
    assert calls == [2]


def test_a_result_is_the_functions_whatever_came_before():
    square, _ = _counted(3)
    for n in [5, 7, 5, 9, 7, 5, 11, 9] * 3:
        assert square(n) == [n * n]
    square.cache_clear()
    assert square.cache_info() == (0, 0, 3, 0)
    assert square(5) == [25]
