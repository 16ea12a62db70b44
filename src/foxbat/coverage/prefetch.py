"""A cache prefetch hint for numba kernels (LLVM's llvm.prefetch intrinsic).

The line-of-sight kernel walks rays across the DEM with strides the hardware
prefetchers do not follow (a new row every step, or one stream per ray); asking for
the cells a few steps ahead hides most of the memory latency. A prefetch never
faults, so an address past the array's end is harmless.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, arr, flat_index):
    """Hint the CPU to bring ``arr.flat[flat_index]`` (C-contiguous arr) into cache."""
    sig = types.void(arr, flat_index)

    def codegen(context, builder, signature, args):
        arrty, _ = signature.args
        ary = context.make_array(arrty)(context, builder, args[0])
        i64 = ir.IntType(64)
        itemsize = context.get_abi_sizeof(context.get_data_type(arrty.dtype))
        offset = builder.mul(builder.sext(args[1], i64) if args[1].type.width < 64 else args[1],
                             ir.Constant(i64, itemsize))
        addr = builder.inttoptr(builder.add(builder.ptrtoint(ary.data, i64), offset), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ir.IntType(8).as_pointer(), i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # read, high temporal locality, data cache
        builder.call(fn, [addr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen
