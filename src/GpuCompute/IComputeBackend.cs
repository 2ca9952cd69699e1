using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute;

/// <summary>
/// The device-neutral compute contract. The CPU backend is the oracle; the CUDA backend implements
/// the same semantics and is checked against it tensor by tensor.
///
/// Conventions:
/// - all tensors are float32, row-major (NCHW for images); shapes are passed explicitly;
/// - outputs are overwritten (never accumulated into) unless the method says otherwise;
/// - every buffer comes from <see cref="Allocate"/> and is tagged in <see cref="Ledger"/>;
/// - calls may be asynchronous on a device: <see cref="Download"/> and methods returning a value
///   synchronise; <see cref="Synchronize"/> waits for everything queued.
/// A backend instance is used by one thread at a time (one per worker).
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>Short description, e.g. "cpu" or "cuda:0 NVIDIA H100".</summary>
    string Name { get; }

    MemoryLedger Ledger { get; }

    /// <summary>A buffer of <paramref name="length"/> floats from the caching pool. Contents are unspecified.</summary>
    DeviceBuffer Allocate(long length, MemoryTag tag);

    void Upload(ReadOnlySpan<float> source, TensorView destination);

    void Download(TensorView source, Span<float> destination);

    void Fill(TensorView destination, float value);

    void Copy(TensorView source, TensorView destination);

    /// <summary>y ← y + alpha·x.</summary>
    void Axpy(float alpha, TensorView x, TensorView y);

    /// <summary>x ← alpha·x.</summary>
    void Scale(float alpha, TensorView x);

    /// <summary>y[B,out] = x[B,in]·wᵀ + b, with w [out,in] (PyTorch Linear layout) and b [out].</summary>
    void DenseForward(TensorView x, TensorView w, TensorView b, TensorView y, int batch, int inFeatures, int outFeatures);

    /// <summary>dx[B,in] = dy[B,out]·w.</summary>
    void DenseBackwardData(TensorView dy, TensorView w, TensorView dx, int batch, int inFeatures, int outFeatures);

    /// <summary>dw[out,in] = dyᵀ·x and db[out] = Σ_batch dy.</summary>
    void DenseBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, int batch, int inFeatures, int outFeatures);

    /// <summary>y = conv(x, w) + b.</summary>
    void Conv2dForward(TensorView x, TensorView w, TensorView b, TensorView y, Conv2dShape shape);

    /// <summary>dx = the gradient of the convolution with respect to its input.</summary>
    void Conv2dBackwardData(TensorView dy, TensorView w, TensorView dx, Conv2dShape shape);

    /// <summary>dw and db, the gradients with respect to the filter and bias.</summary>
    void Conv2dBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, Conv2dShape shape);

    /// <summary>y = max(x, 0), elementwise; y may alias x.</summary>
    void ReluForward(TensorView x, TensorView y);

    /// <summary>dx = dy where y &gt; 0, else 0 (y is the forward output); dx may alias dy.</summary>
    void ReluBackward(TensorView y, TensorView dy, TensorView dx);

    void MaxPoolForward(TensorView x, TensorView y, Pool2dShape shape);

    /// <summary>Routes dy to the (first) arg-max of each window; every other dx element is 0.</summary>
    void MaxPoolBackward(TensorView x, TensorView y, TensorView dy, TensorView dx, Pool2dShape shape);

    /// <summary>
    /// Mean softmax cross-entropy over the batch. <paramref name="oneHot"/> is [B,classes]; writes
    /// dlogits = (softmax − oneHot)/B and returns the loss (synchronises).
    /// </summary>
    float SoftmaxCrossEntropy(TensorView logits, TensorView oneHot, TensorView dlogits, int batch, int classes);

    /// <summary>
    /// One SGD step with PyTorch's semantics: d = g + wd·w; v = μ·v + d (v starts at zero, so the
    /// first step gives v = d); w ← w − lr·v. With μ = 0 the momentum buffer is not touched.
    /// </summary>
    void SgdStep(TensorView weights, TensorView gradients, TensorView momentum, SgdHyperParameters hyper);

    /// <summary>Waits for all queued work on this backend.</summary>
    void Synchronize();
}
