using CyclicActors.GpuCompute.Cuda.Native;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cuda;

// ReLU, max-pooling and softmax cross-entropy through cuDNN (+ cuBLAS for the loss reduction).
public sealed partial class CudaBackend
{
    public unsafe void ReluForward(TensorView x, TensorView y)
    {
        Enter();
        y.RequireLength(x.Length, "ReluForward y");
        ulong xPtr = Ptr(x), yPtr = Ptr(y);
        nint relu = _descriptors!.Relu().Value;
        float one = 1f, zero = 0f;
        foreach (ElementwiseSegment segment in ElementwiseSegments.Split(x.Length))
        {
            nint d = _descriptors.Tensor(segment.Rows, 1, 1, segment.Width).Value;
            ulong at = (ulong)segment.Offset * sizeof(float);
            Check.Cudnn(CudnnApi.cudnnActivationForward(_cudnn!.Value, relu, &one, d, xPtr + at, &zero, d, yPtr + at));
        }
    }

    public unsafe void ReluBackward(TensorView y, TensorView dy, TensorView dx)
    {
        Enter();
        dy.RequireLength(y.Length, "ReluBackward dy");
        dx.RequireLength(y.Length, "ReluBackward dx");
        ulong yPtr = Ptr(y), dyPtr = Ptr(dy), dxPtr = Ptr(dx);
        nint relu = _descriptors!.Relu().Value;
        float one = 1f, zero = 0f;
        foreach (ElementwiseSegment segment in ElementwiseSegments.Split(y.Length))
        {
            nint d = _descriptors.Tensor(segment.Rows, 1, 1, segment.Width).Value;
            ulong at = (ulong)segment.Offset * sizeof(float);

            // cuDNN wants x as well; y > 0 exactly where x > 0 for ReLU, so y serves as both.
            Check.Cudnn(CudnnApi.cudnnActivationBackward(_cudnn!.Value, relu, &one, d, yPtr + at, d, dyPtr + at, d, yPtr + at, &zero, d, dxPtr + at));
        }
    }

    public unsafe void MaxPoolForward(TensorView x, TensorView y, Pool2dShape shape)
    {
        Enter();
        shape.Validate();
        x.RequireLength(shape.InputElements, "MaxPoolForward x");
        y.RequireLength(shape.OutputElements, "MaxPoolForward y");
        (nint xDesc, nint yDesc, nint pool) = PoolDescriptors(shape);
        float one = 1f, zero = 0f;
        Check.Cudnn(CudnnApi.cudnnPoolingForward(_cudnn!.Value, pool, &one, xDesc, Ptr(x), &zero, yDesc, Ptr(y)));
    }

    /// <summary>
    /// cudnnPoolingBackward in MAX mode. Note [pooling ties]: when a window holds several equal maxima,
    /// cuDNN may route the gradient to a different one than the CPU's first arg-max; the results then
    /// differ element-wise while the sums agree. Real activations almost never tie; the self-test uses
    /// tie-free inputs.
    /// </summary>
    public unsafe void MaxPoolBackward(TensorView x, TensorView y, TensorView dy, TensorView dx, Pool2dShape shape)
    {
        Enter();
        shape.Validate();
        x.RequireLength(shape.InputElements, "MaxPoolBackward x");
        y.RequireLength(shape.OutputElements, "MaxPoolBackward y");
        dy.RequireLength(shape.OutputElements, "MaxPoolBackward dy");
        dx.RequireLength(shape.InputElements, "MaxPoolBackward dx");
        (nint xDesc, nint yDesc, nint pool) = PoolDescriptors(shape);
        float one = 1f, zero = 0f;
        Check.Cudnn(CudnnApi.cudnnPoolingBackward(_cudnn!.Value, pool, &one, yDesc, Ptr(y), yDesc, Ptr(dy), xDesc, Ptr(x), &zero, xDesc, Ptr(dx)));
    }

    /// <summary>
    /// Recipe of gpu-bindings.md §5: log p = softmax LOG of the logits (temporary); p = softmax ACCURATE
    /// of log p (softmax is shift-invariant, so this is softmax of the logits) written to dlogits, then
    /// dlogits = p/B − onehot/B in place with cublasSgeam; loss = −⟨onehot, log p⟩/B by cublasSdot, which
    /// returns to the host and so synchronises. The logits are read only by the first call, so
    /// <paramref name="dlogits"/> may alias them, as on the CPU.
    /// </summary>
    public unsafe float SoftmaxCrossEntropy(TensorView logits, TensorView oneHot, TensorView dlogits, int batch, int classes)
    {
        Enter();
        long count = (long)batch * classes;
        logits.RequireLength(count, "SoftmaxCrossEntropy logits");
        oneHot.RequireLength(count, "SoftmaxCrossEntropy oneHot");
        dlogits.RequireLength(count, "SoftmaxCrossEntropy dlogits");
        int n = Int(count, "SoftmaxCrossEntropy size");
        nint d = _descriptors!.Tensor(batch, classes, 1, 1).Value;
        float one = 1f, zero = 0f, result = 0f;
        ulong logitsPtr = Ptr(logits), oneHotPtr = Ptr(oneHot), dlogitsPtr = Ptr(dlogits);

        using DeviceBuffer logProbabilities = Allocate(count, MemoryTag.Workspace);
        ulong logP = Ptr(logProbabilities);
        Check.Cudnn(CudnnApi.cudnnSoftmaxForward(_cudnn!.Value, CudnnSoftmaxAlgorithm.Log, CudnnSoftmaxMode.Instance, &one, d, logitsPtr, &zero, d, logP));
        Check.Cudnn(CudnnApi.cudnnSoftmaxForward(_cudnn!.Value, CudnnSoftmaxAlgorithm.Accurate, CudnnSoftmaxMode.Instance, &one, d, logP, &zero, d, dlogitsPtr));
        Geam(1f / batch, dlogitsPtr, -1f / batch, oneHotPtr, dlogitsPtr, n);
        Check.Cublas(CublasApi.cublasSdot_v2(_cublas!.Value, n, oneHotPtr, 1, logP, 1, &result));
        return -result / batch;
    }

    private (nint X, nint Y, nint Pool) PoolDescriptors(Pool2dShape shape) =>
        (_descriptors!.Tensor(shape.Batch, shape.Channels, shape.Height, shape.Width).Value,
         _descriptors.Tensor(shape.Batch, shape.Channels, shape.OutHeight, shape.OutWidth).Value,
         _descriptors.MaxPooling(shape.Window, shape.Stride).Value);
}
