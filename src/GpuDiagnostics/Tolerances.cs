namespace CyclicActors.GpuDiagnostics;

/// <summary>
/// Per-op tolerances for CUDA-vs-CPU parity in FP32 with TF32 off, each with its reason. The
/// measure is <see cref="CheckResult.MaxRelError"/>. Bugs (a transposed operand, a wrong offset,
/// a missed element) give errors of order 1, far above all of these.
/// </summary>
internal static class Tolerances
{
    /// <summary>Copies, fills, ReLU, max-pool forward and non-overlapping backward: selection only, no arithmetic.</summary>
    public const double Exact = 0;

    /// <summary>Axpy/scale: one multiply-add per element; fused vs separate rounding differs by ≤ 1 ulp (6e-8).</summary>
    public const double Elementwise = 1e-6;

    /// <summary>SGD: up to four multiply-adds per element, associated differently (cuBLAS geam/axpy vs the CPU loop).</summary>
    public const double Optimizer = 2e-6;

    /// <summary>Overlapping max-pool backward: routed gradients summed in a different order.</summary>
    public const double PoolOverlap = 1e-6;

    /// <summary>
    /// GEMM and bias reductions: K-term FP32 sums in a different order (cuBLAS tiles vs the CPU's
    /// blocking); error grows like √K·2⁻²⁴ of the mean magnitude, ≈1e-5 for K ≈ 2000; 10× margin.
    /// </summary>
    public const double Reduction = 1e-4;

    /// <summary>
    /// Convolutions: besides reordered sums, cuDNN may pick Winograd or FFT algorithms whose FP32
    /// transforms round more (≈1e-4 of the mean magnitude); FMA math keeps TF32 (1e-3) out.
    /// </summary>
    public const double Convolution = 1e-3;

    /// <summary>Softmax cross-entropy: cuDNN's exp/log may use fast intrinsics (a few ulp) and the loss is one B·C dot product.</summary>
    public const double Softmax = 5e-5;
}
