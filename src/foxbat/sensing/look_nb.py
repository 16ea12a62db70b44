"""One airborne radar look, compiled (numba): the interceptor's ``_look`` in one kernel call.

An interceptor's radar looks at its target once per frame (about 565 looks in a flagship
Monte Carlo run). Each look is :func:`foxbat.sensing.airborne.look_through_terrain` (a
terrain profile along the bearing, line of sight, clutter cells at the target's range,
SNR and SINR), then :func:`foxbat.sensing.path.path_factors_point_db` (the propagation
factor over the surface under the reflection point, the elevation pattern), then Pd
(:func:`foxbat.radar.detection.pd_swerling1_point`): about sixty numpy and pyproj calls
on tiny arrays. :func:`look_compiled` does the same in one kernel call:

- the same model and arithmetic: the same profile points (``np.linspace``'s steps), the
  same bilinear DEM sampling (:func:`foxbat.terrain.bilinear.bilinear_heights`, NaN off
  the map and next to nodata, sea and NaN at 0 m), the exactly rounded kernels of
  :mod:`foxbat.radar.terrain_clutter` and :mod:`foxbat.propagation.factor` themselves,
  numpy's pairwise summation order, and the same branches;
- the geodesics are PROJ's own ``geod_inverse`` / ``geod_direct`` (the functions pyproj's
  ``Geod`` calls, bit for bit; :mod:`foxbat.geodesic_nb`) and the incomplete gamma function scipy's own
  (``scipy.special.cython_special.gammainc``), both called from the kernel;
- not the same last bits everywhere: numpy's SIMD ``arctan2``, ``hypot``, ``exp``,
  ``log10``, ``power``... and libm's (numba's) differ in the last bit for some inputs, so
  the SNR, F and Pd agree to about 1e-12 relative (``tests/test_look_nb.py`` holds them
  to 1e-9 dB and 1e-12 in Pd against the Python look, on real flagship looks).

Set-up per radar type, DEM and environment (the radar constant, the surface constants
of the propagation factor, Pd's threshold terms, the DEM's affine inverse) is made once,
in a :class:`LookKernel`; :func:`look_compiled` keeps a few of them.

Falls back to the Python look (:func:`look_python`, the same functions ``_look`` calls)
where the kernel cannot follow: a DEM not on WGS84 lon/lat (its points go through a pyproj
Transformer), or arguments the propagation factor refuses (its ParameterError is then raised as before). Pd other than
Swerling 1 comes from ``radar.pd_from_snr``.

Developers: the kernel compiles in the kernels it calls from
:mod:`foxbat.radar.terrain_clutter`, :mod:`foxbat.propagation.factor` and
:mod:`foxbat.terrain.bilinear`, and the constants it imports; its disk cache is keyed on
those modules' sources too (:func:`foxbat.nbcache.key_on_sources`). No kernel here
may call itself: numba cannot load a recursive function from its cache (it crashes).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types

from foxbat.geo import EARTH_RADIUS_M, check_k, wgs84_geod
from foxbat.geodesic_nb import geod_direct_c as _geod_direct
from foxbat.geodesic_nb import geod_inverse_c as _geod_inverse
from foxbat.geodesic_nb import init_geodesic
from foxbat.propagation.factor import (F_DB_FLOOR, RAY_RESIDUAL_RATIO, _factor_kernel, _ray_elevations_kernel,
                                       _surface_constants)
from foxbat.radar.equation import SPEED_OF_LIGHT_MPS
from foxbat.radar.pattern import DEFAULT_SIDELOBE_DB, HALF_POWER_DB, SINC_HALF_POWER_X
from foxbat.radar.terrain_clutter import _cells_nb, _dz_dh_nb, _gradient_nb, _path_clear_nb, _sidelobe_floor
from foxbat.sensing.airborne import PROFILE_STEP_M
from foxbat.sensing.path import MIN_HEIGHT_M, polarization
from foxbat.terrain.bilinear import bilinear_heights
from foxbat.nbcache import key_on_sources

# ---------------------------------------------------------------- the C functions the kernel calls


def _register_gammainc() -> None:
    """Make ``foxbat_gammainc`` (scipy's own) known to numba's linker; PROJ's geodesics are
    :mod:`foxbat.geodesic_nb`'s (the functions pyproj's ``Geod`` calls)."""
    import llvmlite.binding as llvm
    from numba.extending import get_cython_function_address

    llvm.add_symbol("foxbat_gammainc", get_cython_function_address("scipy.special.cython_special", "gammainc"))


_register_gammainc()
_gammainc = types.ExternalFunction("foxbat_gammainc", types.float64(types.float64, types.float64))

# ---------------------------------------------------------------- packed constants (indices into cst)
_PHYSICAL, _C_DB, _REF_SNR, _REF_R, _REF_RCS = 0, 1, 2, 3, 4
_BW_AZ, _BW_EL, _TAU, _IMPROVE, _SIDE_FLOOR = 5, 6, 7, 8, 9
_FREQ, _SEA, _LAND, _POL_V, _RAY_A = 10, 11, 17, 23, 24  # _SEA/_LAND: a, eta.real, eta.imag, σ_h, β, K
_PAT_SHAPE, _PAT_TILT, _PAT_TOP, _PAT_SIDE = 25, 26, 27, 28  # shape -1 none, 0 sinc, 1 gaussian, 2 csc2
_SW1, _N, _T, _M, _P1, _PFA = 29, 30, 31, 32, 33, 34
_INV6, _NODATA, _USE_NODATA = 35, 41, 42
_GEOD = 64  # PROJ's struct geod_geodesic (51 doubles) lives from here
_CST_SIZE = 128
_SHAPES = {"sinc": 0, "gaussian": 1, "csc2": 2}


@njit(cache=True)
def _np_sum(a):
    """``np.sum`` of a 1-D float array in numpy's order: pairwise, halves (multiples of 8)
    down to blocks of at most 128 summed with eight accumulators. numpy recurses; here an
    explicit stack does the same post-order walk (numba's cache cannot load a recursive
    function)."""
    lo_s = np.empty(64, np.int64)
    n_s = np.empty(64, np.int64)
    stage = np.zeros(64, np.int64)
    left = np.empty(64)
    top = 0
    lo_s[0], n_s[0] = 0, a.size
    ret = 0.0
    while True:
        lo, n = lo_s[top], n_s[top]
        n2 = n // 2
        n2 -= n2 % 8
        if n <= 128:
            ret = _block_sum(a, lo, n)
            top -= 1
        elif stage[top] == 0:  # first the left half
            stage[top] = 1
            top += 1
            lo_s[top], n_s[top], stage[top] = lo, n2, 0
            continue
        elif stage[top] == 1:  # the left half's sum in ret: then the right half
            left[top] = ret
            stage[top] = 2
            top += 1
            lo_s[top], n_s[top], stage[top] = lo + n2, n - n2, 0
            continue
        else:
            ret = left[top] + ret
            top -= 1
        if top < 0:
            return 0.0 + ret


@njit(cache=True)
def _block_sum(a, lo, n):
    """numpy's pairwise_sum of at most 128 values."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pattern_db(el, cst):
    """:meth:`RadarType.elevation_pattern_db` at one elevation (rad), the type's figures in cst."""
    shape = cst[_PAT_SHAPE]
    bw = cst[_BW_EL]
    tilt = cst[_PAT_TILT]
    delta = el - tilt
    if shape == 1.0:
        q = 2.0 * delta / bw
        g = HALF_POWER_DB * (q * q)
    else:
        x = SINC_HALF_POWER_X * delta / (0.5 * bw)
        amp = 1.0 if abs(x) < 1e-12 else math.sin(x) / (1.0 if x == 0 else x)
        g = 20.0 * math.log10(max(abs(amp), 1e-30))
    if shape == 2.0:
        top = cst[_PAT_TOP]
        edge = tilt + 0.5 * bw
        s_edge = math.sin(edge)
        top_db = HALF_POWER_DB + 20.0 * math.log10(s_edge / math.sin(top))
        if el > edge:
            if el <= top:
                g = HALF_POWER_DB + 20.0 * math.log10(s_edge / math.sin(min(max(el, edge), top)))
            else:
                q = 2.0 * max(el - top, 0.0) / bw
                g = top_db + HALF_POWER_DB * (q * q)
    side = cst[_PAT_SIDE]
    return g if (g >= side or g != g) else side


