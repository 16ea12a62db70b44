"""Dask clients for foxbat's distributed commands (``foxbat montecarlo``, ``foxbat coverage
--workers/--scheduler``): a local cluster of single-threaded worker processes, or a running
scheduler, with one-line errors when it cannot be reached or has no workers."""

from __future__ import annotations

from foxbat.errors import ParameterError

LOCAL_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def local_client(n_workers: int):
    """A LocalCluster of ``n_workers`` processes, 1 thread each, numba and BLAS on 1 thread
    (several processes on few cores: threads inside them would oversubscribe)."""
    import logging

    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.CRITICAL, env=dict(LOCAL_ENV))
    return Client(cluster)


def remote_client(address: str, timeout_s: float):
    """A client of a running scheduler; FoxbatError when it cannot be reached or has no workers."""
    from distributed import Client

    try:
        client = Client(address, timeout=timeout_s)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:  # TypeError: an address distributed cannot parse
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParameterError(f"cannot reach a Dask scheduler there within {timeout_s:g} s ({reason[:160]})",
                          where=f"--scheduler {address}") from None
    try:
        client.wait_for_workers(1, timeout=timeout_s)
    except (TimeoutError, OSError):
        client.close()
        raise ParameterError(f"the scheduler has no workers after {timeout_s:g} s; start some with "
                          f"`dask worker {address} --nthreads 1`", where=f"--scheduler {address}") from None
    return client


__all__ = ["LOCAL_ENV", "local_client", "remote_client"]
