using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Tests;

/// <summary>A backend that forwards every call to another; tests override single methods to inject faults.</summary>
internal class DelegatingBackend(IComputeBackend inner) : IComputeBackend
{
    protected IComputeBackend Inner { get; } = inner;

    public string Name => Inner.Name;

    public MemoryLedger Ledger => Inner.Ledger;

    public DeviceBuffer Allocate(long length, MemoryTag tag) => Inner.Allocate(length, tag);

    public void Upload(ReadOnlySpan<float> source, TensorView destination) => Inner.Upload(source, destination);

    public void Download(TensorView source, Span<float> destination) => Inner.Download(source, destination);

    public void Fill(TensorView destination, float value) => Inner.Fill(destination, value);

    public void Copy(TensorView source, TensorView destination) => Inner.Copy(source, destination);

    public void Axpy(float alpha, TensorView x, TensorView y) => Inner.Axpy(alpha, x, y);

    public void Scale(float alpha, TensorView x) => Inner.Scale(alpha, x);

    public void DenseForward(TensorView x, TensorView w, TensorView b, TensorView y, int batch, int inFeatures, int outFeatures) =>
        Inner.DenseForward(x, w, b, y, batch, inFeatures, outFeatures);

    public void DenseBackwardData(TensorView dy, TensorView w, TensorView dx, int batch, int inFeatures, int outFeatures) =>
        Inner.DenseBackwardData(dy, w, dx, batch, inFeatures, outFeatures);

    public virtual void DenseBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, int batch, int inFeatures, int outFeatures) =>
        Inner.DenseBackwardParameters(x, dy, dw, db, batch, inFeatures, outFeatures);

    public void Conv2dForward(TensorView x, TensorView w, TensorView b, TensorView y, Conv2dShape shape) => Inner.Conv2dForward(x, w, b, y, shape);

    public void Conv2dBackwardData(TensorView dy, TensorView w, TensorView dx, Conv2dShape shape) => Inner.Conv2dBackwardData(dy, w, dx, shape);

    public void Conv2dBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, Conv2dShape shape) =>
        Inner.Conv2dBackwardParameters(x, dy, dw, db, shape);

    public void ReluForward(TensorView x, TensorView y) => Inner.ReluForward(x, y);

    public void ReluBackward(TensorView y, TensorView dy, TensorView dx) => Inner.ReluBackward(y, dy, dx);

    public void MaxPoolForward(TensorView x, TensorView y, Pool2dShape shape) => Inner.MaxPoolForward(x, y, shape);

    public void MaxPoolBackward(TensorView x, TensorView y, TensorView dy, TensorView dx, Pool2dShape shape) => Inner.MaxPoolBackward(x, y, dy, dx, shape);

    public float SoftmaxCrossEntropy(TensorView logits, TensorView oneHot, TensorView dlogits, int batch, int classes) =>
        Inner.SoftmaxCrossEntropy(logits, oneHot, dlogits, batch, classes);

    public void SgdStep(TensorView weights, TensorView gradients, TensorView momentum, SgdHyperParameters hyper) => Inner.SgdStep(weights, gradients, momentum, hyper);

    public void Synchronize() => Inner.Synchronize();

    public void Dispose() => Inner.Dispose();
}

/// <summary>Dense weight gradients 1 % too large: the kind of silent error parity checks must catch.</summary>
internal sealed class ScaledGradientBackend(IComputeBackend inner) : DelegatingBackend(inner)
{
    public override void DenseBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, int batch, int inFeatures, int outFeatures)
    {
        base.DenseBackwardParameters(x, dy, dw, db, batch, inFeatures, outFeatures);
        Inner.Scale(1.01f, dw);
    }
}