@njit(cache=True)
def _terrain_look(z, cst, lat, lon, alt, ground, slant, brg, el, talt, rcs, g_sea, g_land, k):
    """:func:`foxbat.sensing.airborne.look_through_terrain`: (visible, SINR dB)."""
    # the profile: np.linspace(0, 1.01·slant, n)[1:] along the bearing, on LocalFrame's grid
    n = int(min(max(slant / PROFILE_STEP_M + 2, 64), 2000))
    stop = slant * 1.01
    div = n - 1
    step = stop / div
    x = np.empty(n - 1)
    for i in range(1, n):
        x[i - 1] = (i / div) * stop if step == 0.0 else i * step + 0.0
    x[n - 2] = stop
    kx = math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(lat))
    ky = math.radians(1.0) * EARTH_RADIUS_M
    b = math.radians(brg)
    sb, cb = math.sin(b), math.cos(b)
    la = np.empty(n - 1)
    lo = np.empty(n - 1)
    for i in range(n - 1):
        lo[i] = lon + x[i] * sb / kx
        la[i] = lat + x[i] * cb / ky
    zr = bilinear_heights(lo, la, z, cst[_INV6:_INV6 + 6], cst[_NODATA], cst[_USE_NODATA] != 0.0)
    g = np.empty(n - 1)
    for i in range(n - 1):  # ground_or_sea_m
        v = zr[i] if zr[i] > 0.0 else 0.0
        g[i] = v if v < 1.7976931348623157e308 else 1.7976931348623157e308
    # terrain_clutter.profile_cells
    if not _path_clear_nb(x, g, alt, k, ground, talt):
        return False, -math.inf
    a = k * EARTH_RADIUS_M
    m = x.size
    phi = np.empty(m)
    cphi = np.empty(m)
    sphi = np.empty(m)
    for i in range(m):
        phi[i] = x[i] / a
        cphi[i] = math.cos(phi[i])
        sphi[i] = math.sin(phi[i])
    dz, dh = _dz_dh_nb(g, cphi, sphi, a, a + alt)
    sl = np.empty(m)
    eps = np.empty(m)
    for i in range(m):
        sl[i] = math.hypot(dz[i], dh[i])
        eps[i] = math.atan2(dz[i], dh[i])
    slope = _gradient_nb(g, x)
    at = np.empty(m)
    for i in range(m):
        at[i] = math.atan(slope[i])
    cx, cg, ce, cp, cl = _cells_nb(x, g, phi, eps, sl, at, slant)
    # rt.snr_db: the radar equation (or the R⁴ law from the reference detection)
    if cst[_PHYSICAL] != 0.0:
        snr = cst[_C_DB] + 10.0 * math.log10(rcs) - 40.0 * math.log10(slant)
    else:
        snr = cst[_REF_SNR] + 10.0 * math.log10(rcs / cst[_REF_RCS]) - 40.0 * math.log10(slant / cst[_REF_R])
    if cx.size == 0:
        return True, snr
    # terrain_clutter.clutter_rcs_cells_m2
    r, th_az, th_el, tau = slant, cst[_BW_AZ], cst[_BW_EL], cst[_TAU]
    pulse_k = r * th_az * (SPEED_OF_LIGHT_MPS * tau / 2.0)
    beam_k = (math.pi / 4.0) * r * r * th_az * th_el
    k_gain = -8.0 * math.log(2.0)
    floor = cst[_SIDE_FLOOR]
    el_t = math.radians(el)
    terms = np.empty(cx.size)
    for j in range(cx.size):
        psi = cp[j] if cl[j] else -1.0
        ok = psi > 0
        if ok:
            psi_c = min(max(psi, 1e-12), math.pi / 2)
            pulse = pulse_k / math.cos(psi_c)
            beam = beam_k / math.sin(psi_c)
            area = min(pulse, beam)
            gam = g_land if cg[j] > 0 else g_sea
            sigma = 10.0 ** (gam / 10.0) * math.sin(min(max(psi, 0.0), math.pi / 2)) * area
        else:
            sigma = 0.0 * 0.0
        d = (el_t - ce[j]) / th_el
        gain = math.exp(k_gain * d * d)
        gain = gain if (gain >= floor or gain != gain) else floor  # np.maximum: NaN kept
        terms[j] = sigma * gain if cl[j] else 0.0
    sigma_c = _np_sum(terms)
    if sigma_c <= 0.0:
        return True, snr
    cnr = snr - (10.0 * math.log10(rcs) - 10.0 * math.log10(1.0 * sigma_c))
    c_over_n = 10.0 ** ((cnr - cst[_IMPROVE]) / 10.0)
    return True, snr - 10.0 * math.log10(1.0 + c_over_n)


