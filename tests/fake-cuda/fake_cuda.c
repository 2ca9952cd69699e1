/* Fake CUDA driver (libcuda.so.1) for running the C# bindings end to end on a machine without a
 * GPU: "device" memory is host memory, streams are synchronous, events read a monotonic clock.
 * It enforces the rule the real driver enforces and our code must respect: memory and stream
 * calls need a current context on the calling thread (else CUDA_ERROR_INVALID_CONTEXT = 201).
 * Only the symbols bound in src/GpuCompute/Cuda/Native/CudaDriverApi.cs are provided. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
enum { OK = 0, INVALID_VALUE = 1, NOT_INITIALIZED = 3, INVALID_CONTEXT = 201, INVALID_HANDLE = 400 };

static int initialized;
static int primary_refs;
static int primary_ctx_storage;
static __thread void *current;
static long long live_allocations;

#define NEED_INIT() do { if (!initialized) return NOT_INITIALIZED; } while (0)
#define NEED_CTX() do { NEED_INIT(); if (current == NULL) return INVALID_CONTEXT; } while (0)

CUresult cuInit(unsigned flags) { (void)flags; initialized = 1; return OK; }
CUresult cuDriverGetVersion(int *v) { *v = 13000; return OK; }
CUresult cuDeviceGetCount(int *n) { NEED_INIT(); *n = 1; return OK; }
CUresult cuDeviceGet(int *d, int ordinal) { NEED_INIT(); if (ordinal != 0) return 101; *d = 0; return OK; }
CUresult cuDeviceGetName(char *name, int len, int d) { (void)d; strncpy(name, "Fake CUDA device (host memory)", (size_t)len); name[len - 1] = 0; return OK; }
CUresult cuDeviceGetAttribute(int *v, int attr, int d)
{
    (void)d;
    *v = attr == 75 ? 9 : attr == 76 ? 0 : attr == 16 ? 132 : 0;
    return OK;
}
CUresult cuDeviceTotalMem_v2(size_t *bytes, int d) { (void)d; *bytes = (size_t)8 << 30; return OK; }
CUresult cuDevicePrimaryCtxRetain(void **ctx, int d) { (void)d; NEED_INIT(); primary_refs++; *ctx = &primary_ctx_storage; return OK; }
CUresult cuDevicePrimaryCtxRelease_v2(int d) { (void)d; if (primary_refs <= 0) return INVALID_CONTEXT; primary_refs--; return OK; }
CUresult cuCtxSetCurrent(void *ctx) { NEED_INIT(); current = ctx; return OK; }
CUresult cuCtxGetCurrent(void **ctx) { NEED_INIT(); *ctx = current; return OK; }
CUresult cuCtxSynchronize(void) { NEED_CTX(); return OK; }

/* A per-thread context stack of depth 8: push saves the current context, pop restores it. */
static __thread void *pushed[8];
static __thread int depth;
CUresult cuCtxPushCurrent_v2(void *ctx)
{
    NEED_INIT();
    if (ctx == NULL || depth == 8) return INVALID_VALUE;
    pushed[depth++] = current;
    current = ctx;
    return OK;
}
CUresult cuCtxPopCurrent_v2(void **ctx)
{
    NEED_CTX();
    if (depth == 0) return INVALID_CONTEXT;
    if (ctx) *ctx = current;
    current = pushed[--depth];
    return OK;
}

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes)
{
    NEED_CTX();
    if (bytes == 0) return INVALID_VALUE;
    void *m = aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!m) return 2;
    memset(m, 0xA5, bytes); /* garbage, like fresh device memory */
    live_allocations++;
    *p = (CUdeviceptr)(uintptr_t)m;
    return OK;
}
CUresult cuMemFree_v2(CUdeviceptr p) { NEED_CTX(); free((void *)(uintptr_t)p); live_allocations--; return OK; }
CUresult cuMemGetInfo_v2(size_t *freeBytes, size_t *total) { NEED_CTX(); *total = (size_t)8 << 30; *freeBytes = *total / 2; return OK; }
CUresult cuMemHostAlloc(void **p, size_t bytes, unsigned flags) { (void)flags; NEED_CTX(); *p = malloc(bytes); return *p ? OK : 2; }
CUresult cuMemFreeHost(void *p) { NEED_CTX(); free(p); return OK; }
CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void *s, size_t n) { NEED_CTX(); memcpy((void *)(uintptr_t)d, s, n); return OK; }
CUresult cuMemcpyDtoH_v2(void *d, CUdeviceptr s, size_t n) { NEED_CTX(); memcpy(d, (void *)(uintptr_t)s, n); return OK; }
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *s, size_t n, void *st) { (void)st; return cuMemcpyHtoD_v2(d, s, n); }
CUresult cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr s, size_t n, void *st) { (void)st; return cuMemcpyDtoH_v2(d, s, n); }
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n, void *st) { (void)st; NEED_CTX(); memmove((void *)(uintptr_t)d, (void *)(uintptr_t)s, n); return OK; }
CUresult cuMemsetD32Async(CUdeviceptr d, unsigned v, size_t n, void *st)
{
    (void)st; NEED_CTX();
    if (d % 4) return INVALID_VALUE;
    unsigned *p = (unsigned *)(uintptr_t)d;
    for (size_t i = 0; i < n; i++) p[i] = v;
    return OK;
}

