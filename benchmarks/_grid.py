"""Run grids of independent cells sequentially, with joblib, or on dask.distributed.

``GridRunner(...).map(fn, cells, payloads, key, settings)`` calls
``fn(cell, payloads[key(cell)], settings)`` for every cell and returns the results in
the order of ``cells``, whatever the backend, with a tqdm progress bar on stderr:

- ``n_jobs=1`` (joblib backend): a plain loop in this process;
- ``backend="joblib"``, ``n_jobs=N``: joblib's default (loky) process pool; numpy
  arrays above 1 MB reach the workers as memory maps, not copies;
- ``backend="dask"``: a ``dask.distributed`` cluster, either a ``LocalCluster`` of
  ``n_jobs`` single-threaded worker processes started here (all the CPUs when
  ``n_jobs`` is 1) or an existing scheduler (``scheduler="tcp://host:8786"``).
  Each payload is scattered once (one copy per task, not one per cell), and the
  modules named in ``by_value`` are pickled by value, so the workers need tlearn
  (and the peers) installed but not this ``benchmarks/`` folder.

``fn`` must compute the same result wherever it runs (no state of the process);
then every backend gives the sequential results. Not part of tlearn.
"""

from __future__ import annotations

import logging
import os
import sys
import time

BACKENDS = ("joblib", "dask")


def progress_bar(total, desc, enabled):
    """A tqdm bar on stderr; a do-nothing stand-in when tqdm is missing or not wanted."""
    if enabled:
        try:
            from tqdm.auto import tqdm

            return tqdm(total=total, desc=desc, unit="fit", file=sys.stderr, smoothing=0.05)
        except ImportError:
            pass

    class _Null:
        def update(self, n=1):
            pass

        def close(self):
            pass

    return _Null()


def dask_available():
    """``(True, "")`` when dask.distributed imports, else ``(False, why)``."""
    try:
        import distributed  # noqa: F401
    except Exception as exc:  # ImportError, or a broken install
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


def _indexed(fn, i, cell, payload, settings):
    return i, fn(cell, payload, settings)


class GridRunner:
    """A context manager that runs grids of cells on one backend (see the module docstring).

    The dask cluster (or the connection to ``scheduler``) lives as long as the
    ``with`` block, so several grids share it. ``info`` describes the backend.
    """

    def __init__(self, n_jobs=1, backend="joblib", scheduler=None, progress=True, by_value=()):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        if scheduler and backend != "dask":
            raise ValueError("a scheduler address needs backend='dask'")
        self.n_jobs = int(n_jobs)
        self.backend = backend
        self.scheduler = scheduler
        self.progress = progress
        self.by_value = tuple(by_value)
        self.client = self.cluster = None
        if backend == "dask":
            self.info = {"backend": "dask"}
        elif self.n_jobs == 1:
            self.info = {"backend": "sequential", "n_jobs": 1}
        else:
            self.info = {"backend": "joblib (loky)", "n_jobs": self.n_jobs}

    # ------------------------------------------------------------------ lifetime

    def __enter__(self):
        if self.backend != "dask":
            return self
        import cloudpickle
        from distributed import Client, LocalCluster

        for module in self.by_value:
            cloudpickle.register_pickle_by_value(module)
        if self.scheduler:
            self.client = Client(self.scheduler)
            self.info["scheduler"] = str(self.scheduler)
        else:
            n_workers = self.n_jobs if self.n_jobs > 1 else (os.cpu_count() or 1)
            self.cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)
            self.info["scheduler"] = f"LocalCluster ({n_workers} processes x 1 thread)"
        self.info["worker_threads"] = sum(self.client.nthreads().values())
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None
        if self.backend == "dask":
            import cloudpickle

            for module in self.by_value:
                cloudpickle.unregister_pickle_by_value(module)
        return False

    # ------------------------------------------------------------------ running

    def map(self, fn, cells, payloads, key, settings, desc=None):
        """``fn(cell, payloads[key(cell)], settings)`` for every cell, in the order of cells."""
        bar = progress_bar(len(cells), desc, self.progress)
        try:
            if self.backend == "dask":
                if self.client is None:
                    raise RuntimeError("use the dask GridRunner inside a `with` block")
                return self._dask(fn, cells, payloads, key, settings, bar)
            if self.n_jobs == 1:
                out = []
                for cell in cells:
                    out.append(fn(cell, payloads[key(cell)], settings))
                    bar.update()
                return out
            return self._joblib(fn, cells, payloads, key, settings, bar)
        finally:
            bar.close()

    def _joblib(self, fn, cells, payloads, key, settings, bar):
        from joblib import Parallel, delayed

        try:
            parallel = Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")
        except ValueError:  # joblib < 1.4: an ordered generator
            parallel = Parallel(n_jobs=self.n_jobs, return_as="generator")
        out = [None] * len(cells)
        jobs = (
            delayed(_indexed)(fn, i, cell, payloads[key(cell)], settings)
            for i, cell in enumerate(cells)
        )
        for i, result in parallel(jobs):
            out[i] = result
            bar.update()
        return out

    def _dask(self, fn, cells, payloads, key, settings, bar):
        from distributed import as_completed

        client = self.client
        used = sorted({key(c) for c in cells}, key=str)
        # a list, so that a dict payload is scattered as one object
        futures_of = dict(zip(used, client.scatter([payloads[k] for k in used], hash=False)))
        index, futures = {}, []
        for i, cell in enumerate(cells):
            f = client.submit(fn, cell, futures_of[key(cell)], settings, pure=False)
            index[f.key] = i
            futures.append(f)
        out = [None] * len(cells)
        for f in as_completed(futures):
            out[index[f.key]] = f.result()
            bar.update()
        del futures, futures_of  # releases the scattered payloads
        return out


def timed_map(runner, *args, **kwargs):
    """``(results, wall seconds)`` of ``runner.map(*args, **kwargs)``."""
    start = time.perf_counter()
    out = runner.map(*args, **kwargs)
    return out, time.perf_counter() - start