@njit(cache=True)
def _path_factors(z, cst, lat, lon, alt, tlat, tlon, talt, env_k):
    """:func:`foxbat.sensing.path.path_factors_point_db` of one look: (status, f_db,
    pattern_db); status 1 where the propagation factor would refuse its arguments."""
    gp = cst[_GEOD:].ctypes
    o1, o2, o3 = np.empty(1), np.empty(1), np.empty(1)
    _geod_inverse(gp, lat, lon, tlat, tlon, o1.ctypes, o2.ctypes, o3.ctypes)
    ground, az = o1[0], o2[0]
    kr = env_k * EARTH_RADIUS_M
    phi = ground / kr
    rt_ = kr + talt
    dz = rt_ * math.cos(phi) - (kr + alt)
    dh = rt_ * math.sin(phi)
    elev_deg = math.degrees(math.atan2(dz, dh))
    az = az % 360.0
    inv6 = cst[_INV6:_INV6 + 6]
    z_ = 0.0
    pt_lo = np.empty(1)
    pt_la = np.empty(1)
    for _ in range(2):  # reflection_surface
        h1 = alt - z_
        h1 = MIN_HEIGHT_M if MIN_HEIGHT_M > h1 else h1
        h2 = talt - z_
        h2 = MIN_HEIGHT_M if MIN_HEIGHT_M > h2 else h2
        d1 = ground * h1 / (h1 + h2)
        _geod_direct(gp, lat, lon, az, d1, o1.ctypes, o2.ctypes, o3.ctypes)
        pt_la[0] = o1[0]
        pt_lo[0] = o2[0]
        z_raw = bilinear_heights(pt_lo, pt_la, z, inv6, cst[_NODATA], cst[_USE_NODATA] != 0.0)[0]
        z_ = z_raw if z_raw > 0.0 else 0.0
    sea = z_ <= 0.0
    h1 = alt - z_
    h1 = MIN_HEIGHT_M if MIN_HEIGHT_M > h1 else h1
    h2 = talt - z_
    h2 = MIN_HEIGHT_M if MIN_HEIGHT_M > h2 else h2
    if cst[_PAT_SHAPE] < 0.0:
        pattern_db = 0.0
        g_db = 0.0
    else:
        pattern_db = _pattern_db(math.radians(elev_deg), cst)
        el_d, el_r = np.empty(1), np.empty(1)
        _ray_elevations_kernel(np.array([ground]), np.array([h1]), np.array([h2]), cst[_RAY_A], el_d, el_r)
        g_db = _pattern_db(el_r[0], cst) - _pattern_db(el_d[0], cst)
    if not (math.isfinite(ground) and math.isfinite(h1) and math.isfinite(h2) and g_db == g_db
            and g_db != math.inf) or min(ground, h1, h2) < 0.0:
        return 1, math.nan, math.nan
    s = _SEA if sea else _LAND
    out_db = np.empty(1)
    out_region = np.empty(1, dtype=np.int8)
    _factor_kernel(np.array([ground]), np.array([h1]), np.array([h2]), np.array([10.0 ** (g_db / 20.0)]),
                   cst[_FREQ], cst[s], complex(cst[s + 1], cst[s + 2]), cst[_POL_V] != 0.0, cst[s + 3], False,
                   cst[s + 4], cst[s + 5], F_DB_FLOOR, RAY_RESIDUAL_RATIO, out_db, out_region)
    return 0, out_db[0], pattern_db


