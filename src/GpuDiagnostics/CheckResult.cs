namespace CyclicActors.GpuDiagnostics;

/// <summary>
/// One row of the self-test table. Errors compare the candidate (GPU) with the reference (CPU):
/// MaxAbsError = max |g − c|; MaxRelError = max |g − c| / (|c| + mean|c|), the relative error with
/// the tensor's mean magnitude as a floor so near-zero sums do not dominate. A check passes when
/// MaxRelError ≤ Tolerance and no element is NaN or unwritten.
/// </summary>
internal sealed record CheckResult(string Op, string Shape, double MaxAbsError, double MaxRelError, double Tolerance, bool Passed, string Detail = "")
{
    public static CheckResult Pass(string op, string shape, string detail = "") => new(op, shape, 0, 0, 0, true, detail);

    public static CheckResult Fail(string op, string shape, string detail) => new(op, shape, double.NaN, double.NaN, 0, false, detail);
}
