namespace CyclicActors.GpuDiagnostics;

/// <summary>What a benchmark measured and on which device ("cuda:0 NAME TF32 off"), as printed and as JSON.</summary>
public sealed record BenchmarkRun(IReadOnlyList<ThroughputResult> Results, string Device)
{
    public string ToJson() => GpuBenchmark.ToJson(Results, Device);
}
