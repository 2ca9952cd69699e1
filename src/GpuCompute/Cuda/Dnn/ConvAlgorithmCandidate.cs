using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>One entry of a <c>cudnnGetConvolution*Algorithm_v7</c> result, ranked fastest first by cuDNN's heuristics.</summary>
internal readonly record struct ConvAlgorithmCandidate(int Algorithm, CudnnStatus Status, long MemoryBytes, CudnnDeterminism Determinism, CudnnMathType MathType)
{
    public static ConvAlgorithmCandidate From(in CudnnConvolutionAlgoPerf perf) =>
        new(perf.Algorithm, perf.Status, (long)perf.Memory, perf.Determinism, perf.MathType);
}
