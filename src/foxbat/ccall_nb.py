"""A NumPy Generator's draws inside a numba kernel, from addresses that arrive as integers.

numba can take a Generator argument, but unboxing one costs about 12 µs per call from
Python, and an interceptor's quiet stretch is entered from tens to over a thousand times a run. Here the
bit generator's ``next_double`` and its state travel as two uint64 values in an array
(unboxed in nanoseconds) and each draw is one indirect call in the compiled code: the
same function on the same state as ``Generator.random()``. The addresses are taken in the
process that runs the kernel, so the kernel itself can still be cached on disk.
"""

from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic


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


__all__ = ["call_next_double_nb", "function_address", "uniform_source"]
