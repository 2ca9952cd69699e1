using CyclicActors.Actors.Compensation;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Tests.Pure;

public sealed class LookaheadPointTests
{
    /// <summary>
    /// mean_i e^i = θ_{t−1} − η·(μ·v + mean_i g^i + wd·θ_{t−1}) = θ_t, the parameters the reducer
    /// makes by folding the same gradients; equal up to float rounding (the mean of N rounded
    /// points is not the rounded point of the mean).
    /// </summary>
    [Theory]
    [InlineData(2, 0.05f, 0.9f, 1e-3f)]
    [InlineData(4, 0.05f, 0.9f, 0f)]
    [InlineData(4, 0.1f, 0f, 5e-4f)]
    public void The_mean_of_the_workers_lookahead_points_is_the_next_parameters(int workers, float lr, float momentum, float weightDecay)
    {
        const int length = 1000;
        var hyper = new SgdHyperParameters(lr, momentum, weightDecay);
        var random = new Random(5);
        float[] Draw() => Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var theta = Draw();
        var velocity = Draw();
        var gradients = Enumerable.Range(0, workers).Select(_ => Draw()).ToArray();
        using var backend = new CpuBackend();

        var points = gradients.Select(g => Lookahead(backend, theta, velocity, g, hyper)).ToArray();
        var next = ReducerStep(backend, theta, velocity, gradients, hyper);

        for (int i = 0; i < length; i++)
        {
            double mean = points.Average(p => (double)p[i]);
            Assert.True(Math.Abs(mean - next[i]) <= 1e-6 * (1 + Math.Abs(next[i])), $"index {i}: mean of points {mean}, θ_t {next[i]}");
        }

        // The points differ from θ_t individually (they carry each worker's own gradient).
        Assert.NotEqual(next, points[0]);
    }

    [Fact]
    public void With_equal_gradients_the_point_is_bitwise_the_reducers_next_parameters()
    {
        var hyper = new SgdHyperParameters(0.05f, 0.9f, 1e-3f);
        var random = new Random(9);
        float[] Draw() => Enumerable.Range(0, 257).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var theta = Draw();
        var velocity = Draw();
        var g = Draw();
        using var backend = new CpuBackend();

        var next = ReducerStep(backend, theta, velocity, [g, g], hyper);
        Assert.Equal(next, Lookahead(backend, theta, velocity, g, hyper));
        // The same from a scratch longer than the stage (the largest stage's, as the workers take it).
        Assert.Equal(next, Lookahead(backend, theta, velocity, g, hyper, scratchLength: 1000));
    }

    [Fact]
    public void A_scratch_of_the_largest_stage_leaves_the_pool_one_cached_length_for_every_stage()
    {
        var pool = new CpuMemoryPool();
        using var backend = new CpuBackend(new MemoryLedger(), pool);
        var hyper = new SgdHyperParameters(0.1f, 0.9f, 0f);
        using var large = backend.Allocate(10, MemoryTag.Parameters);
        using var largeGradient = backend.Allocate(10, MemoryTag.Gradients);
        using var small = backend.Allocate(7, MemoryTag.Parameters);
        using var smallGradient = backend.Allocate(7, MemoryTag.Gradients);
        long before = pool.ReservedBytes;

        LookaheadPoint.ApplyInPlace(backend, large, largeGradient, new float[10], hyper, scratchLength: 10);
        LookaheadPoint.ApplyInPlace(backend, small, smallGradient, new float[7], hyper, scratchLength: 10);
        Assert.Equal(10 * sizeof(float), pool.ReservedBytes - before);

        // A scratch of the stage's own length is another length for the pool to keep.
        LookaheadPoint.ApplyInPlace(backend, small, smallGradient, new float[7], hyper, scratchLength: 0);
        Assert.Equal((10 + 7) * sizeof(float), pool.ReservedBytes - before);
    }

    private static float[] Lookahead(IComputeBackend backend, float[] theta, float[] velocity, float[] ownGradient, SgdHyperParameters hyper, long scratchLength = 0)
    {
        using var parameters = backend.Allocate(theta.Length, MemoryTag.Parameters);
        using var gradient = backend.Allocate(theta.Length, MemoryTag.Gradients);
        backend.Upload(theta, parameters);
        backend.Upload(ownGradient, gradient);
        LookaheadPoint.ApplyInPlace(backend, parameters, gradient, velocity, hyper, scratchLength);
        var result = new float[theta.Length];
        backend.Download(parameters, result);
        return result;
    }

    private static float[] ReducerStep(IComputeBackend backend, float[] theta, float[] velocity, float[][] gradients, SgdHyperParameters hyper)
    {
        using var optimizer = new StageOptimizer(backend, theta.Length, gradients.Length);
        optimizer.SetMomentum(velocity);
        using var parameters = backend.Allocate(theta.Length, MemoryTag.Parameters);
        using var gradient = backend.Allocate(theta.Length, MemoryTag.Gradients);
        backend.Upload(theta, parameters);
        for (int rank = 0; rank < gradients.Length; rank++)
        {
            backend.Upload(gradients[rank], gradient);
            optimizer.Accumulate(rank, gradient);
        }

        optimizer.Apply(parameters, hyper);
        var result = new float[theta.Length];
        backend.Download(parameters, result);
        return result;
    }
}
