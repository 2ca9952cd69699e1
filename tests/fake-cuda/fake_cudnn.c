/* Fake cuDNN 9 legacy API (libcudnn.so.9) over fake_cuda's host memory: NCHW float only, the
 * reference semantics of each bound routine (alpha/beta blending, beta = 0 never reads the
 * output), and strict shape validation between descriptors so a wrongly wired call from C#
 * returns CUDNN_STATUS_BAD_PARAM instead of computing garbage. Convolution "algorithms": 0 needs
 * no workspace, 1 needs 4096 bytes and checks that it was given. Max pooling routes the gradient
 * to the first maximum, like the CPU backend. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int st;
enum { OK = 0, BAD_PARAM = 2000, NOT_SUPPORTED = 3000 };
enum { TENSOR = 0x7e45, FILTER = 0xf117, CONV = 0xc044, POOL = 0x9001, ACT = 0xac71 };
typedef unsigned long long ptr;
#define F(p) ((float *)(uintptr_t)(p))

typedef struct { int kind, n, c, h, w; } tensor;           /* also used for filters: n = k */
typedef struct { int kind, pad_h, pad_w, u, v, dil_h, dil_w, mode, math; } conv;
typedef struct { int kind, mode, nan, wh, ww, ph, pw, sh, sw; } pool;
typedef struct { int kind, mode, nan; } act;
typedef struct { void *stream; } handle;

extern int cuCtxGetCurrent(void **ctx);
static int has_context(void) { void *c = 0; cuCtxGetCurrent(&c); return c != 0; }

size_t cudnnGetVersion(void) { return 91000; }
size_t cudnnGetCudartVersion(void) { return 13000; }
const char *cudnnGetErrorString(st s) { return s == 0 ? "CUDNN_STATUS_SUCCESS" : s == BAD_PARAM ? "CUDNN_STATUS_BAD_PARAM" : "CUDNN_STATUS_FAKE"; }
static __thread char last_error[256];
void cudnnGetLastErrorString(char *message, size_t max) { strncpy(message, last_error, max); message[max - 1] = 0; last_error[0] = 0; }
static st bad(const char *why) { strncpy(last_error, why, sizeof last_error - 1); return BAD_PARAM; }

st cudnnCreate(handle **h) { if (!has_context()) return 1001; *h = calloc(1, sizeof(handle)); return OK; }
st cudnnDestroy(handle *h) { free(h); return OK; }
st cudnnSetStream(handle *h, void *s) { h->stream = s; return OK; }

st cudnnCreateTensorDescriptor(tensor **d) { *d = calloc(1, sizeof(tensor)); (*d)->kind = TENSOR; return OK; }
st cudnnSetTensor4dDescriptor(tensor *d, int format, int type, int n, int c, int h, int w)
{
    if (d->kind != TENSOR) return bad("not a tensor descriptor");
    if (format != 0 || type != 0) return NOT_SUPPORTED;
    if (n <= 0 || c <= 0 || h <= 0 || w <= 0) return bad("tensor dims must be positive");
    d->n = n; d->c = c; d->h = h; d->w = w;
    return OK;
}
st cudnnDestroyTensorDescriptor(tensor *d) { free(d); return OK; }
st cudnnCreateFilterDescriptor(tensor **d) { *d = calloc(1, sizeof(tensor)); (*d)->kind = FILTER; return OK; }
st cudnnSetFilter4dDescriptor(tensor *d, int type, int format, int k, int c, int h, int w)
{
    if (d->kind != FILTER) return bad("not a filter descriptor");
    if (format != 0 || type != 0) return NOT_SUPPORTED;
    d->n = k; d->c = c; d->h = h; d->w = w;
    return OK;
}
st cudnnDestroyFilterDescriptor(tensor *d) { free(d); return OK; }
st cudnnCreateActivationDescriptor(act **d) { *d = calloc(1, sizeof(act)); (*d)->kind = ACT; return OK; }
st cudnnSetActivationDescriptor(act *d, int mode, int nan, double coef) { (void)coef; if (mode != 1) return NOT_SUPPORTED; d->mode = mode; d->nan = nan; return OK; }
st cudnnDestroyActivationDescriptor(act *d) { free(d); return OK; }
st cudnnCreatePoolingDescriptor(pool **d) { *d = calloc(1, sizeof(pool)); (*d)->kind = POOL; return OK; }
st cudnnSetPooling2dDescriptor(pool *d, int mode, int nan, int wh, int ww, int ph, int pw, int sh, int sw)
{
    if (mode != 0 || ph || pw) return NOT_SUPPORTED;
    d->mode = mode; d->nan = nan; d->wh = wh; d->ww = ww; d->ph = ph; d->pw = pw; d->sh = sh; d->sw = sw;
    return OK;
}
st cudnnDestroyPoolingDescriptor(pool *d) { free(d); return OK; }
st cudnnCreateConvolutionDescriptor(conv **d) { *d = calloc(1, sizeof(conv)); (*d)->kind = CONV; return OK; }
st cudnnSetConvolution2dDescriptor(conv *d, int ph, int pw, int u, int v, int dh, int dw, int mode, int type)
{
    if (d->kind != CONV || type != 0 || dh != 1 || dw != 1) return NOT_SUPPORTED;
    d->pad_h = ph; d->pad_w = pw; d->u = u; d->v = v; d->dil_h = dh; d->dil_w = dw; d->mode = mode;
    return OK;
}
st cudnnSetConvolutionMathType(conv *d, int math) { if (math < 0 || math > 3) return bad("math type"); d->math = math; return OK; }
st cudnnDestroyConvolutionDescriptor(conv *d) { free(d); return OK; }