@njit(cache=True)
def _pd_swerling1(snr_db, cst):
    """:func:`foxbat.radar.detection.pd_swerling1_point` (n > 1) or ``pd_swerling1`` (n = 1)."""
    n = cst[_N]
    chi = 10.0 ** (snr_db / 10.0)
    chi = 1e-20 if 1e-20 > chi else chi
    if n == 1.0:
        return cst[_PFA] ** (1.0 / (1.0 + chi)) + 0.0 * n
    t, m, p1 = cst[_T], cst[_M], cst[_P1]
    nchi = n * chi
    f = 1.0 + 1.0 / nchi
    p2 = _gammainc(m, t / f)
    log_k = (n - 1.0) * math.log(f) - t / (1.0 + nchi)
    term = math.exp((math.log(p2) if p2 != 0.0 else -math.inf) + log_k)  # np.log(0): -inf
    v = 1.0 - p1 + term
    return 1.0 if v > 1.0 else (0.0 if v <= 0.0 else v)


@njit(cache=True)
def look_kernel(z, cst, lat, lon, alt, ground, slant, brg, el, tlat, tlon, talt, rcs, g_sea, g_land, k, env_k):
    """One look: (status, visible, SINR dB with the path, Pd, f_db, pattern_db); status 0
    done, 1 the propagation factor refuses its arguments (the Python path raises)."""
    visible, snr = _terrain_look(z, cst, lat, lon, alt, ground, slant, brg, el, talt, rcs, g_sea, g_land, k)
    if not visible:
        return 0, False, snr, 0.0, math.nan, math.nan
    status, f_db, pattern_db = _path_factors(z, cst, lat, lon, alt, tlat, tlon, talt, env_k)
    if status != 0:
        return status, True, snr, 0.0, math.nan, math.nan
    snr = snr + 2.0 * pattern_db + 2.0 * f_db
    pd = _pd_swerling1(snr, cst) if cst[_SW1] != 0.0 else 0.0
    return 0, True, snr, pd, f_db, pattern_db


