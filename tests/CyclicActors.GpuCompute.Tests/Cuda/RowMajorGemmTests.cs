using Xunit;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Tests.Cuda;

/// <summary>
/// The row-major → column-major GEMM mapping, executed by a column-major reference SGEMM written
/// here with cuBLAS's exact argument semantics: the classic place for silent transposes.
/// </summary>
public sealed class RowMajorGemmTests
{
    [Theory]
    [InlineData(false, false, 3, 4, 5)]
    [InlineData(false, true, 3, 4, 5)]
    [InlineData(true, false, 3, 4, 5)]
    [InlineData(true, true, 3, 4, 5)]
    [InlineData(false, true, 32, 128, 1600)]
    [InlineData(true, false, 1, 7, 2)]
    [InlineData(false, false, 7, 1, 3)]
    public void Plan_executed_column_major_equals_the_row_major_product(bool transA, bool transB, int m, int n, int k)
    {
        var random = new Random(m * 1000 + n * 10 + k);
        float[] a = RandomMatrix(random, m * k); // stored [m×k], or [k×m] when transposed
        float[] b = RandomMatrix(random, k * n); // stored [k×n], or [n×k] when transposed
        float[] expected = RowMajorProduct(a, b, transA, transB, m, n, k);

        ColumnMajorGemm plan = RowMajorGemm.Plan(transA, transB, m, n, k);
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        float[] first = plan.First == GemmOperand.A ? a : b;
        float[] second = plan.Second == GemmOperand.A ? a : b;
        ColumnMajorSgemm(plan.OpFirst, plan.OpSecond, plan.M, plan.N, plan.K, first, plan.LdFirst, second, plan.LdSecond, c, plan.Ldc);

        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], c[i], 4);
        }
    }

    [Fact]
    public void Dense_forward_matches_the_table_in_gpu_bindings_note()
    {
        // Y = X·Wᵀ: Sgemm(T, N), m, n, k = out, B, in; A = W (lda in), B = X (ldb in), C = Y (ldc out).
        const int batch = 32, inFeatures = 1600, outFeatures = 128;
        ColumnMajorGemm plan = RowMajorGemm.Plan(transposeA: false, transposeB: true, batch, outFeatures, inFeatures);
        Assert.Equal(new ColumnMajorGemm(CublasOperation.T, CublasOperation.N, outFeatures, batch, inFeatures, GemmOperand.B, inFeatures, GemmOperand.A, inFeatures, outFeatures), plan);
    }

    [Fact]
    public void Dense_backward_data_matches_the_table()
    {
        // dX = dY·W: Sgemm(N, N), m, n, k = in, B, out; A = W (lda in), B = dY (ldb out), C = dX (ldc in).
        const int batch = 32, inFeatures = 1600, outFeatures = 128;
        ColumnMajorGemm plan = RowMajorGemm.Plan(false, false, batch, inFeatures, outFeatures);
        Assert.Equal(new ColumnMajorGemm(CublasOperation.N, CublasOperation.N, inFeatures, batch, outFeatures, GemmOperand.B, inFeatures, GemmOperand.A, outFeatures, inFeatures), plan);
    }

    [Fact]
    public void Dense_backward_weights_matches_the_table()
    {
        // dW = dYᵀ·X: Sgemm(N, T), m, n, k = in, out, B; A = X (lda in), B = dY (ldb out), C = dW (ldc in).
        const int batch = 32, inFeatures = 1600, outFeatures = 128;
        ColumnMajorGemm plan = RowMajorGemm.Plan(true, false, outFeatures, inFeatures, batch);
        Assert.Equal(new ColumnMajorGemm(CublasOperation.N, CublasOperation.T, inFeatures, outFeatures, batch, GemmOperand.B, inFeatures, GemmOperand.A, outFeatures, inFeatures), plan);
    }

    [Fact]
    public void Rejects_empty_dimensions() => Assert.Throws<ArgumentException>(() => RowMajorGemm.Plan(false, false, 0, 1, 1));

    private static float[] RandomMatrix(Random random, int count) => Enumerable.Range(0, count).Select(_ => (random.NextSingle() * 2) - 1).ToArray();

    private static float[] RowMajorProduct(float[] a, float[] b, bool transA, bool transB, int m, int n, int k)
    {
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float aip = transA ? a[(p * m) + i] : a[(i * k) + p];
                    float bpj = transB ? b[(j * k) + p] : b[(p * n) + j];
                    sum += aip * bpj;
                }

                c[(i * n) + j] = (float)sum;
            }
        }

        return c;
    }

    /// <summary>cublasSgemm semantics: C[m×n] = op(A)·op(B), column-major, alpha 1, beta 0.</summary>
    private static void ColumnMajorSgemm(CublasOperation opA, CublasOperation opB, int m, int n, int k, float[] a, int lda, float[] b, int ldb, float[] c, int ldc)
    {
        Assert.True(lda >= (opA == CublasOperation.N ? m : k), "lda too small for op(A)");
        Assert.True(ldb >= (opB == CublasOperation.N ? k : n), "ldb too small for op(B)");
        Assert.True(ldc >= m, "ldc too small");
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float aip = opA == CublasOperation.N ? a[i + (p * lda)] : a[p + (i * lda)];
                    float bpj = opB == CublasOperation.N ? b[p + (j * ldb)] : b[j + (p * ldb)];
                    sum += aip * bpj;
                }

                c[i + (j * ldc)] = (float)sum;
            }
        }
    }
}
