using Xunit;

namespace CyclicActors.GpuCompute.Tests;

/// <summary>
/// Compares an analytic gradient with central finite differences of a scalar loss L evaluated in
/// double: (L(x + h) − L(x − h)) / 2h.
///
/// Tolerance, for float32 kernels with inputs of order 1: the forward pass rounds each output to
/// ~6e-8 relative, so L carries an absolute error of about 6e-8·Σ|r·y| ≲ 1e-5 for our sizes, and
/// dividing by 2h with h = 1e-2 gives a round-off error ≲ 5e-4; the truncation error of the
/// central difference is O(h²·|L'''|) ≈ 1e-4 for the smooth kernels and 0 for the (piece-wise)
/// linear ones. Hence |numeric − analytic| ≤ 2e-3 + 1e-2·|analytic|: an indexing or transposition
/// bug produces errors of order 1, two orders of magnitude above this bound.
/// </summary>
internal static class GradientCheck
{
    public const double Step = 1e-2;
    public const double AbsoluteTolerance = 2e-3;
    public const double RelativeTolerance = 1e-2;

    public static void Check(string name, float[] point, float[] analytic, Func<float[], double> loss)
    {
        Assert.Equal(point.Length, analytic.Length);
        int checkedCount = 0;
        for (int i = 0; i < point.Length; i++)
        {
            float original = point[i];
            point[i] = (float)(original + Step);
            double upper = loss(point);
            point[i] = (float)(original - Step);
            double lower = loss(point);
            point[i] = original;

            // The step actually taken in float32, not the nominal one.
            double actualStep = (double)(float)(original + Step) - (float)(original - Step);
            double numeric = (upper - lower) / actualStep;
            double error = Math.Abs(numeric - analytic[i]);
            double bound = AbsoluteTolerance + (RelativeTolerance * Math.Abs(analytic[i]));
            Assert.True(error <= bound, $"{name}[{i}]: analytic {analytic[i]:G9}, numeric {numeric:G9}, error {error:G3} > {bound:G3}");
            checkedCount++;
        }

        Assert.True(checkedCount > 0, $"{name}: no element checked");
        Assert.Contains(analytic, v => v != 0f);
    }
}
