using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Training;

/// <summary>
/// The gradient fold and SGD state of one stage. Contributions must arrive in rank order
/// 0..N−1 (the reducer buffers early arrivals to ensure it): the sum is g_0 + g_1 + … computed
/// left to right, then scaled by 1/N, so the result is bitwise the same however the contributions
/// were scheduled. The reference trainer and the reducer actors both use this class, which is
/// what makes DP through the actors bitwise equal to the reference.
/// </summary>
public sealed class StageOptimizer : IDisposable
{
    private readonly IComputeBackend _backend;
    private readonly DeviceBuffer _sum;
    private readonly DeviceBuffer _momentum;
    private int _nextRank;

    public StageOptimizer(IComputeBackend backend, long length, int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _backend = backend;
        Workers = workers;
        _sum = backend.Allocate(length, MemoryTag.Gradients);
        _momentum = backend.Allocate(length, MemoryTag.OptimizerState);
        backend.Fill(_momentum, 0f);
    }

    public int Workers { get; }

    public long Length => _sum.Length;

    /// <summary>The momentum buffer v (for checkpoints and look-ahead points).</summary>
    public TensorView Momentum => _momentum;

    /// <summary>The averaged gradient once all contributions are folded.</summary>
    public TensorView AveragedGradient => _nextRank == Workers ? _sum : throw new InvalidOperationException($"Only {_nextRank} of {Workers} contributions are folded.");

    public bool IsComplete => _nextRank == Workers;

    public void Accumulate(int rank, TensorView gradient)
    {
        if (rank != _nextRank)
        {
            throw new InvalidOperationException($"Gradient of rank {rank} folded out of order: expected rank {_nextRank}.");
        }

        if (rank == 0)
        {
            _backend.Copy(gradient, _sum);
        }
        else
        {
            _backend.Axpy(1f, gradient, _sum);
        }

        _nextRank++;
        if (_nextRank == Workers && Workers > 1)
        {
            _backend.Scale(1f / Workers, _sum);
        }
    }

    /// <summary>SGD on <paramref name="parameters"/> with the averaged gradient; starts the next fold.</summary>
    public void Apply(TensorView parameters, SgdHyperParameters hyper)
    {
        _backend.SgdStep(parameters, AveragedGradient, _momentum, hyper);
        _nextRank = 0;
    }

    /// <summary>
    /// With one worker the fold is a plain copy, so this applies SGD straight from
    /// <paramref name="gradient"/>: bitwise the same as <see cref="Accumulate"/>(0, gradient) followed by
    /// <see cref="Apply"/>, without copying the gradient. The gradient must stay unchanged during the call.
    /// </summary>
    public void ApplySingle(TensorView parameters, TensorView gradient, SgdHyperParameters hyper)
    {
        if (Workers != 1 || _nextRank != 0)
        {
            throw new InvalidOperationException($"ApplySingle needs one worker and no folded contribution; this optimizer has {Workers} workers and {_nextRank} folded.");
        }

        _backend.SgdStep(parameters, gradient, _momentum, hyper);
    }

    public void SetMomentum(ReadOnlySpan<float> values) => _backend.Upload(values, _momentum);

    public void Dispose()
    {
        _sum.Dispose();
        _momentum.Dispose();
    }
}
