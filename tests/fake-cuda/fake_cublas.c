/* Fake cuBLAS 13 (column-major, host pointer mode) over fake_cuda's host memory. Implements the
 * reference semantics of each bound routine from the cuBLAS documentation, including argument
 * validation (leading dimensions, transposes), so a wrongly wired call from C# fails or
 * produces wrong numbers that the CPU-vs-"GPU" parity check then catches. */
#include <stdint.h>
#include <stdlib.h>

typedef int st;
enum { OK = 0, NOT_INITIALIZED = 1, INVALID_VALUE = 7 };
typedef struct { void *stream; int math; void *workspace; size_t workspace_bytes; } handle;
typedef unsigned long long ptr;
#define F(p) ((float *)(uintptr_t)(p))

extern int cuCtxGetCurrent(void **ctx);
static int has_context(void) { void *c = 0; cuCtxGetCurrent(&c); return c != 0; }
#define NEED_CTX() do { if (!has_context()) return NOT_INITIALIZED; } while (0)

st cublasCreate_v2(handle **h) { NEED_CTX(); *h = calloc(1, sizeof(handle)); return OK; }
st cublasDestroy_v2(handle *h) { free(h); return OK; }
st cublasSetStream_v2(handle *h, void *s) { h->stream = s; h->workspace = 0; h->workspace_bytes = 0; return OK; }
st cublasSetPointerMode_v2(handle *h, int mode) { (void)h; return mode == 0 ? OK : INVALID_VALUE; }
st cublasSetMathMode(handle *h, int mode) { h->math = mode; return OK; }
st cublasSetWorkspace_v2(handle *h, ptr w, size_t bytes) { if (w % 256) return INVALID_VALUE; h->workspace = (void *)(uintptr_t)w; h->workspace_bytes = bytes; return OK; }
st cublasGetProperty(int type, int *v) { *v = type == 0 ? 13 : type == 1 ? 0 : 2; return OK; }
const char *cublasGetStatusString(st s) { return s == 0 ? "success" : "fake cuBLAS error"; }

static float opget(const float *a, int trans, int lda, int i, int j) { return trans ? a[j + (size_t)i * lda] : a[i + (size_t)j * lda]; }

st cublasSgemm_v2(handle *h, int ta, int tb, int m, int n, int k, const float *alpha, ptr A, int lda, ptr B, int ldb, const float *beta, ptr C, int ldc)
{
    (void)h; NEED_CTX();
    if (m < 0 || n < 0 || k < 0 || lda < (ta ? k : m) || ldb < (tb ? n : k) || ldc < m || lda < 1 || ldb < 1) return INVALID_VALUE;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++)
        {
            double s = 0;
            for (int p = 0; p < k; p++) s += (double)opget(F(A), ta, lda, i, p) * opget(F(B), tb, ldb, p, j);
            float *c = &F(C)[i + (size_t)j * ldc];
            *c = (float)(*alpha * s + (*beta == 0 ? 0 : *beta * *c));
        }
    return OK;
}

st cublasSgemv_v2(handle *h, int t, int m, int n, const float *alpha, ptr A, int lda, ptr x, int incx, const float *beta, ptr y, int incy)
{
    (void)h; NEED_CTX();
    if (lda < m || incx == 0 || incy == 0) return INVALID_VALUE;
    int rows = t ? n : m, cols = t ? m : n;
    for (int i = 0; i < rows; i++)
    {
        double s = 0;
        for (int j = 0; j < cols; j++) s += (double)(t ? F(A)[j + (size_t)i * lda] : F(A)[i + (size_t)j * lda]) * F(x)[(size_t)j * incx];
        float *o = &F(y)[(size_t)i * incy];
        *o = (float)(*alpha * s + (*beta == 0 ? 0 : *beta * *o));
    }
    return OK;
}

st cublasSger_v2(handle *h, int m, int n, const float *alpha, ptr x, int incx, ptr y, int incy, ptr A, int lda)
{
    (void)h; NEED_CTX();
    if (lda < m || incx == 0 || incy == 0) return INVALID_VALUE;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) F(A)[i + (size_t)j * lda] += *alpha * F(x)[(size_t)i * incx] * F(y)[(size_t)j * incy];
    return OK;
}

st cublasSgeam(handle *h, int ta, int tb, int m, int n, const float *alpha, ptr A, int lda, const float *beta, ptr B, int ldb, ptr C, int ldc)
{
    (void)h; NEED_CTX();
    if (lda < (ta ? n : m) || ldb < (tb ? n : m) || ldc < m) return INVALID_VALUE;
    if (C == A && (ta || lda != ldc)) return INVALID_VALUE; /* the documented in-place rule */
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++)
            F(C)[i + (size_t)j * ldc] = *alpha * opget(F(A), ta, lda, i, j) + *beta * opget(F(B), tb, ldb, i, j);
    return OK;
}

st cublasSaxpy_v2(handle *h, int n, const float *alpha, ptr x, int incx, ptr y, int incy)
{
    (void)h; NEED_CTX();
    for (int i = 0; i < n; i++) F(y)[(size_t)i * incy] += *alpha * F(x)[(size_t)i * incx];
    return OK;
}

st cublasSscal_v2(handle *h, int n, const float *alpha, ptr x, int incx)
{
    (void)h; NEED_CTX();
    for (int i = 0; i < n; i++) F(x)[(size_t)i * incx] *= *alpha;
    return OK;
}

st cublasSdot_v2(handle *h, int n, ptr x, int incx, ptr y, int incy, float *result)
{
    (void)h; NEED_CTX();
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)F(x)[(size_t)i * incx] * F(y)[(size_t)i * incy];
    *result = (float)s;
    return OK;
}
