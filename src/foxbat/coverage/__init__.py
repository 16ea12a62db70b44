"""Coverage: line-of-sight kernels, network union, covered areas.

>>> from foxbat.terrain import open_dem
>>> from foxbat.coverage import RadarSite, compute_coverage
>>> cov = compute_coverage(open_dem(), [RadarSite(42.16, 139.4456, antenna_msl_m=600, name="Okushiri")])
"""

from foxbat.coverage.site import RadarSite

__all__ = ["Coverage", "RadarSite", "compute_coverage", "lowest_visible_height"]


def __getattr__(name: str):
    # the engine imports numba: load it on first use, so `foxbat coverage` can read the
    # DEM in one thread while another imports numba and loads the kernels
    if name in ("Coverage", "compute_coverage", "lowest_visible_height"):
        from foxbat.coverage import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'foxbat.coverage' has no attribute {name!r}")