static int out_size(int in, int f, int pad, int stride) { return 1 + (in + 2 * pad - f) / stride; }
st cudnnGetConvolution2dForwardOutputDim(conv *c, tensor *x, tensor *w, int *n, int *k, int *h, int *wo)
{
    if (c->kind != CONV || x->kind != TENSOR || w->kind != FILTER) return bad("descriptor kinds");
    if (x->c != w->c) return bad("input channels differ between x and w");
    *n = x->n; *k = w->n; *h = out_size(x->h, w->h, c->pad_h, c->u); *wo = out_size(x->w, w->w, c->pad_w, c->v);
    return OK;
}

static st check_conv(tensor *x, tensor *w, conv *c, tensor *y)
{
    if (!has_context()) return 1001;
    if (x->kind != TENSOR || w->kind != FILTER || c->kind != CONV || y->kind != TENSOR) return bad("descriptor kinds");
    if (c->mode != 1) return bad("expected CUDNN_CROSS_CORRELATION");
    if (c->math != 3) return bad("expected CUDNN_FMA_MATH (TF32 off) at execution");
    if (x->c != w->c || y->c != w->n || x->n != y->n) return bad("channel/batch mismatch");
    if (y->h != out_size(x->h, w->h, c->pad_h, c->u) || y->w != out_size(x->w, w->w, c->pad_w, c->v)) return bad("output size mismatch");
    return OK;
}

