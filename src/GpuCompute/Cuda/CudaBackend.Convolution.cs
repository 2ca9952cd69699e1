using CyclicActors.GpuCompute.Cuda.Native;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cuda;

// Convolutions through cuDNN's legacy API: descriptors and algorithms planned once per shape,
// workspaces taken from our allocator (tag Workspace) for the duration of one call.
public sealed partial class CudaBackend
{
    public unsafe void Conv2dForward(TensorView x, TensorView w, TensorView b, TensorView y, Conv2dShape shape)
    {
        Enter();
        ConvolutionPlan plan = Plan(shape);
        x.RequireLength(shape.InputElements, "Conv2dForward x");
        w.RequireLength(shape.WeightElements, "Conv2dForward w");
        b.RequireLength(shape.OutChannels, "Conv2dForward b");
        y.RequireLength(shape.OutputElements, "Conv2dForward y");
        float one = 1f, zero = 0f;
        plan.Convolution.SetMathType(plan.Forward.MathType);
        using (DeviceBuffer? workspace = Workspace(plan.Forward.WorkspaceBytes))
        {
            Check.Cudnn(CudnnApi.cudnnConvolutionForward(
                _cudnn!.Value, &one, plan.Input.Value, Ptr(x), plan.Filter.Value, Ptr(w), plan.Convolution.Value,
                plan.Forward.Algorithm, WorkspacePtr(workspace), (nuint)plan.Forward.WorkspaceBytes, &zero, plan.Output.Value, Ptr(y)));
        }

        // y += b broadcast over N, H, W ([1,K,1,1] bias descriptor).
        Check.Cudnn(CudnnApi.cudnnAddTensor(_cudnn!.Value, &one, plan.Bias.Value, Ptr(b), &one, plan.Output.Value, Ptr(y)));
    }

    public unsafe void Conv2dBackwardData(TensorView dy, TensorView w, TensorView dx, Conv2dShape shape)
    {
        Enter();
        ConvolutionPlan plan = Plan(shape);
        dy.RequireLength(shape.OutputElements, "Conv2dBackwardData dy");
        w.RequireLength(shape.WeightElements, "Conv2dBackwardData w");
        dx.RequireLength(shape.InputElements, "Conv2dBackwardData dx");
        float one = 1f, zero = 0f;
        plan.Convolution.SetMathType(plan.BackwardData.MathType);
        using DeviceBuffer? workspace = Workspace(plan.BackwardData.WorkspaceBytes);
        Check.Cudnn(CudnnApi.cudnnConvolutionBackwardData(
            _cudnn!.Value, &one, plan.Filter.Value, Ptr(w), plan.Output.Value, Ptr(dy), plan.Convolution.Value,
            plan.BackwardData.Algorithm, WorkspacePtr(workspace), (nuint)plan.BackwardData.WorkspaceBytes, &zero, plan.Input.Value, Ptr(dx)));
    }

