using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;

namespace CyclicActors.Actors.Compensation;

/// <summary>
/// The look-ahead point e = θ − η·(μ·v + g + wd·θ) of cdp-method.md §9.5, computed in place.
/// </summary>
/// <remarks>
/// Note [Look-ahead through the backend's SGD step]. e is exactly the parameters one SGD step with
/// gradient g would produce from (θ, v), so it is computed by running the backend's own
/// <see cref="IComputeBackend.SgdStep"/> on θ with a scratch copy of v. That reproduces the
/// reducer's rounding operation for operation, whatever the kernel does (scalar, SIMD, FMA):
/// when every worker's g equals the folded mean, e is bitwise the θ_t the reducer computes. This is
/// why the reducer publishes v alongside θ rather than a precomputed θ − η·(μ·v + wd·θ): the
/// worker could only subtract η·g from that with a different rounding order.
/// </remarks>
public static class LookaheadPoint
{
    /// <summary>
    /// Overwrites <paramref name="parameters"/> (θ_{t−1}) with e, given the stage's momentum buffer
    /// v_{t−2} as the reducer had it when θ_{t−1} was made and the worker's own previous gradient.
    /// </summary>
    /// <param name="scratchLength">
    /// Floats of the scratch momentum to take from the backend, at least the stage's: give the largest
    /// stage's (<see cref="ParameterLayout.LargestStageSize"/>). A pool that keeps freed buffers per
    /// exact length (the CPU's) then keeps one length for every stage; a scratch of each stage's own
    /// length left one cached buffer per distinct stage length, 16 MB beyond the prediction on an
    /// mlp-deep member with one worker (measured 2026-12-07).
    /// </param>
    public static void ApplyInPlace(IComputeBackend backend, TensorView parameters, TensorView ownGradient, ReadOnlySpan<float> momentum, SgdHyperParameters hyper,
        long scratchLength)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (momentum.Length != parameters.Length)
        {
            throw new ArgumentException($"A look-ahead needs the stage's momentum ({parameters.Length} floats); got {momentum.Length}.", nameof(momentum));
        }

        using var scratch = backend.Allocate(Math.Max(scratchLength, parameters.Length), MemoryTag.OptimizerState);
        var scratchMomentum = scratch.Slice(0, parameters.Length);
        backend.Upload(momentum, scratchMomentum);
        backend.SgdStep(parameters, ownGradient, scratchMomentum, hyper);
    }
}