typedef struct { int algo, status; float time; size_t memory; int determinism, mathType, reserved[3]; } perf;
static size_t workspace_for(int algo) { return algo == 1 ? 4096 : 0; }
static st ws_ok(int algo, ptr ws, size_t bytes) { return workspace_for(algo) == 0 || (ws && bytes >= workspace_for(algo)) ? OK : bad("workspace missing or too small"); }
static st rank(int requested, int *returned, perf *p, int math)
{
    /* algo 7 "fails" (NOT_SUPPORTED) and is listed first: the caller must skip it. */
    perf all[3] = { { 7, NOT_SUPPORTED, -1, 0, 1, math, { 0 } }, { 1, OK, 0.1f, 4096, 1, math, { 0 } }, { 0, OK, 0.2f, 0, 1, math, { 0 } } };
    int n = requested < 3 ? requested : 3;
    memcpy(p, all, sizeof(perf) * (size_t)n);
    *returned = n;
    return OK;
}
st cudnnGetConvolutionForwardAlgorithmMaxCount(handle *h, int *n) { (void)h; *n = 3; return OK; }
st cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle *h, int *n) { (void)h; *n = 3; return OK; }
st cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle *h, int *n) { (void)h; *n = 3; return OK; }
st cudnnGetConvolutionForwardAlgorithm_v7(handle *h, tensor *x, tensor *w, conv *c, tensor *y, int req, int *ret, perf *p)
{ (void)h; st s = check_conv(x, w, c, y); return s ? s : rank(req, ret, p, c->math); }
st cudnnGetConvolutionBackwardDataAlgorithm_v7(handle *h, tensor *w, tensor *dy, conv *c, tensor *dx, int req, int *ret, perf *p)
{ (void)h; if (w->kind != FILTER || dy->kind != TENSOR || dx->kind != TENSOR) return bad("bwd-data descriptor order"); return rank(req, ret, p, c->math); }
st cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle *h, tensor *x, tensor *dy, conv *c, tensor *dw, int req, int *ret, perf *p)
{ (void)h; if (x->kind != TENSOR || dy->kind != TENSOR || dw->kind != FILTER) return bad("bwd-filter descriptor order"); return rank(req, ret, p, c->math); }
st cudnnGetConvolutionForwardWorkspaceSize(handle *h, tensor *x, tensor *w, conv *c, tensor *y, int algo, size_t *b)
{ (void)h; (void)c; if (x->kind != TENSOR || w->kind != FILTER || y->kind != TENSOR) return bad("fwd ws order"); *b = workspace_for(algo); return OK; }
st cudnnGetConvolutionBackwardDataWorkspaceSize(handle *h, tensor *w, tensor *dy, conv *c, tensor *dx, int algo, size_t *b)
{ (void)h; (void)c; if (w->kind != FILTER || dy->kind != TENSOR || dx->kind != TENSOR) return bad("bwd-data ws order"); *b = workspace_for(algo); return OK; }
st cudnnGetConvolutionBackwardFilterWorkspaceSize(handle *h, tensor *x, tensor *dy, conv *c, tensor *dw, int algo, size_t *b)
{ (void)h; (void)c; if (x->kind != TENSOR || dy->kind != TENSOR || dw->kind != FILTER) return bad("bwd-filter ws order"); *b = workspace_for(algo); return OK; }

#define AT(t, n_, c_, h_, w_) ((((size_t)(n_) * (t)->c + (c_)) * (t)->h + (h_)) * (t)->w + (w_))
static float blend(float value, const float *alpha, const float *beta, float old) { return *alpha * value + (*beta == 0 ? 0 : *beta * old); }

st cudnnConvolutionForward(handle *h, const float *alpha, tensor *xd, ptr x, tensor *wd, ptr w, conv *c, int algo, ptr ws, size_t wsb, const float *beta, tensor *yd, ptr y)
{
    (void)h; st s = check_conv(xd, wd, c, yd); if (s) return s; if ((s = ws_ok(algo, ws, wsb))) return s;
    for (int n = 0; n < yd->n; n++) for (int k = 0; k < yd->c; k++) for (int i = 0; i < yd->h; i++) for (int j = 0; j < yd->w; j++)
    {
        double sum = 0;
        for (int ch = 0; ch < xd->c; ch++) for (int r = 0; r < wd->h; r++) for (int q = 0; q < wd->w; q++)
        {
            int hi = i * c->u - c->pad_h + r, wi = j * c->v - c->pad_w + q;
            if (hi >= 0 && hi < xd->h && wi >= 0 && wi < xd->w) sum += (double)F(x)[AT(xd, n, ch, hi, wi)] * F(w)[AT(wd, k, ch, r, q)];
        }
        float *o = &F(y)[AT(yd, n, k, i, j)];
        *o = blend((float)sum, alpha, beta, *o);
    }
    return OK;
}

