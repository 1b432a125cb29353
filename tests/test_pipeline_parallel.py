"""pipeline.side_by_side: two calls at a time, results in order, errors raised, fork-safe."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from tools.pipeline import side_by_side


def test_results_come_back_in_the_calls_order_from_two_threads():
    names: set[str] = set()
    barrier = threading.Barrier(2, timeout=10)  # both calls must run at once to pass it

    def call(value: int) -> int:
        names.add(threading.current_thread().name)
        barrier.wait()
        return value * 10

    assert side_by_side([lambda: call(1), lambda: call(2)]) == [10, 20]
    assert len(names) == 2


def test_an_error_in_a_call_is_raised_to_the_caller():
    def broken() -> int:
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        side_by_side([lambda: 1, broken])


def _in_child(queue: multiprocessing.Queue) -> None:
    queue.put(side_by_side([lambda: 1, lambda: 2]))


def test_a_forked_child_gets_threads_of_its_own():
    side_by_side([lambda: 0, lambda: 0])  # the parent's pool exists before the fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_in_child, args=(queue,))
    child.start()
    child.join(timeout=30)
    if child.is_alive():
        child.kill()
        pytest.fail("side_by_side hung in a forked child (the parent's dead threads)")
    assert queue.get(timeout=5) == [1, 2]
