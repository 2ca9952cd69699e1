using Xunit;

namespace CyclicActors.GpuCompute.Tests;

/// <summary>
/// Compares an analytic gradient with central finite differences of a scalar loss L evaluated in
/// double: (L(x + h) − L(x − h)) / 2h, with L = Σ r·y for random r (or the loss itself).
///
/// Tolerance, for float32 kernels with inputs of order 1 and h = 1e-2:
/// - round-off: the two evaluations differ only in the outputs that depend on the perturbed
///   element (at most ~100 here); each float32 output errs by about u·Σ|terms| ≈ 6e-8·10, so the
///   difference of the two L's errs by roughly √100·6e-7 ≈ 6e-6, i.e. ~3e-4 after dividing by 2h;
/// - truncation: O(h²·|L‴|) ≈ 1e-4 for the smooth kernel (softmax), and 0 for the (piecewise)
///   linear ones, whose kinks the test inputs are kept away from.
/// Hence |numeric − analytic| ≤ 2e-3 + 1e-2·|analytic|, several times these estimates, while an
/// indexing, transposition or missing-term bug errs by 0.1 to 1.
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