CUresult cuStreamCreate(void **s, unsigned flags) { NEED_CTX(); if (flags != 1) return INVALID_VALUE; *s = malloc(16); return OK; }
CUresult cuStreamSynchronize(void *s) { NEED_CTX(); return s ? OK : INVALID_HANDLE; }
CUresult cuStreamDestroy_v2(void *s) { NEED_CTX(); free(s); return OK; }

static long long stream_waits;

typedef struct { double ms; int recorded; int queried; } event;
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
CUresult cuEventCreate(void **e, unsigned flags) { (void)flags; NEED_CTX(); *e = calloc(1, sizeof(event)); return OK; }
CUresult cuEventRecord(void *e, void *s) { (void)s; NEED_CTX(); ((event *)e)->ms = now_ms(); ((event *)e)->recorded = 1; ((event *)e)->queried = 0; return OK; }
CUresult cuEventSynchronize(void *e) { NEED_CTX(); return ((event *)e)->recorded ? OK : INVALID_HANDLE; }
CUresult cuEventElapsedTime_v2(float *ms, void *a, void *b)
{
    NEED_CTX();
    *ms = (float)(((event *)b)->ms - ((event *)a)->ms);
    if (*ms <= 0) *ms = 1e-4f; /* a real GPU always reports a positive time for queued work */
    return OK;
}
CUresult cuEventDestroy_v2(void *e) { NEED_CTX(); free(e); return OK; }
/* Streams are synchronous here, so work has always finished; but the first query after each record
 * answers CUDA_ERROR_NOT_READY (600), as a GPU still running the work would, so that callers take
 * their "pending" path (the device pool's cuStreamWaitEvent) here too. A wait is a no-op that still
 * checks its handles and the flags the real driver accepts outside stream capture. */
CUresult cuEventQuery(void *e)
{
    NEED_CTX();
    if (!e) return INVALID_HANDLE;
    event *ev = (event *)e;
    if (ev->recorded && !ev->queried) { ev->queried = 1; return 600; }
    return OK;
}
CUresult cuStreamWaitEvent(void *s, void *e, unsigned flags)
{
    NEED_CTX();
    if (!s || !e) return INVALID_HANDLE;
    if (flags != 0) return INVALID_VALUE;
    stream_waits++;
    return OK;
}

CUresult cuGetErrorName(CUresult r, const char **s)
{
    *s = r == 0 ? "CUDA_SUCCESS" : r == 201 ? "CUDA_ERROR_INVALID_CONTEXT" : r == 1 ? "CUDA_ERROR_INVALID_VALUE" : "CUDA_ERROR_FAKE";
    return OK;
}
CUresult cuGetErrorString(CUresult r, const char **s) { (void)r; *s = "fake driver error"; return OK; }
long long fakeCudaLiveAllocations(void) { return live_allocations; }
long long fakeCudaStreamWaits(void) { return stream_waits; }
