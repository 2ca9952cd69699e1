namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// cuDNN descriptors keyed by shape, created on first use and kept for the backend's lifetime
/// (a training step uses the same shapes every step; ConvNetSharp's per-call descriptors were the
/// lesson). Disposes everything it created.
/// </summary>
internal sealed class CudnnDescriptorCache : IDisposable
{
    private readonly Dictionary<(int N, int C, int H, int W), CudnnTensorDescriptor> _tensors = new();
    private readonly Dictionary<(int K, int C, int H, int W), CudnnFilterDescriptor> _filters = new();
    private readonly Dictionary<(int Padding, int Stride), CudnnConvolutionDescriptor> _convolutions = new();
    private readonly Dictionary<(int Window, int Stride), CudnnPoolingDescriptor> _poolings = new();
    private readonly Dictionary<Conv2dShape, ConvolutionPlan> _plans = new();
    private CudnnActivationDescriptor? _relu;

    public int PlanCount => _plans.Count;

    public CudnnTensorDescriptor Tensor(int n, int c, int h, int w)
    {
        if (!_tensors.TryGetValue((n, c, h, w), out var descriptor))
        {
            descriptor = CudnnTensorDescriptor.Create(n, c, h, w);
            _tensors[(n, c, h, w)] = descriptor;
        }

        return descriptor;
    }

    public CudnnFilterDescriptor Filter(int k, int c, int h, int w)
    {
        if (!_filters.TryGetValue((k, c, h, w), out var descriptor))
        {
            descriptor = CudnnFilterDescriptor.Create(k, c, h, w);
            _filters[(k, c, h, w)] = descriptor;
        }

        return descriptor;
    }

    public CudnnConvolutionDescriptor Convolution(int padding, int stride, Native.CudnnMathType mathType)
    {
        if (!_convolutions.TryGetValue((padding, stride), out var descriptor))
        {
            descriptor = CudnnConvolutionDescriptor.Create(padding, stride, mathType);
            _convolutions[(padding, stride)] = descriptor;
        }

        return descriptor;
    }

    public CudnnPoolingDescriptor MaxPooling(int window, int stride)
    {
        if (!_poolings.TryGetValue((window, stride), out var descriptor))
        {
            descriptor = CudnnPoolingDescriptor.CreateMax(window, stride);
            _poolings[(window, stride)] = descriptor;
        }

        return descriptor;
    }

    public CudnnActivationDescriptor Relu() => _relu ??= CudnnActivationDescriptor.CreateRelu();

    public bool TryGetPlan(Conv2dShape shape, out ConvolutionPlan plan) => _plans.TryGetValue(shape, out plan!);

    public void AddPlan(Conv2dShape shape, ConvolutionPlan plan) => _plans[shape] = plan;

    public void Dispose()
    {
        _plans.Clear(); // plans only reference descriptors owned below
        _relu?.Dispose();
        foreach (var d in _poolings.Values) d.Dispose();
        foreach (var d in _convolutions.Values) d.Dispose();
        foreach (var d in _filters.Values) d.Dispose();
        foreach (var d in _tensors.Values) d.Dispose();
        _poolings.Clear();
        _convolutions.Clear();
        _filters.Clear();
        _tensors.Clear();
    }
}
