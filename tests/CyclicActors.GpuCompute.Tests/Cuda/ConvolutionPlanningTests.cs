using Xunit;
using System.Runtime.InteropServices;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Tests.Cuda;

public sealed class ConvolutionPlanningTests
{
    private static ConvAlgorithmCandidate Ok(int algo, long memory, CudnnMathType math = CudnnMathType.Fma, CudnnDeterminism det = CudnnDeterminism.Deterministic) =>
        new(algo, CudnnStatus.Success, memory, det, math);

    [Fact]
    public void Chooses_the_first_successful_candidate_whose_workspace_fits()
    {
        ConvAlgorithmCandidate[] ranked =
        [
            new(6, CudnnStatus.NotSupported, 0, CudnnDeterminism.Deterministic, CudnnMathType.Fma),
            Ok(7, 2_000_000),
            Ok(1, 1_000),
            Ok(0, 0),
        ];
        Assert.Equal(1, ConvAlgorithmSelector.Choose(ranked, 1_000_000, requireDeterministic: false, allowTensorOps: false)!.Value.Algorithm);
        Assert.Equal(7, ConvAlgorithmSelector.Choose(ranked, 2_000_000, false, false)!.Value.Algorithm);
    }

    [Fact]
    public void Skips_tensor_core_math_when_tf32_is_off_and_nondeterministic_when_determinism_is_required()
    {
        ConvAlgorithmCandidate[] ranked =
        [
            Ok(1, 0, CudnnMathType.TensorOp),
            Ok(2, 0, CudnnMathType.Fma, CudnnDeterminism.NonDeterministic),
            Ok(3, 0, CudnnMathType.Default),
        ];
        Assert.Equal(2, ConvAlgorithmSelector.Choose(ranked, 0, requireDeterministic: false, allowTensorOps: false)!.Value.Algorithm);
        Assert.Equal(3, ConvAlgorithmSelector.Choose(ranked, 0, requireDeterministic: true, allowTensorOps: false)!.Value.Algorithm);
        Assert.Equal(1, ConvAlgorithmSelector.Choose(ranked, 0, requireDeterministic: false, allowTensorOps: true)!.Value.Algorithm);
    }

    [Fact]
    public void Explains_every_rejection_when_nothing_fits()
    {
        ConvAlgorithmCandidate[] ranked = [new(0, CudnnStatus.NotSupported, 0, CudnnDeterminism.Deterministic, CudnnMathType.Fma), Ok(1, 4096)];
        Assert.Null(ConvAlgorithmSelector.Choose(ranked, 1024, false, false));
        string text = ConvAlgorithmSelector.Explain(ConvolutionDirection.BackwardFilter, ranked, 1024, false, false);
        Assert.Contains("BackwardFilter algo 0: status CUDNN_STATUS_NOT_SUPPORTED", text);
        Assert.Contains("BackwardFilter algo 1: workspace 4096 B > limit 1024 B", text);
    }

    [Theory]
    [InlineData(28, 3, 0, 1)]
    [InlineData(13, 3, 0, 1)]
    [InlineData(32, 3, 1, 1)]
    [InlineData(32, 3, 1, 2)]
    [InlineData(32, 1, 0, 2)]
    [InlineData(11, 3, 1, 2)]
    [InlineData(9, 3, 1, 2)]
    public void Our_output_size_is_cudnns(int input, int kernel, int padding, int stride)
    {
        var shape = new Conv2dShape(2, 3, input, input, 4, kernel, kernel, stride, padding);
        Assert.Equal(ConvolutionArithmetic.CudnnOutputSize(input, kernel, padding, stride), shape.OutHeight);
        Assert.Equal(ConvolutionArithmetic.CudnnOutputSize(input, kernel, padding, stride), shape.OutWidth);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(4, 1)]
    [InlineData(5, 2)]
    [InlineData(33_554_432, 8_388_608)]
    public void Workspace_bytes_round_up_to_whole_floats(long bytes, long floats) => Assert.Equal(floats, ConvolutionArithmetic.WorkspaceFloats(bytes));

    [Fact]
    public void Algorithm_perf_struct_has_the_cudnn_layout()
    {
        // int algo, int status, float time, [4 bytes padding], size_t memory, int determinism, int mathType, int reserved[3]
        Assert.Equal(48, Marshal.SizeOf<CudnnConvolutionAlgoPerf>());
        Assert.Equal(0, (int)Marshal.OffsetOf<CudnnConvolutionAlgoPerf>(nameof(CudnnConvolutionAlgoPerf.Algorithm)));
        Assert.Equal(4, (int)Marshal.OffsetOf<CudnnConvolutionAlgoPerf>(nameof(CudnnConvolutionAlgoPerf.Status)));
        Assert.Equal(8, (int)Marshal.OffsetOf<CudnnConvolutionAlgoPerf>(nameof(CudnnConvolutionAlgoPerf.TimeMilliseconds)));
        Assert.Equal(16, (int)Marshal.OffsetOf<CudnnConvolutionAlgoPerf>(nameof(CudnnConvolutionAlgoPerf.Memory)));
        Assert.Equal(24, (int)Marshal.OffsetOf<CudnnConvolutionAlgoPerf>(nameof(CudnnConvolutionAlgoPerf.Determinism)));
        Assert.Equal(28, (int)Marshal.OffsetOf<CudnnConvolutionAlgoPerf>(nameof(CudnnConvolutionAlgoPerf.MathType)));
        Assert.Equal(40, (int)Marshal.OffsetOf<CudnnConvolutionAlgoPerf>(nameof(CudnnConvolutionAlgoPerf.Reserved2)));
    }

    [Fact]
    public void Enum_values_are_the_cudnn9_and_cublas_header_values()
    {
        Assert.Equal(3, (int)CudnnMathType.Fma);
        Assert.Equal(1, (int)CudnnConvolutionMode.CrossCorrelation);
        Assert.Equal(2, (int)CudnnSoftmaxAlgorithm.Log);
        Assert.Equal(1, (int)CudnnSoftmaxAlgorithm.Accurate);
        Assert.Equal(0, (int)CudnnSoftmaxMode.Instance);
        Assert.Equal(0, (int)CudnnPoolingMode.Max);
        Assert.Equal(1, (int)CudnnActivationMode.Relu);
        Assert.Equal(1001, (int)CudnnStatus.NotInitialized);
        Assert.Equal(2000, (int)CudnnStatus.BadParam);
        Assert.Equal(3000, (int)CudnnStatus.NotSupported);
        Assert.Equal(5000, (int)CudnnStatus.ExecutionFailed);
        Assert.Equal(3, (int)CublasMath.Tf32TensorOp);
        Assert.Equal(1, (int)CublasOperation.T);
    }
}

public sealed class ElementwiseSegmentsTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(1001L)]
    [InlineData(1024L)]
    [InlineData(692_224L)]
    [InlineData(100_003L)]
    [InlineData(65535L * 1024 + 7)]
    [InlineData(3L * 65535 * 1024)]
    public void Segments_cover_the_range_exactly_with_small_extents(long count)
    {
        var segments = ElementwiseSegments.Split(count);
        long next = 0;
        foreach (var s in segments)
        {
            Assert.Equal(next, s.Offset);
            Assert.InRange(s.Rows, 1, ElementwiseSegments.MaxRows);
            Assert.InRange(s.Width, 1, ElementwiseSegments.Width);
            next += s.Count;
        }

        Assert.Equal(count, next);
        Assert.True(segments.Count <= (count / ((long)ElementwiseSegments.MaxRows * ElementwiseSegments.Width)) + 2);
    }
}
