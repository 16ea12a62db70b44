/* The line-of-sight kernel for one DEM element type: included by _los.c once per type
 * with ZT (the element type), ZW (the type its differences are taken in, as numba
 * takes them), NAME (the function), IS_FLOAT and IS_F32 (float32: step 2 may use the
 * AVX2 loop of _los_simd.h) defined.
 *
 * A line-by-line port of kernel.lowest_visible_agl (the numba reference; see its
 * docstring for the algorithm): same operations in the same order, so the results are
 * bit-identical (tests/test_los_c.py). Compiled with -ffp-contract=off for that reason.
 */

static void NAME(const ZT *zf, long nrows, long ncols, double nodata, int has_nodata,
                 long r0, long c0, double h0_msl_m, double cell_w_m, double cell_h_m,
                 double inv_2kr, double max_range_m, double tan_min_elev, double floor_m,
                 float *outf, int16_t *idxf, int write_idx, int radar_id)
{
#if IS_FLOAT
#define ND(v) (has_nodata && ((double)(v) == nodata || (v) != (v)))
#else
#define ND(v) (has_nodata && (double)(v) == nodata)
#endif
    const long k_obs = r0 * ncols + c0;
#if IS_F32 && FOXBAT_SIMD
    const int use_simd = simd_on && !has_nodata && nrows * ncols < 2147483647L;
#endif
    double z_obs = (double)zf[k_obs];
    if (ND(zf[k_obs]))
        z_obs = NAN;
    else if (outf[k_obs] > 0.0f) {  /* the observer's own cell */
        outf[k_obs] = 0.0f;
        if (write_idx)
            idxf[k_obs] = (int16_t)radar_id;
    }
    for (int octant = 0; octant < 8; octant++) {
        const int swap = octant >= 4;
        const long s_major = (octant & 1) == 0 ? 1 : -1;
        const long s_minor = (octant & 2) == 0 ? 1 : -1;
        double cm, cn;
        long l_edge, j_max;
        if (swap) {
            cm = cell_h_m;
            cn = cell_w_m;
            l_edge = s_major > 0 ? nrows - 1 - r0 : r0;
            j_max = s_minor > 0 ? ncols - 1 - c0 : c0;
        } else {
            cm = cell_w_m;
            cn = cell_h_m;
            l_edge = s_major > 0 ? ncols - 1 - c0 : c0;
            j_max = s_minor > 0 ? nrows - 1 - r0 : r0;
        }
        const long l_range = (long)(max_range_m / cm * (1.0 + 1e-9));
        const long n_steps = l_edge < l_range ? l_edge : l_range;
        if (n_steps <= 0)
            continue;
        const long n_rays = n_steps + 1;
        const long step_minor = swap ? s_minor : s_minor * ncols;
        const long ahead = PREFETCH_STEPS * (swap ? s_major * ncols : s_major);
        const double inv_l = 1.0 / (double)n_steps;
        const double stop_m = max_range_m + cm;
        const double max_range2 = max_range_m * max_range_m * (1.0 + 1e-9);
        const long n_chunks = (n_rays + CHUNK - 1) / CHUNK;

#pragma omp parallel for schedule(dynamic, 1)
        for (long chunk = 0; chunk < n_chunks; chunk++) {
            double smax[CHUNK + 1], dsv[CHUNK + 1], inv_ds[CHUNK + 1], y_step[CHUNK + 1];
            double inv_y_step[CHUNK + 1], z_prev[CHUNK + 1];
            long j_prev[CHUNK + 1], i_end[CHUNK + 1];
            const long m_first = chunk * CHUNK;
            const long m_last = (m_first + CHUNK < n_rays ? m_first + CHUNK : n_rays) - 1;
            const long m_base = m_first - 1 > 0 ? m_first - 1 : 0;
            const long nb = m_last - m_base + 1;
            for (long b = 0; b < nb; b++) {
                const long m = m_base + b;
                y_step[b] = (double)m * inv_l;
                inv_y_step[b] = m > 0 ? (double)n_steps / (double)m : 0.0;
                z_prev[b] = z_obs;
                j_prev[b] = 0;
                dsv[b] = sqrt(cm * cm + (cn * y_step[b]) * (cn * y_step[b]));
                inv_ds[b] = 1.0 / dsv[b];
                smax[b] = tan_min_elev;
                long ie = (long)(stop_m / dsv[b]);
                if (n_steps < ie)
                    ie = n_steps;
                if (m > 0) {
                    const long side = (long)((j_max + 1.0) * (double)n_steps / (double)m);
                    if (side < ie)
                        ie = side;
                }
                i_end[b] = ie;
            }
            long nb_act = nb;
            for (long i = 1;; i++) {
                while (nb_act > 0 && i_end[nb_act - 1] < i)
                    nb_act--;
                if (nb_act == 0)
                    break;
                const double dm = (double)i * cm;
                const double l_over_i = (double)n_steps / (double)i;
                /* 1. cells of this grid line between two rays of this chunk */
                const long m_act = m_base + nb_act - 1;
                long j_lo = (long)((double)((m_first - 1) * i) * inv_l);
                if (j_lo < 0)
                    j_lo = 0;
                long j_hi = (long)((double)(m_act * i) * inv_l) + 1;
                if (j_max < j_hi)
                    j_hi = j_max;
                if (i < j_hi)
                    j_hi = i;
                for (long jc = j_lo; jc <= j_hi; jc++) {
                    const double u = (double)jc * l_over_i;
                    long m_lo = (long)u;
                    double w = u - (double)m_lo;
                    if (w < 1e-9)
                        w = 0.0;
                    else if (w > 1.0 - 1e-9) {
                        m_lo += 1;
                        w = 0.0;
                    }
                    const long key = w == 0.0 ? m_lo : m_lo + 1;
                    if (key < m_first || key > m_act)
                        continue;
                    const long b = m_lo - m_base;
                    double s_cell;
                    if (w == 0.0)
                        s_cell = smax[b];
                    else {
                        const double s_lo = smax[b], s_hi = smax[b + 1];
                        if (s_lo == -INFINITY)
                            s_cell = s_hi;
                        else if (s_hi == -INFINITY)
                            s_cell = s_lo;
                        else
                            s_cell = s_lo + w * (s_hi - s_lo);
                    }
                    const double dn = (double)jc * cn;
                    const double dc2 = dm * dm + dn * dn;
                    if (dc2 > max_range2)
                        continue;
                    long rr, cc;
                    if (swap) {
                        rr = r0 + s_major * i;
                        cc = c0 + s_minor * jc;
                    } else {
                        rr = r0 + s_minor * jc;
                        cc = c0 + s_major * i;
                    }
                    const long k_c = rr * ncols + cc;
                    __builtin_prefetch(zf + k_c + ahead, 0, 3);
                    __builtin_prefetch(outf + k_c + ahead, 0, 3);
                    const ZT zc = zf[k_c];
                    if (ND(zc))
                        continue;
                    const double dc = sqrt(dc2);
                    double v = h0_msl_m + s_cell * dc + dc2 * inv_2kr - pymax((double)zc, floor_m);
                    if (v < 0.0)
                        v = 0.0;
                    if (v < (double)outf[k_c]) {
                        outf[k_c] = (float)v;
                        if (write_idx)
                            idxf[k_c] = (int16_t)radar_id;
                    }
                }
                /* 2. terrain where each ray crosses this grid line */
                const long base = swap ? (r0 + s_major * i) * ncols + c0 : r0 * ncols + c0 + s_major * i;
                const double inv_i = 1.0 / (double)i;
                long b_first = 0;
#if IS_F32 && FOXBAT_SIMD
                if (use_simd)
                    b_first = part2_f32_avx2(zf + base, nb_act, i, j_max, step_minor, h0_msl_m, floor_m,
                                             inv_2kr, y_step, dsv, inv_ds, inv_y_step, z_prev, j_prev, smax);
#endif
                for (long b = b_first; b < nb_act; b++) {
                    const double y = (double)i * y_step[b];
                    const long j0 = (long)y;
                    const double frac = y - (double)j0;
                    const long ja = j0 < j_max ? j0 : j_max;
                    const long jb = j0 + 1 < j_max ? j0 + 1 : j_max;
                    const long k_a = base + ja * step_minor;
                    __builtin_prefetch(zf + k_a + ahead, 0, 3);
                    const ZT za = zf[k_a];
                    const ZT zb = zf[base + jb * step_minor];
                    double zs, za_raw, zb_raw;
                    if (has_nodata) {
                        const int a_nd = ND(za), b_nd = ND(zb);
                        const ZT za2 = a_nd ? zb : za;
                        const ZT zb2 = b_nd ? za : zb;
                        zs = (double)za2 + frac * (double)((ZW)zb2 - (ZW)za2);
                        if (a_nd && b_nd)
                            zs = -INFINITY;
                        za_raw = a_nd ? NAN : (double)za;
                        zb_raw = b_nd ? NAN : (double)zb;
                    } else {
                        zs = (double)za + frac * (double)((ZW)zb - (ZW)za);
                        za_raw = (double)za;
                        zb_raw = (double)zb;
                    }
                    zs = pymax(zs, floor_m);
                    const double d = (double)i * dsv[b];
                    double s = (zs - h0_msl_m) * (inv_i * inv_ds[b]) - d * inv_2kr;
                    if (j0 > j_prev[b] && j0 <= j_max) {
                        const double x = (double)j0 * inv_y_step[b];
                        const double zr = z_prev[b] + (x - (double)(i - 1)) * (za_raw - z_prev[b]);
                        const double dr = x * dsv[b];
                        const double sr = (pymax(zr, floor_m) - h0_msl_m) / dr - dr * inv_2kr;
                        s = pymax(s, sr);
                    }
                    j_prev[b] = j0;
                    z_prev[b] = zb_raw;
                    smax[b] = pymax(smax[b], s);
                }
            }
        }
    }
#undef ND
}
