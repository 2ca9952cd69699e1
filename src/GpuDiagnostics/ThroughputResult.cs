namespace CyclicActors.GpuDiagnostics;

/// <summary>Achieved throughput of one operation: mean GPU time per call (CUDA events) and TFLOP/s.</summary>
public sealed record ThroughputResult(string Kind, string Shape, int Iterations, double MillisecondsPerCall, double Tflops);
