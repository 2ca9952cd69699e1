using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Reduce;

/// <summary>
/// Joins what a stage's reducer shards send, each a slice of the stage, into the whole-stage
/// messages one reducer would have sent: a version's publication once every shard's slice of it has
/// arrived (for a node's workers), a final state and a cut once every shard's share has (for the
/// coordinator). Pure and mutable; owned by one actor. A slice that cannot belong (an unknown
/// stage or shard, a wrong length, a second copy) is refused with an exception naming it, and
/// nothing already gathered is touched.
/// </summary>
public sealed class ShardAssembly
{
    private readonly IReadOnlyList<long> _stageSizes;
    private readonly Dictionary<(int Stage, int Version), ParametersPublished?[]> _publications = new();
    private readonly Dictionary<int, FinalStageState?[]> _finals = new();
    private readonly Dictionary<(int Stage, int Step), StageCut?[]> _cuts = new();

    public ShardAssembly(IReadOnlyList<long> stageSizes, int shards)
    {
        ArgumentNullException.ThrowIfNull(stageSizes);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        _stageSizes = stageSizes;
        Shards = shards;
    }

    public int Shards { get; }

    /// <summary>Versions with some but not all slices gathered (a gauge for tests and logs).</summary>
    public int PendingPublications => _publications.Count;

    /// <summary>The whole publication once this slice completes it, else null.</summary>
    public ParametersPublished? Accept(ParametersPublished slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        var what = $"A slice of version {slice.Version} of stage {slice.Stage}";
        CheckSlice(slice.Stage, slice.Shard, slice.Parameters.Length, what);
        if (slice.Momentum.Length != 0 && slice.Momentum.Length != slice.Parameters.Length)
        {
            throw new InvalidOperationException($"{what} from shard {slice.Shard} carries {slice.Momentum.Length} momentum values for {slice.Parameters.Length} parameters.");
        }

        var all = Gather(_publications, (slice.Stage, slice.Version), slice.Shard, slice, what);
        if (all is null)
        {
            return null;
        }

        var size = (int)_stageSizes[slice.Stage];
        var momentum = all[0]!.Momentum.Length == 0 ? [] : ReducerShards.Join([.. all.Select(part => part!.Momentum)], size, what + "'s momentum");
        return new ParametersPublished(slice.Stage, slice.Version, ReducerShards.Join([.. all.Select(part => part!.Parameters)], size, what), momentum);
    }

    /// <summary>The stage's whole final state once this share completes it, else null.</summary>
    public FinalStageState? Accept(FinalStageState share)
    {
        ArgumentNullException.ThrowIfNull(share);
        var what = $"The final state of stage {share.Stage}";
        CheckSlice(share.Stage, share.Shard, share.Parameters.Length, what);
        var all = Gather(_finals, share.Stage, share.Shard, share, what);
        if (all is null)
        {
            return null;
        }

        if (all.Any(part => part!.Version != share.Version))
        {
            throw new InvalidOperationException($"{what}: its shards reported versions {string.Join(", ", all.Select(part => part!.Version))}.");
        }

        var size = (int)_stageSizes[share.Stage];
        // Every shard folds its slice of each contribution: a contribution is folded when all shards have folded it.
        return new FinalStageState(share.Stage, share.Version, ReducerShards.Join([.. all.Select(part => part!.Parameters)], size, what),
            ReducerShards.Join([.. all.Select(part => part!.Momentum)], size, what + "'s momentum"),
            all.Min(part => part!.ContributionsFolded), all.Max(part => part!.DuplicatesRefused));
    }

    /// <summary>The stage's whole cut at the share's step once this share completes it, else null.</summary>
    public StageCut? Accept(StageCut share)
    {
        ArgumentNullException.ThrowIfNull(share);
        var what = $"The cut of stage {share.Stage} at step {share.Step}";
        CheckSlice(share.Stage, share.Shard, share.Parameters.Length, what);
        var all = Gather(_cuts, (share.Stage, share.Step), share.Shard, share, what);
        if (all is null)
        {
            return null;
        }

        var size = (int)_stageSizes[share.Stage];
        float[] Part(Func<StageCut, float[]> part, string name) =>
            part(all[0]!).Length == 0 && size != 0 ? [] : ReducerShards.Join([.. all.Select(cut => part(cut!))], size, $"{what}'s {name}");
        var ranks = all[0]!.LastGradients.Length;
        if (all.Any(cut => cut!.LastGradients.Length != ranks))
        {
            throw new InvalidOperationException($"{what}: its shards hold the last gradients of different numbers of ranks.");
        }

        var gradients = Enumerable.Range(0, ranks).Select(rank => Part(cut => cut.LastGradients[rank], $"rank {rank} gradient")).ToArray();
        return new StageCut(share.Stage, share.Step, Part(cut => cut.Parameters, "parameters"), Part(cut => cut.Momentum, "momentum"),
            Part(cut => cut.PreviousParameters, "previous parameters"), Part(cut => cut.PreviousMomentum, "previous momentum"), gradients);
    }

    private void CheckSlice(int stage, int shard, int length, string what)
    {
        if (stage < 0 || stage >= _stageSizes.Count || shard < 0 || shard >= Shards)
        {
            throw new InvalidOperationException($"{what} came from shard {shard}: the model has {_stageSizes.Count} stages and the run {Shards} shards per stage.");
        }

        var expected = ReducerShards.Range((int)_stageSizes[stage], Shards, shard).Length;
        if (length != expected)
        {
            throw new InvalidOperationException($"{what} from shard {shard} holds {length} parameters; that shard's range has {expected}.");
        }
    }

    private T?[]? Gather<TKey, T>(Dictionary<TKey, T?[]> pending, TKey key, int shard, T part, string what)
        where TKey : notnull
        where T : class
    {
        if (!pending.TryGetValue(key, out var parts))
        {
            parts = new T?[Shards];
            pending[key] = parts;
        }

        if (parts[shard] is not null)
        {
            throw new InvalidOperationException($"{what} came twice from shard {shard}; the first copy is kept.");
        }

        parts[shard] = part;
        if (parts.Any(p => p is null))
        {
            return null;
        }

        pending.Remove(key);
        return parts;
    }
}
