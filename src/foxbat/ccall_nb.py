"""Calls from numba kernels into C functions whose addresses arrive as plain integers.

A kernel could call a ctypes function object, but numba then checks the object's type on
every call from Python (about 2 µs), and a Generator argument costs about 12 µs to
unbox; an interceptor's quiet stretch is entered some 2,000 times per run. Here the
function and its data pointers travel as uint64 values in an array (unboxed in
nanoseconds) and each call is one indirect call in the compiled code. The addresses
are taken in the same process that runs the kernel, so the kernel itself can still be
cached on disk.
"""

from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic


@intrinsic
def call_geod_nb(typingctx, fn, g, a, b, c, d, o1, o2, o3):
    """``fn(g, a, b, c, d, o1, o2, o3)`` for PROJ's ``geod_direct``/``geod_inverse``
    (``void f(const struct geod_geodesic*, double×4, double*×3)``): ``fn``, ``g`` and the
    outputs are addresses (uint64)."""
    sig = types.void(types.uint64, types.uint64, types.float64, types.float64, types.float64, types.float64,
                     types.uint64, types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        dbl, ptr = ir.DoubleType(), ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [ptr, dbl, dbl, dbl, dbl, ptr, ptr, ptr])
        f = builder.inttoptr(args[0], fnty.as_pointer())
        p = [builder.inttoptr(args[i], ptr) for i in (1, 6, 7, 8)]
        builder.call(f, [p[0], args[2], args[3], args[4], args[5], p[1], p[2], p[3]])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def call_next_double_nb(typingctx, fn, state):
    """``fn(state)`` for a NumPy bit generator's ``next_double`` (``double f(void*)``): the
    next double of ``Generator.random()``, advancing the same state."""
    sig = types.float64(types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        ptr = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.DoubleType(), [ptr])
        f = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(f, [builder.inttoptr(args[1], ptr)])

    return sig, codegen


def function_address(cfunc) -> int:
    """The address of a ctypes function."""
    return ctypes.cast(cfunc, ctypes.c_void_p).value


def uniform_source(rng: np.random.Generator) -> np.ndarray:
    """(next_double, state) addresses of ``rng``'s bit generator for
    :func:`call_next_double_nb`: the kernel's draws are ``rng.random()``'s, in the same
    stream. ``rng`` must outlive the kernel's use of them."""
    c = rng.bit_generator.ctypes
    return np.array([function_address(c.next_double), c.state_address], np.uint64)


__all__ = ["call_geod_nb", "call_next_double_nb", "function_address", "uniform_source"]