# ---------------------------------------------------------------- Python side


def look_python(radar, dem, lat, lon, alt, ground, geom, target, k, tgt):
    """The look in Python: :func:`foxbat.command.intercept._look` itself without the
    compiled look in ``tgt`` (the fallback and the reference)."""
    from foxbat.command.intercept import _look

    return _look(radar, dem, lat, lon, alt, ground, geom, target, k, tuple(tgt[:5]))


def _constants(radar, dem, env, swerling) -> np.ndarray | None:
    """The packed constants of one radar type, DEM, environment and Swerling case; None
    where the kernel cannot serve them (see the module's notes)."""
    from foxbat.radar.detection import _swerling1_constants

    if dem.crs is None or dem.crs.to_epsg() != 4326:
        return None
    c = np.zeros(_CST_SIZE)
    # rt.snr_db at 1 m and 1 m² is the radar constant itself (+ 0 − 0, exact); at the
    # reference point the reference SNR
    if radar.is_physical:
        c[_PHYSICAL], c[_C_DB] = 1.0, float(radar.snr_db(1.0, 1.0))
    else:
        ref = radar.reference
        c[_REF_R], c[_REF_RCS] = ref.range_m.value, ref.rcs_m2.value
        c[_REF_SNR] = float(radar.snr_db(ref.range_m.value, ref.rcs_m2.value))
    c[_BW_AZ], c[_BW_EL] = radar.beamwidth_az_rad, radar.beamwidth_el_rad
    c[_TAU], c[_IMPROVE] = radar.pulse_width_s.value, radar.improvement_factor_db.value
    c[_SIDE_FLOOR] = float(_sidelobe_floor(-50.0))  # clutter_rcs_cells_m2's default two-way sidelobe
    f_hz = float(radar.frequency_hz.value)
    pol = polarization(radar)
    c[_FREQ], c[_POL_V] = f_hz, float(pol == "v")
    for at, surface, state in ((_SEA, "sea", float(env.sea_state)), (_LAND, env.land_type, 0.0)):
        a, eta, sigma_h, beta, k_adm = _surface_constants(surface, f_hz, state, pol, float(env.k))
        c[at:at + 6] = a, eta.real, eta.imag, sigma_h, beta, k_adm
    c[_RAY_A] = check_k(env.k, where="k") * EARTH_RADIUS_M
    if radar.elevation_pattern is None:
        c[_PAT_SHAPE] = -1.0
    else:
        radar.elevation_pattern_db(0.0)  # its checks, once
        c[_PAT_SHAPE] = _SHAPES[radar.elevation_pattern.value]
        c[_PAT_TILT] = math.radians(radar.elevation_tilt_deg.value)
        top = radar.csc2_max_elevation_deg
        c[_PAT_TOP] = math.nan if top is None else math.radians(top.value)
        floor = radar.elevation_sidelobe_db
        c[_PAT_SIDE] = DEFAULT_SIDELOBE_DB if floor is None else floor.value
    if swerling == 1:
        n = float(radar.n_pulses)
        c[_SW1], c[_N], c[_PFA] = 1.0, n, radar.pfa.value
        if n != 1.0:
            t, m, p1 = _swerling1_constants(n, float(radar.pfa.value))
            c[_T], c[_M], c[_P1] = float(t), float(m), float(p1)
    inv = ~dem.transform
    c[_INV6:_INV6 + 6] = inv.a, inv.b, inv.c, inv.d, inv.e, inv.f
    c[_NODATA], c[_USE_NODATA] = (float(dem.nodata), 1.0) if dem.nodata is not None else (0.0, 0.0)
    geod = wgs84_geod()  # the ellipsoid pyproj's Geod holds, initialised by PROJ itself
    init_geodesic(c[_GEOD:].ctypes.data, geod.a, geod.f)
    return c