st cudnnConvolutionBackwardData(handle *h, const float *alpha, tensor *wd, ptr w, tensor *dyd, ptr dy, conv *c, int algo, ptr ws, size_t wsb, const float *beta, tensor *dxd, ptr dx)
{
    (void)h; st s = check_conv(dxd, wd, c, dyd); if (s) return s; if ((s = ws_ok(algo, ws, wsb))) return s;
    size_t count = (size_t)dxd->n * dxd->c * dxd->h * dxd->w;
    double *acc = calloc(count, sizeof(double));
    for (int n = 0; n < dyd->n; n++) for (int k = 0; k < dyd->c; k++) for (int i = 0; i < dyd->h; i++) for (int j = 0; j < dyd->w; j++)
        for (int ch = 0; ch < dxd->c; ch++) for (int r = 0; r < wd->h; r++) for (int q = 0; q < wd->w; q++)
        {
            int hi = i * c->u - c->pad_h + r, wi = j * c->v - c->pad_w + q;
            if (hi >= 0 && hi < dxd->h && wi >= 0 && wi < dxd->w) acc[AT(dxd, n, ch, hi, wi)] += (double)F(dy)[AT(dyd, n, k, i, j)] * F(w)[AT(wd, k, ch, r, q)];
        }
    for (size_t e = 0; e < count; e++) F(dx)[e] = blend((float)acc[e], alpha, beta, F(dx)[e]);
    free(acc);
    return OK;
}

st cudnnConvolutionBackwardFilter(handle *h, const float *alpha, tensor *xd, ptr x, tensor *dyd, ptr dy, conv *c, int algo, ptr ws, size_t wsb, const float *beta, tensor *dwd, ptr dw)
{
    (void)h; st s = check_conv(xd, dwd, c, dyd); if (s) return s; if ((s = ws_ok(algo, ws, wsb))) return s;
    for (int k = 0; k < dwd->n; k++) for (int ch = 0; ch < dwd->c; ch++) for (int r = 0; r < dwd->h; r++) for (int q = 0; q < dwd->w; q++)
    {
        double sum = 0;
        for (int n = 0; n < dyd->n; n++) for (int i = 0; i < dyd->h; i++) for (int j = 0; j < dyd->w; j++)
        {
            int hi = i * c->u - c->pad_h + r, wi = j * c->v - c->pad_w + q;
            if (hi >= 0 && hi < xd->h && wi >= 0 && wi < xd->w) sum += (double)F(dy)[AT(dyd, n, k, i, j)] * F(x)[AT(xd, n, ch, hi, wi)];
        }
        float *o = &F(dw)[AT(dwd, k, ch, r, q)];
        *o = blend((float)sum, alpha, beta, *o);
    }
    return OK;
}

st cudnnConvolutionBackwardBias(handle *h, const float *alpha, tensor *dyd, ptr dy, const float *beta, tensor *dbd, ptr db)
{
    (void)h; if (!has_context()) return 1001;
    if (dbd->n != 1 || dbd->c != dyd->c || dbd->h != 1 || dbd->w != 1) return bad("bias descriptor must be [1,K,1,1]");
    for (int k = 0; k < dyd->c; k++)
    {
        double sum = 0;
        for (int n = 0; n < dyd->n; n++) for (int i = 0; i < dyd->h; i++) for (int j = 0; j < dyd->w; j++) sum += F(dy)[AT(dyd, n, k, i, j)];
        F(db)[k] = blend((float)sum, alpha, beta, F(db)[k]);
    }
    return OK;
}

st cudnnAddTensor(handle *h, const float *alpha, tensor *ad, ptr a, const float *beta, tensor *cd, ptr c)
{
    (void)h; if (!has_context()) return 1001;
    if (ad->n != 1 || ad->c != cd->c || ad->h != 1 || ad->w != 1) return NOT_SUPPORTED; /* only the bias broadcast we use */
    for (int n = 0; n < cd->n; n++) for (int k = 0; k < cd->c; k++) for (int i = 0; i < cd->h; i++) for (int j = 0; j < cd->w; j++)
    {
        float *o = &F(c)[AT(cd, n, k, i, j)];
        *o = *alpha * F(a)[k] + *beta * *o;
    }
    return OK;
}

