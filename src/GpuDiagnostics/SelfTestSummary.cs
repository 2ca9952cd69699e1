namespace CyclicActors.GpuDiagnostics;

/// <summary>The outcome of a self-test run; <see cref="Skipped"/> when there was no GPU to test.</summary>
public sealed record SelfTestSummary(int Passed, int Failed, bool Skipped, string? SkipReason)
{
    public bool Succeeded => Failed == 0 && !Skipped;

    public string FinalLine => Skipped ? $"0 passed, 0 failed (skipped: {SkipReason})" : $"{Passed} passed, {Failed} failed";
}