    public unsafe void Conv2dBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, Conv2dShape shape)
    {
        Enter();
        ConvolutionPlan plan = Plan(shape);
        x.RequireLength(shape.InputElements, "Conv2dBackwardParameters x");
        dy.RequireLength(shape.OutputElements, "Conv2dBackwardParameters dy");
        dw.RequireLength(shape.WeightElements, "Conv2dBackwardParameters dw");
        db.RequireLength(shape.OutChannels, "Conv2dBackwardParameters db");
        float one = 1f, zero = 0f;
        plan.Convolution.SetMathType(plan.BackwardFilter.MathType);
        using (DeviceBuffer? workspace = Workspace(plan.BackwardFilter.WorkspaceBytes))
        {
            Check.Cudnn(CudnnApi.cudnnConvolutionBackwardFilter(
                _cudnn!.Value, &one, plan.Input.Value, Ptr(x), plan.Output.Value, Ptr(dy), plan.Convolution.Value,
                plan.BackwardFilter.Algorithm, WorkspacePtr(workspace), (nuint)plan.BackwardFilter.WorkspaceBytes, &zero, plan.Filter.Value, Ptr(dw)));
        }

        Check.Cudnn(CudnnApi.cudnnConvolutionBackwardBias(_cudnn!.Value, &one, plan.Output.Value, Ptr(dy), &zero, plan.Bias.Value, Ptr(db)));
    }

    /// <summary>The algorithms chosen for a shape, e.g. for the self-test report; plans the shape if needed.</summary>
    public string DescribeConvolution(Conv2dShape shape)
    {
        Enter();
        ConvolutionPlan plan = Plan(shape);
        return $"fwd algo {plan.Forward.Algorithm} ({plan.Forward.WorkspaceBytes} B, {plan.Forward.MathType}), " +
               $"bwd-data algo {plan.BackwardData.Algorithm} ({plan.BackwardData.WorkspaceBytes} B, {plan.BackwardData.MathType}), " +
               $"bwd-filter algo {plan.BackwardFilter.Algorithm} ({plan.BackwardFilter.WorkspaceBytes} B, {plan.BackwardFilter.MathType})";
    }

    /// <summary>FP32 stays FP32 unless TF32 is allowed: CUDNN_FMA_MATH excludes tensor-core kernels on Ampere and later.</summary>
    private CudnnMathType BaseMathType => _options.AllowTf32 ? CudnnMathType.Default : CudnnMathType.Fma;

    private ConvolutionPlan Plan(Conv2dShape shape)
    {
        if (_descriptors!.TryGetPlan(shape, out ConvolutionPlan plan))
        {
            return plan;
        }

        shape.Validate();
        CudnnTensorDescriptor input = _descriptors.Tensor(shape.Batch, shape.InChannels, shape.Height, shape.Width);
        CudnnFilterDescriptor filter = _descriptors.Filter(shape.OutChannels, shape.InChannels, shape.KernelH, shape.KernelW);
        CudnnConvolutionDescriptor convolution = _descriptors.Convolution(shape.Padding, shape.Stride, BaseMathType);
        convolution.SetMathType(BaseMathType);

        // cuDNN's own output size must match ours, or every later call would silently disagree.
        Check.Cudnn(CudnnApi.cudnnGetConvolution2dForwardOutputDim(convolution.Value, input.Value, filter.Value, out int n, out int c, out int h, out int w));
        if (n != shape.Batch || c != shape.OutChannels || h != shape.OutHeight || w != shape.OutWidth)
        {
            throw new InvalidOperationException($"cuDNN computes output {n}x{c}x{h}x{w} for {shape}, expected {shape.Batch}x{shape.OutChannels}x{shape.OutHeight}x{shape.OutWidth}.");
        }

        CudnnTensorDescriptor output = _descriptors.Tensor(shape.Batch, shape.OutChannels, shape.OutHeight, shape.OutWidth);
        CudnnTensorDescriptor bias = _descriptors.Tensor(1, shape.OutChannels, 1, 1);
        var descriptors = new ConvDescriptorSet(input.Value, filter.Value, convolution, output.Value);
        plan = new ConvolutionPlan(
            input, filter, output, bias, convolution,
            ChooseAlgorithm(ConvolutionDirection.Forward, descriptors, shape),
            ChooseAlgorithm(ConvolutionDirection.BackwardData, descriptors, shape),
            ChooseAlgorithm(ConvolutionDirection.BackwardFilter, descriptors, shape));
        _descriptors.AddPlan(shape, plan);
        return plan;
    }

    private readonly record struct ConvDescriptorSet(nint X, nint W, CudnnConvolutionDescriptor Convolution, nint Y);

    private ConvAlgorithmChoice ChooseAlgorithm(ConvolutionDirection direction, ConvDescriptorSet d, Conv2dShape shape)
    {
        d.Convolution.SetMathType(BaseMathType);
        IReadOnlyList<ConvAlgorithmCandidate> ranked = RankAlgorithms(direction, d);
        ConvAlgorithmCandidate? chosen = ConvAlgorithmSelector.Choose(ranked, _options.ConvolutionWorkspaceLimitBytes, _options.RequireDeterministicAlgorithms, _options.AllowTf32);
        if (chosen is not { } candidate)
        {
            throw new InvalidOperationException($"Convolution {shape}: " +
                ConvAlgorithmSelector.Explain(direction, ranked, _options.ConvolutionWorkspaceLimitBytes, _options.RequireDeterministicAlgorithms, _options.AllowTf32));
        }

        CudnnMathType mathType = _options.AllowTf32 ? candidate.MathType : CudnnMathType.Fma;
        d.Convolution.SetMathType(mathType);
        long queried = WorkspaceSize(direction, d, candidate.Algorithm);
        return new ConvAlgorithmChoice(candidate.Algorithm, Math.Max(queried, candidate.MemoryBytes), mathType);
    }

    private unsafe IReadOnlyList<ConvAlgorithmCandidate> RankAlgorithms(ConvolutionDirection direction, ConvDescriptorSet d)
    {
        nint h = _cudnn!.Value, conv = d.Convolution.Value;
        int max;
        switch (direction)
        {
            case ConvolutionDirection.Forward: Check.Cudnn(CudnnApi.cudnnGetConvolutionForwardAlgorithmMaxCount(h, out max)); break;
            case ConvolutionDirection.BackwardData: Check.Cudnn(CudnnApi.cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, out max)); break;
            default: Check.Cudnn(CudnnApi.cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, out max)); break;
        }

        var results = new CudnnConvolutionAlgoPerf[Math.Max(max, 1)];
        int returned;
        fixed (CudnnConvolutionAlgoPerf* perf = results)
        {
            switch (direction)
            {
                case ConvolutionDirection.Forward:
                    Check.Cudnn(CudnnApi.cudnnGetConvolutionForwardAlgorithm_v7(h, d.X, d.W, conv, d.Y, results.Length, out returned, perf));
                    break;
                case ConvolutionDirection.BackwardData:
                    Check.Cudnn(CudnnApi.cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.W, d.Y, conv, d.X, results.Length, out returned, perf));
                    break;
                default:
                    Check.Cudnn(CudnnApi.cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.X, d.Y, conv, d.W, results.Length, out returned, perf));
                    break;
            }
        }

        return results.Take(Math.Min(returned, results.Length)).Select(r => ConvAlgorithmCandidate.From(r)).ToArray();
    }

    private long WorkspaceSize(ConvolutionDirection direction, ConvDescriptorSet d, int algorithm)
    {
        nint h = _cudnn!.Value, conv = d.Convolution.Value;
        nuint bytes;
        switch (direction)
        {
            case ConvolutionDirection.Forward: Check.Cudnn(CudnnApi.cudnnGetConvolutionForwardWorkspaceSize(h, d.X, d.W, conv, d.Y, algorithm, out bytes)); break;
            case ConvolutionDirection.BackwardData: Check.Cudnn(CudnnApi.cudnnGetConvolutionBackwardDataWorkspaceSize(h, d.W, d.Y, conv, d.X, algorithm, out bytes)); break;
            default: Check.Cudnn(CudnnApi.cudnnGetConvolutionBackwardFilterWorkspaceSize(h, d.X, d.Y, conv, d.W, algorithm, out bytes)); break;
        }

        return (long)bytes;
    }

    /// <summary>A transient workspace (returned right after the call is queued: reuse is stream-ordered).</summary>
    private DeviceBuffer? Workspace(long bytes) => bytes > 0 ? Allocate(ConvolutionArithmetic.WorkspaceFloats(bytes), MemoryTag.Workspace) : null;

    private ulong WorkspacePtr(DeviceBuffer? workspace) => workspace is null ? 0UL : Ptr(workspace);
}