class LookKernel:
    """One interceptor radar's looks over one DEM and environment: the constants made once.

    ``look(lat, lon, alt, ground, geom, target, k, rcs_m2, gamma_sea_db, gamma_land_db)``
    returns ``(visible, snr_db, pd, geom, f_db, pattern_db)`` as
    :func:`foxbat.command.intercept._look` does."""

    __slots__ = ("radar", "dem", "env", "swerling", "z", "cst", "env_k")

    def __init__(self, radar, dem, env, swerling: int = 1):
        self.radar, self.dem, self.env, self.swerling = radar, dem, env, swerling
        self.cst = _constants(radar, dem, env, swerling)
        self.z = dem._kernel_heights() if self.cst is not None else None
        self.env_k = float(env.k)

    @property
    def compiled(self) -> bool:
        """False where every look takes the Python path."""
        return self.cst is not None

    def look(self, lat, lon, alt, ground, geom, target, k, rcs, g_sea, g_land, tgt=None):
        if self.cst is None:
            return look_python(self.radar, self.dem, lat, lon, alt, ground, geom, target, k,
                               tgt or (rcs, self.swerling, (g_sea, g_land), self.env))
        slant, brg, el = geom
        tlat, tlon, talt = target
        status, visible, snr, pd, f_db, pattern_db = look_kernel(
            self.z, self.cst, lat, lon, alt, ground, slant, brg, el, tlat, tlon, talt, rcs, g_sea, g_land, k,
            self.env_k)
        if status != 0:
            return look_python(self.radar, self.dem, lat, lon, alt, ground, geom, target, k,
                               tgt or (rcs, self.swerling, (g_sea, g_land), self.env))
        if visible and self.swerling != 1:
            pd = float(self.radar.pd_from_snr(snr, self.swerling))
        return visible, snr, pd, geom, f_db, pattern_db


_KERNELS: dict = {}
_MAX_KERNELS = 8


def look_kernel_for(radar, dem, env, swerling: int = 1) -> LookKernel:
    """The :class:`LookKernel` of these objects, made once (it holds them, so their ids
    stay theirs while it is kept; a few kept, the oldest dropped). The environment is
    keyed by value (a run makes a new, equal one per flight)."""
    key = (id(radar), id(dem), env, swerling)
    lk = _KERNELS.get(key)
    if lk is None:
        if len(_KERNELS) >= _MAX_KERNELS:
            del _KERNELS[next(iter(_KERNELS))]
        lk = _KERNELS[key] = LookKernel(radar, dem, env, swerling)
    return lk


def look_compiled(radar, dem, lat, lon, alt, ground, geom, target, k, tgt):
    """:func:`foxbat.command.intercept._look`, compiled: the same arguments, the same
    ``(visible, snr_db, pd, geom, f_db, pattern_db)``.

    ``geom``: (slant m, true bearing deg, elevation deg) to the target; ``target``: its
    (lat, lon, alt m MSL); ``tgt``: (RCS m², Swerling case, (γ sea dB, γ land dB), path
    environment[, terrain point sampler]). The sampler is not called: the kernel samples
    ``dem`` itself, as :func:`foxbat.terrain.point.point_sampler` of ``dem`` does (the
    only sampler ``_look`` is given). The per-radar constants come from a
    :class:`LookKernel` kept per (radar, DEM, environment, Swerling case); a caller that
    flies one interceptor can hold its own (:func:`look_kernel_for`) and call
    ``LookKernel.look`` directly."""
    rcs, swerling, (g_sea, g_land), env = tgt[0], tgt[1], tgt[2], tgt[3]
    lk = _KERNELS.get((id(radar), id(dem), env, swerling))
    if lk is None:
        lk = look_kernel_for(radar, dem, env, swerling)
    return lk.look(lat, lon, alt, ground, geom, target, k, rcs, g_sea, g_land, tgt)



# kernels here compile in code and constants of these modules: recompile when they change
key_on_sources(__name__, [
    "foxbat.geo",
    "foxbat.geodesic_nb",
    "foxbat.propagation.factor",
    "foxbat.radar.equation",
    "foxbat.radar.pattern",
    "foxbat.radar.terrain_clutter",
    "foxbat.sensing.airborne",
    "foxbat.sensing.path",
    "foxbat.terrain.bilinear",
])

__all__ = ["LookKernel", "look_compiled", "look_kernel_for", "look_python", "look_kernel"]
