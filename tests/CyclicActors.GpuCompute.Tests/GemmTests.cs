using CyclicActors.GpuCompute.Cpu;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

public sealed class GemmTests
{
    /// <summary>
    /// Odd shapes plus sizes one below, at and above the register tiles (4/6/12 rows, 4/16/32
    /// columns) and the cache blocks (384 deep, 1536 rows, 480 columns).
    /// </summary>
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 7, 13, 5 }, { 65, 129, 33 }, { 2, 3, 700 },
        { 13, 31, 17 }, { 14, 32, 16 }, { 15, 33, 15 }, { 6, 16, 1 }, { 5, 15, 2 },
        { 95, 97, 383 }, { 96, 96, 384 }, { 97, 95, 385 }, { 25, 481, 769 }, { 1537, 3, 5 }, { 3, 961, 5 }, { 300, 10, 40 }, { 1, 300, 64 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesDoublePrecisionReferenceForEveryLayoutAndKernel(int m, int n, int k)
    {
        float[] a = TestData.Uniform((m * 1000) + k, m * k), b = TestData.Uniform((n * 1000) + k + 1, k * n);
        foreach (GemmKernel kernel in SupportedKernels())
        {
            CheckEveryLayout(kernel, m, n, k, a, b);
        }
    }

    [Theory]
    [InlineData(7, 13, 5)]
    [InlineData(97, 95, 385)]
    [InlineData(1537, 3, 769)]
    public void PrepackedAGivesBitwiseTheSameResult(int m, int n, int k)
    {
        float[] a = TestData.Uniform(7, m * k), b = TestData.Uniform(8, k * n), initial = TestData.Uniform(9, m * n);
        foreach (GemmKernel kernel in SupportedKernels())
        {
            foreach (bool transposeA in new[] { false, true })
            {
                (int aRow, int aCol) = transposeA ? (1, m) : (k, 1);
                float[] direct = (float[])initial.Clone(), prepacked = (float[])initial.Clone();
                Multiply(m, n, k, a, aRow, aCol, b, n, 1, direct, n, accumulate: true, kernel);

                var packedA = new float[Gemm.PackedALength(kernel, m, k)];
                Gemm.PackA(kernel, m, k, a, aRow, aCol, packedA);
                var workspace = new float[Gemm.WorkspaceLength(kernel, m, n, k)];
                Gemm.MultiplyPackedA(kernel, m, n, k, packedA, b, n, 1, prepacked, n, accumulate: true, workspace);

                Assert.True(direct.AsSpan().SequenceEqual(prepacked), $"{kernel} {m}x{n}x{k} tA={transposeA}");
            }
        }
    }

    [Fact]
    public void ThePreferredKernelIsTheWidestTheCpuRuns()
    {
        GemmKernel expected = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? GemmKernel.Avx512
            : System.Runtime.Intrinsics.X86.Fma.IsSupported ? GemmKernel.Avx2 : GemmKernel.Scalar;
        Assert.Equal(expected, Gemm.Preferred);
    }

    [Fact]
    public void ATooSmallWorkspaceIsRejected()
    {
        float[] a = new float[64], b = new float[64], c = new float[64];
        float[] workspace = new float[Gemm.WorkspaceLength(8, 8, 8) - 1];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(8, 8, 8, a, 8, 1, b, 8, 1, c, 8, false, workspace));
    }

    /// <summary>Runs the preferred GEMM with a fresh workspace.</summary>
    internal static void Multiply(int m, int n, int k, float[] a, int aRow, int aCol, float[] b, int bRow, int bCol, float[] c, int ldc, bool accumulate, GemmKernel? kernel = null)
    {
        GemmKernel chosen = kernel ?? Gemm.Preferred;
        var workspace = new float[Gemm.WorkspaceLength(chosen, m, n, k)];
        Gemm.Multiply(chosen, m, n, k, a, aRow, aCol, b, bRow, bCol, c, ldc, accumulate, workspace);
    }

    private static IEnumerable<GemmKernel> SupportedKernels() => Enum.GetValues<GemmKernel>().Where(Gemm.IsSupported);

    private static void CheckEveryLayout(GemmKernel kernel, int m, int n, int k, float[] a, float[] b)
    {
        foreach (bool transposeA in new[] { false, true })
        {
            foreach (bool transposeB in new[] { false, true })
            {
                (int aRow, int aCol) = transposeA ? (1, m) : (k, 1);
                (int bRow, int bCol) = transposeB ? (1, k) : (n, 1);
                var c = new float[m * n];
                Multiply(m, n, k, a, aRow, aCol, b, bRow, bCol, c, n, accumulate: false, kernel);
                AssertClose(
                    NaiveReference.Gemm(m, n, k, a, aRow, aCol, b, bRow, bCol),
                    NaiveReference.Gemm(m, n, k, a, aRow, aCol, b, bRow, bCol, magnitudes: true),
                    c, k, $"{kernel} {m}x{n}x{k} tA={transposeA} tB={transposeB}");
            }
        }
    }

    [Theory]
    [InlineData(7, 13, 5)]
    [InlineData(65, 129, 300)]
    public void AccumulateAddsToTheExistingOutput(int m, int n, int k)
    {
        float[] a = TestData.Uniform(1, m * k), b = TestData.Uniform(2, k * n), initial = TestData.Uniform(3, m * n);
        float[] c = (float[])initial.Clone();
        Multiply(m, n, k, a, k, 1, b, n, 1, c, n, accumulate: true);
        double[] expected = NaiveReference.Gemm(m, n, k, a, k, 1, b, n, 1);
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] += initial[i];
        }

        double[] scale = NaiveReference.Gemm(m, n, k, a, k, 1, b, n, 1, magnitudes: true);
        for (int i = 0; i < scale.Length; i++)
        {
            scale[i] += Math.Abs(initial[i]);
        }

        AssertClose(expected, scale, c, k + 1, "accumulate");
    }

    [Fact]
    public void RespectsALeadingDimensionWiderThanTheOutput()
    {
        const int m = 9, n = 11, k = 21, ldc = 20;
        float[] a = TestData.Uniform(4, m * k), b = TestData.Uniform(5, k * n);
        float[] c = Enumerable.Repeat(7f, m * ldc).ToArray();
        Multiply(m, n, k, a, k, 1, b, n, 1, c, ldc, accumulate: false);
        double[] expected = NaiveReference.Gemm(m, n, k, a, k, 1, b, n, 1);
        double[] scale = NaiveReference.Gemm(m, n, k, a, k, 1, b, n, 1, magnitudes: true);
        for (int i = 0; i < m; i++)
        {
            AssertClose(expected.AsSpan(i * n, n).ToArray(), scale.AsSpan(i * n, n).ToArray(), c.AsSpan(i * ldc, n).ToArray(), k, $"row {i}");
            Assert.All(c.AsSpan((i * ldc) + n, ldc - n).ToArray(), v => Assert.Equal(7f, v));
        }
    }

    /// <summary>
    /// Recursive float32 summation of k products errs by at most k·u·Σ|products| with
    /// u = 2⁻²⁴ ≈ 6e-8 (Higham, ch. 3); we allow twice that. A wrong index or a missing edge
    /// element errs by the size of a whole product, far above this bound.
    /// </summary>
    private static void AssertClose(double[] expected, double[] magnitudes, float[] actual, int k, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double bound = (2 * k * 6e-8 * magnitudes[i]) + 1e-30;
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound, $"{what} [{i}]: {actual[i]} vs {expected[i]} (bound {bound:G3})");
        }
    }
}
