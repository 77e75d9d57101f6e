"""One place that holds BLAS and OpenMP to a single thread while a small model runs.

The models of this package work on small matrices (3-4 parameters, a few thousand customers),
yet OpenBLAS and OpenMP wake their worker threads at every step; on a busy two-core machine the
spinning threads cost far more than they gain (measured 2-50x slower fits). Results are the same.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from threadpoolctl import ThreadpoolController

F = TypeVar("F", bound=Callable[..., Any])


@functools.lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    # Built once: finding the libraries costs milliseconds, limiting them then microseconds.
    return ThreadpoolController()


def single_thread(user_api: str | None = None) -> contextlib.AbstractContextManager[Any]:
    """A context in which BLAS (``user_api="blas"``) or every thread pool (None) uses one thread.

    Parameters
    ----------
    user_api : {"blas", "openmp"} or None
        Which pools to limit; None limits all of them.

    Examples
    --------
    >>> import numpy as np
    >>> with single_thread("blas"):
    ...     float(np.ones(3) @ np.ones(3))
    3.0
    """
    return _controller().limit(limits=1, user_api=user_api)


def single_threaded(func: F) -> F:
    """Decorator: run ``func`` inside :func:`single_thread` (all pools).

    Examples
    --------
    >>> @single_threaded
    ... def add(a, b):
    ...     return a + b
    >>> add(1, 2)
    3
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with single_thread():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
