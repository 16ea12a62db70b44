/* Step 2 of the kernel (the terrain where each ray crosses grid line i) for float32
 * DEMs without missing cells, four rays at a time with AVX2: about a quarter off the
 * whole kernel. The same IEEE operations in the same order as the scalar loop in
 * _los_body.h (no fused multiply-add), so the results are bit-identical
 * (tests/test_los_c.py runs both). Returns how many rays it did (a multiple of 4); the
 * scalar loop does the rest. Offsets are 32-bit: used only on grids under 2^31 cells.
 * The eight terrain loads are scalar: measured a little faster than AVX2 gathers here. */
#include <immintrin.h>

__attribute__((target("avx2"))) static long part2_f32_avx2(
    const float *zbase, long nb_act, long i, long j_max, long step_minor, double h0_msl_m,
    double floor_m, double inv_2kr, const double *y_step, const double *dsv, const double *inv_ds,
    const double *inv_y_step, double *z_prev, long *j_prev, double *smax)
{
    const long n4 = nb_act & ~3L;
    const __m256d vi = _mm256_set1_pd((double)i);
    const __m256d vim1 = _mm256_set1_pd((double)(i - 1));
    const __m256d vinv_i = _mm256_set1_pd(1.0 / (double)i);
    const __m256d vh0 = _mm256_set1_pd(h0_msl_m);
    const __m256d vfloor = _mm256_set1_pd(floor_m);
    const __m256d vk = _mm256_set1_pd(inv_2kr);
    const __m128i vjmax = _mm_set1_epi32((int)j_max);
    const __m256i vjmax64 = _mm256_set1_epi64x(j_max);
    const __m128i vstep = _mm_set1_epi32((int)step_minor);
    const __m128i one = _mm_set1_epi32(1);
    for (long b = 0; b < n4; b += 4) {
        const __m256d y = _mm256_mul_pd(vi, _mm256_loadu_pd(y_step + b));
        const __m128i j0 = _mm256_cvttpd_epi32(y);
        const __m256d j0d = _mm256_cvtepi32_pd(j0);
        const __m256d frac = _mm256_sub_pd(y, j0d);
        const __m128i ja = _mm_min_epi32(j0, vjmax);
        const __m128i jb = _mm_min_epi32(_mm_add_epi32(j0, one), vjmax);
        const __m128i ka = _mm_mullo_epi32(ja, vstep), kb = _mm_mullo_epi32(jb, vstep);
        const __m128 za = _mm_setr_ps(zbase[_mm_extract_epi32(ka, 0)], zbase[_mm_extract_epi32(ka, 1)],
                                      zbase[_mm_extract_epi32(ka, 2)], zbase[_mm_extract_epi32(ka, 3)]);
        const __m128 zb = _mm_setr_ps(zbase[_mm_extract_epi32(kb, 0)], zbase[_mm_extract_epi32(kb, 1)],
                                      zbase[_mm_extract_epi32(kb, 2)], zbase[_mm_extract_epi32(kb, 3)]);
        const __m256d za_d = _mm256_cvtps_pd(za);
        const __m256d zb_d = _mm256_cvtps_pd(zb);
        __m256d zs = _mm256_add_pd(za_d, _mm256_mul_pd(frac, _mm256_cvtps_pd(_mm_sub_ps(zb, za))));
        zs = _mm256_blendv_pd(zs, vfloor, _mm256_cmp_pd(vfloor, zs, _CMP_GT_OQ));
        const __m256d dsv4 = _mm256_loadu_pd(dsv + b);
        const __m256d d = _mm256_mul_pd(vi, dsv4);
        __m256d s = _mm256_sub_pd(_mm256_mul_pd(_mm256_sub_pd(zs, vh0),
                                                _mm256_mul_pd(vinv_i, _mm256_loadu_pd(inv_ds + b))),
                                  _mm256_mul_pd(d, vk));
        /* the minor-axis crossing, on every lane, kept where it happened */
        const __m256i j0_64 = _mm256_cvtepi32_epi64(j0);
        const __m256i jp = _mm256_loadu_si256((const __m256i *)(j_prev + b));
        const __m256i crossed = _mm256_andnot_si256(_mm256_cmpgt_epi64(j0_64, vjmax64),
                                                    _mm256_cmpgt_epi64(j0_64, jp));
        const __m256d zp = _mm256_loadu_pd(z_prev + b);
        const __m256d x = _mm256_mul_pd(j0d, _mm256_loadu_pd(inv_y_step + b));
        __m256d zr = _mm256_add_pd(zp, _mm256_mul_pd(_mm256_sub_pd(x, vim1), _mm256_sub_pd(za_d, zp)));
        zr = _mm256_blendv_pd(zr, vfloor, _mm256_cmp_pd(vfloor, zr, _CMP_GT_OQ));
        const __m256d dr = _mm256_mul_pd(x, dsv4);
        const __m256d sr = _mm256_sub_pd(_mm256_div_pd(_mm256_sub_pd(zr, vh0), dr), _mm256_mul_pd(dr, vk));
        const __m256d s2 = _mm256_blendv_pd(s, sr, _mm256_cmp_pd(sr, s, _CMP_GT_OQ));
        s = _mm256_blendv_pd(s, s2, _mm256_castsi256_pd(crossed));
        _mm256_storeu_si256((__m256i *)(j_prev + b), j0_64);
        _mm256_storeu_pd(z_prev + b, zb_d);
        const __m256d sm = _mm256_loadu_pd(smax + b);
        _mm256_storeu_pd(smax + b, _mm256_blendv_pd(sm, s, _mm256_cmp_pd(s, sm, _CMP_GT_OQ)));
    }
    return n4;
}