static size_t count_of(tensor *t) { return (size_t)t->n * t->c * t->h * t->w; }
st cudnnActivationForward(handle *h, act *d, const float *alpha, tensor *xd, ptr x, const float *beta, tensor *yd, ptr y)
{
    (void)h; if (!has_context()) return 1001;
    if (d->kind != ACT || count_of(xd) != count_of(yd)) return bad("activation shapes");
    for (size_t e = 0; e < count_of(xd); e++) { float v = F(x)[e]; F(y)[e] = blend(v > 0 || (d->nan && isnan(v)) ? v : 0, alpha, beta, F(y)[e]); }
    return OK;
}
st cudnnActivationBackward(handle *h, act *d, const float *alpha, tensor *yd, ptr y, tensor *dyd, ptr dy, tensor *xd, ptr x, const float *beta, tensor *dxd, ptr dx)
{
    (void)h; (void)y; if (!has_context()) return 1001;
    if (d->kind != ACT || count_of(yd) != count_of(dyd) || count_of(xd) != count_of(dxd) || count_of(yd) != count_of(xd)) return bad("activation shapes");
    for (size_t e = 0; e < count_of(xd); e++) F(dx)[e] = blend(F(x)[e] > 0 ? F(dy)[e] : 0, alpha, beta, F(dx)[e]);
    return OK;
}

st cudnnPoolingForward(handle *h, pool *p, const float *alpha, tensor *xd, ptr x, const float *beta, tensor *yd, ptr y)
{
    (void)h; if (!has_context()) return 1001;
    if (p->kind != POOL || yd->h != out_size(xd->h, p->wh, 0, p->sh) || yd->w != out_size(xd->w, p->ww, 0, p->sw) || xd->n != yd->n || xd->c != yd->c) return bad("pooling shapes");
    for (int n = 0; n < yd->n; n++) for (int c = 0; c < yd->c; c++) for (int i = 0; i < yd->h; i++) for (int j = 0; j < yd->w; j++)
    {
        float m = -INFINITY;
        for (int r = 0; r < p->wh; r++) for (int q = 0; q < p->ww; q++) { float v = F(x)[AT(xd, n, c, i * p->sh + r, j * p->sw + q)]; if (v > m || (p->nan && isnan(v) && !isnan(m))) m = v; }
        float *o = &F(y)[AT(yd, n, c, i, j)];
        *o = blend(m, alpha, beta, *o);
    }
    return OK;
}
st cudnnPoolingBackward(handle *h, pool *p, const float *alpha, tensor *yd, ptr y, tensor *dyd, ptr dy, tensor *xd, ptr x, const float *beta, tensor *dxd, ptr dx)
{
    (void)h; (void)y; if (!has_context()) return 1001;
    if (count_of(yd) != count_of(dyd) || count_of(xd) != count_of(dxd) || yd->h != out_size(xd->h, p->wh, 0, p->sh)) return bad("pooling backward shapes");
    size_t count = count_of(dxd);
    float *acc = calloc(count, sizeof(float));
    for (int n = 0; n < yd->n; n++) for (int c = 0; c < yd->c; c++) for (int i = 0; i < yd->h; i++) for (int j = 0; j < yd->w; j++)
    {
        float m = -INFINITY; size_t at = 0;
        for (int r = 0; r < p->wh; r++) for (int q = 0; q < p->ww; q++) { size_t e = AT(xd, n, c, i * p->sh + r, j * p->sw + q); if (F(x)[e] > m) { m = F(x)[e]; at = e; } }
        acc[at] += F(dy)[AT(dyd, n, c, i, j)];
    }
    for (size_t e = 0; e < count; e++) F(dx)[e] = blend(acc[e], alpha, beta, F(dx)[e]);
    free(acc);
    return OK;
}

st cudnnSoftmaxForward(handle *h, int algo, int mode, const float *alpha, tensor *xd, ptr x, const float *beta, tensor *yd, ptr y)
{
    (void)h; if (!has_context()) return 1001;
    if (mode != 0 || count_of(xd) != count_of(yd) || xd->n != yd->n) return bad("softmax: INSTANCE mode, same shapes");
    size_t row = (size_t)xd->c * xd->h * xd->w;
    for (int n = 0; n < xd->n; n++)
    {
        const float *in = F(x) + n * row; float *out = F(y) + n * row;
        double m = -INFINITY, sum = 0;
        for (size_t e = 0; e < row; e++) if (in[e] > m) m = in[e];
        for (size_t e = 0; e < row; e++) sum += exp(in[e] - m);
        for (size_t e = 0; e < row; e++)
        {
            double v = algo == 2 ? (in[e] - m) - log(sum) : exp(in[e] - m) / sum;
            out[e] = blend((float)v, alpha, beta, out[e]);
        }
    }
    return OK;
}
