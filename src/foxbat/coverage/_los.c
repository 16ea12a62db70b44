/* foxbat.coverage._los: the line-of-sight kernel compiled ahead of time.
 *
 * Why a C copy of a numba kernel: `foxbat coverage` is a short command, and loading
 * numba and its cached kernel costs about 0.3 s of a run that GDAL's gdal_viewshed
 * finishes in 0.2 s. This module is a bit-identical port of
 * kernel.lowest_visible_agl (the reference, which stays the fallback when no C
 * compiler was available at install), parallel with OpenMP.
 *
 * Arrays come in through the buffer protocol (C-contiguous numpy arrays); the GIL is
 * released while the kernel runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 128         /* rays processed together by one thread */
#define PREFETCH_STEPS 8  /* grid lines of terrain prefetched ahead of each ray */

/* Python's max(a, b): b if b > a else a (NaN in a wins), as numba compiles it */
static inline double pymax(double a, double b) { return b > a ? b : a; }

/* AVX2 for step 2 where the compiler and the CPU (checked at import) have it */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FOXBAT_SIMD 1
#include "_los_simd.h"
#else
#define FOXBAT_SIMD 0
#endif
static int simd_on = 0;

#define ZT float
#define ZW float
#define IS_FLOAT 1
#define IS_F32 1
#define NAME los_f32
#include "_los_body.h"
#undef ZT
#undef ZW
#undef IS_FLOAT
#undef IS_F32
#undef NAME
#define IS_F32 0

#define ZT double
#define ZW double
#define IS_FLOAT 1
#define NAME los_f64
#include "_los_body.h"
#undef ZT
#undef ZW
#undef IS_FLOAT
#undef NAME

#define ZT int16_t
#define ZW long
#define IS_FLOAT 0
#define NAME los_i16
#include "_los_body.h"
#undef ZT
#undef ZW
#undef IS_FLOAT
#undef NAME

#define ZT int32_t
#define ZW long
#define IS_FLOAT 0
#define NAME los_i32
#include "_los_body.h"
#undef ZT
#undef ZW
#undef IS_FLOAT
#undef NAME

/* the element type of a buffer: 'f', 'd', 'h', 'i' (native order), else 0 */
static char buffer_kind(const Py_buffer *v)
{
    const char *f = v->format ? v->format : "B";
    if (*f == '@' || *f == '=' || *f == '<')
        f++;  /* native little-endian on the platforms foxbat builds on */
    if (f[0] == '\0' || f[1] != '\0')
        return 0;
    switch (f[0]) {
    case 'f': return v->itemsize == 4 ? 'f' : 0;
    case 'd': return v->itemsize == 8 ? 'd' : 0;
    case 'h': return v->itemsize == 2 ? 'h' : 0;
    case 'i': case 'l': return v->itemsize == 4 ? 'i' : 0;
    default: return 0;
    }
}

static const char LOS_DOC[] =
    "lowest_visible_agl(z, nodata, has_nodata, r0, c0, h0_msl_m, cell_w_m, cell_h_m, inv_2kr,\n"
    "                   max_range_m, tan_min_elev, floor_m, out, idx, radar_id)\n\n"
    "The same contract as foxbat.coverage.kernel.lowest_visible_agl: z a C-contiguous 2-D\n"
    "float32, float64, int16 or int32 array; out float32 and idx int16 (or shape (1, 1) to\n"
    "skip) updated in place.";

