namespace CyclicActors.GpuDiagnostics;

/// <summary>Compares a candidate tensor with a reference one (see <see cref="CheckResult"/> for the measure).</summary>
internal static class ErrorMeasure
{
    public static CheckResult Compare(string op, string shape, ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate, double tolerance)
    {
        if (reference.Length != candidate.Length)
        {
            return CheckResult.Fail(op, shape, $"length {candidate.Length} vs reference {reference.Length}");
        }

        double scale = 0;
        foreach (float r in reference)
        {
            scale += Math.Abs(r);
        }

        // A single value (a loss) is compared purely relatively.
        scale = reference.Length <= 1 ? 0 : scale / reference.Length;
        double maxAbs = 0, maxRel = 0;
        int nonFinite = 0, worst = -1;
        for (int i = 0; i < reference.Length; i++)
        {
            double c = reference[i], g = candidate[i];
            if (double.IsNaN(c) && double.IsNaN(g))
            {
                continue; // both NaN (poison outside a slice, or a propagated NaN): equal
            }

            if (!double.IsFinite(g) || !double.IsFinite(c))
            {
                if (g != c)
                {
                    nonFinite++; // unwritten (NaN poison) or a NaN/∞ on one side only
                    worst = worst < 0 ? i : worst;
                }

                continue;
            }

            double abs = Math.Abs(g - c);
            double denominator = Math.Abs(c) + scale;
            double rel = denominator > 0 ? abs / denominator : abs;
            if (rel > maxRel)
            {
                maxRel = rel;
                worst = i;
            }

            maxAbs = Math.Max(maxAbs, abs);
        }

        bool passed = nonFinite == 0 && maxRel <= tolerance;
        string detail = nonFinite > 0
            ? $"{nonFinite} non-finite mismatches (unwritten?), first at {worst}: got {candidate[worst]}, expected {reference[worst]}"
            : passed ? string.Empty : $"worst at {worst}: got {candidate[worst]}, expected {reference[worst]}";
        return new CheckResult(op, shape, maxAbs, nonFinite > 0 ? double.PositiveInfinity : maxRel, tolerance, passed, detail);
    }

    public static CheckResult CompareScalar(string op, string shape, float reference, float candidate, double tolerance) =>
        Compare(op, shape, [reference], [candidate], tolerance);
}
