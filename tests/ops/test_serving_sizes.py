"""gunicorn's sizes: a worker per CPU and four threads each unless told (the figures behind
them are `make bench-workers`'s, in docs/admin/deploying.md), and a clear refusal of a size
that is not a whole number."""

import os

import pytest

from app.ops import serving


def test_unless_told_a_worker_per_cpu_and_four_threads_each() -> None:
    assert serving.workers({}) == len(os.sched_getaffinity(0))
    assert serving.threads({}) == 4


def test_the_sizes_told_are_the_sizes_served() -> None:
    told = {"KEYFOB_SERVE_WORKERS": "3", "KEYFOB_SERVE_THREADS": "2"}
    assert (serving.workers(told), serving.threads(told)) == (3, 2)


@pytest.mark.parametrize("size", ["0", "-1", "two", "1.5"])
def test_a_size_that_is_not_a_whole_number_stops_the_start(size: str) -> None:
    with pytest.raises(SystemExit, match="KEYFOB_SERVE_THREADS must be a whole number"):
        serving.threads({"KEYFOB_SERVE_THREADS": size})