static PyObject *py_lowest_visible_agl(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *zo, *oo, *io;
    double nodata, h0, cw, ch, inv_2kr, max_range, tan_min, floor_m;
    int has_nodata, radar_id;
    Py_ssize_t r0, c0;
    if (!PyArg_ParseTuple(args, "OdpnndddddddOOi", &zo, &nodata, &has_nodata, &r0, &c0, &h0, &cw,
                          &ch, &inv_2kr, &max_range, &tan_min, &floor_m, &oo, &io, &radar_id))
        return NULL;
    Py_buffer z, out, idx;
    if (PyObject_GetBuffer(zo, &z, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return NULL;
    if (PyObject_GetBuffer(oo, &out, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&z);
        return NULL;
    }
    if (PyObject_GetBuffer(io, &idx, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&z);
        PyBuffer_Release(&out);
        return NULL;
    }
    const char kind = buffer_kind(&z);
    const char *err = NULL;
    if (z.ndim != 2 || kind == 0)
        err = "z must be a C-contiguous 2-D float32, float64, int16 or int32 array";
    else if (out.ndim != 2 || buffer_kind(&out) != 'f' || out.shape[0] != z.shape[0] ||
             out.shape[1] != z.shape[1])
        err = "out must be a C-contiguous float32 array of z's shape";
    else if (idx.ndim != 2 || buffer_kind(&idx) != 'h')
        err = "idx must be a C-contiguous int16 array";
    else if (r0 < 0 || c0 < 0 || r0 >= z.shape[0] || c0 >= z.shape[1])
        err = "the observer cell (r0, c0) lies outside z";
    if (err) {
        PyBuffer_Release(&z);
        PyBuffer_Release(&out);
        PyBuffer_Release(&idx);
        PyErr_SetString(PyExc_ValueError, err);
        return NULL;
    }
    const long nrows = (long)z.shape[0], ncols = (long)z.shape[1];
    const int write_idx = idx.shape[0] == z.shape[0] && idx.shape[1] == z.shape[1];
    Py_BEGIN_ALLOW_THREADS
    switch (kind) {
    case 'f':
        los_f32((const float *)z.buf, nrows, ncols, nodata, has_nodata, (long)r0, (long)c0, h0, cw, ch,
                inv_2kr, max_range, tan_min, floor_m, (float *)out.buf, (int16_t *)idx.buf, write_idx, radar_id);
        break;
    case 'd':
        los_f64((const double *)z.buf, nrows, ncols, nodata, has_nodata, (long)r0, (long)c0, h0, cw, ch,
                inv_2kr, max_range, tan_min, floor_m, (float *)out.buf, (int16_t *)idx.buf, write_idx, radar_id);
        break;
    case 'h':
        los_i16((const int16_t *)z.buf, nrows, ncols, nodata, has_nodata, (long)r0, (long)c0, h0, cw, ch,
                inv_2kr, max_range, tan_min, floor_m, (float *)out.buf, (int16_t *)idx.buf, write_idx, radar_id);
        break;
    default:
        los_i32((const int32_t *)z.buf, nrows, ncols, nodata, has_nodata, (long)r0, (long)c0, h0, cw, ch,
                inv_2kr, max_range, tan_min, floor_m, (float *)out.buf, (int16_t *)idx.buf, write_idx, radar_id);
        break;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&z);
    PyBuffer_Release(&idx);
    PyObject *res = oo;
    Py_INCREF(res);
    PyBuffer_Release(&out);
    return res;
}

static const char REPLACE_DOC[] =
    "replace_inf(a, fill): set every infinite cell of a C-contiguous float32 array to fill, in place.";

static PyObject *py_replace_inf(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *ao;
    double fill;
    if (!PyArg_ParseTuple(args, "Od", &ao, &fill))
        return NULL;
    Py_buffer a;
    if (PyObject_GetBuffer(ao, &a, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        return NULL;
    if (buffer_kind(&a) != 'f') {
        PyBuffer_Release(&a);
        PyErr_SetString(PyExc_ValueError, "a must be a C-contiguous float32 array");
        return NULL;
    }
    float *p = (float *)a.buf;
    const long n = (long)(a.len / 4);
    const float f = (float)fill;
    Py_BEGIN_ALLOW_THREADS
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++)
        if (isinf(p[i]))
            p[i] = f;
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&a);
    Py_INCREF(ao);
    return ao;
}

static const char FILL_DOC[] =
    "fill(a, value): set every cell of a C-contiguous float32 or int16 array to value, in place,\n"
    "on all cores (the first touch of a fresh array's pages is most of the cost).";

static PyObject *py_fill(PyObject *self, PyObject *args)
{
    PyObject *ao;
    double value;
    (void)self;
    if (!PyArg_ParseTuple(args, "Od", &ao, &value))
        return NULL;
    Py_buffer a;
    if (PyObject_GetBuffer(ao, &a, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        return NULL;
    const char kind = buffer_kind(&a);
    if (kind != 'f' && kind != 'h') {
        PyBuffer_Release(&a);
        PyErr_SetString(PyExc_ValueError, "a must be a C-contiguous float32 or int16 array");
        return NULL;
    }
    const long n = (long)(a.len / a.itemsize);
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        float *p = (float *)a.buf;
        const float v = (float)value;
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            p[i] = v;
    } else {
        int16_t *p = (int16_t *)a.buf;
        const int16_t v = (int16_t)value;
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            p[i] = v;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&a);
    Py_INCREF(ao);
    return ao;
}

static const char SIMD_DOC[] =
    "simd(on=None) -> bool: whether step 2 runs four rays at a time with AVX2 (float32 DEMs\n"
    "without missing cells); on=True/False asks for it (True only where the CPU has AVX2).\n"
    "FOXBAT_LOS_SIMD=0 turns it off at import. Either way the results are the same.";

static PyObject *py_simd(PyObject *self, PyObject *args)
{
    PyObject *on = Py_None;
    (void)self;
    if (!PyArg_ParseTuple(args, "|O", &on))
        return NULL;
    if (on != Py_None) {
        const int want = PyObject_IsTrue(on);
        if (want < 0)
            return NULL;
#if FOXBAT_SIMD
        simd_on = want && __builtin_cpu_supports("avx2");
#endif
    }
    return PyBool_FromLong(simd_on);
}

static PyMethodDef METHODS[] = {
    {"simd", py_simd, METH_VARARGS, SIMD_DOC},
    {"fill", py_fill, METH_VARARGS, FILL_DOC},
    {"lowest_visible_agl", py_lowest_visible_agl, METH_VARARGS, LOS_DOC},
    {"replace_inf", py_replace_inf, METH_VARARGS, REPLACE_DOC},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_los",
    "The line-of-sight kernel compiled ahead of time (a port of foxbat.coverage.kernel).", -1, METHODS,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__los(void)
{
#if FOXBAT_SIMD
    const char *env = getenv("FOXBAT_LOS_SIMD");
    __builtin_cpu_init();
    simd_on = __builtin_cpu_supports("avx2") && !(env && env[0] == '0');
#endif
    return PyModule_Create(&MODULE);
}
