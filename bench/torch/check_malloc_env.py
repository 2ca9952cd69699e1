#!/usr/bin/python3
"""Shows whether glibc honours MALLOC_MMAP_THRESHOLD_ from the environment.

Allocates 1, 16, 40 and 100 MiB and prints mallinfo2().hblks (regions served by mmap) after each:
with the default dynamic threshold big blocks are mmapped; with MALLOC_MMAP_THRESHOLD_=4294967296
on glibc 2.36 none are (the environment goes through tunables, which accept values that
mallopt(M_MMAP_THRESHOLD) would refuse above 32 MiB).

    /usr/bin/python3 bench/torch/check_malloc_env.py
    MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 /usr/bin/python3 bench/torch/check_malloc_env.py
"""
import ctypes

libc = ctypes.CDLL("libc.so.6")


class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
result = []
for mib in (1, 16, 40, 100):
    block = libc.malloc(mib << 20)
    result.append((mib, libc.mallinfo2().hblks))
    libc.free(ctypes.c_void_p(block))
print("(MiB allocated, mmapped regions):", result)
