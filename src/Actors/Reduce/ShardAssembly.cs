using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Reduce;

/// <summary>
/// Joins what a stage's reducer shards send, each a slice of the stage, into the whole-stage
/// messages one reducer would have sent: a version's publication once every shard's slice of it has
/// arrived (for a node's workers), a final state and a cut once every shard's share has (for the
/// coordinator). A publication's slices are copied into the whole version as they come, straight
/// from wherever they arrived (a pooled receive buffer), so a slice costs one copy and no array of its
/// own. Pure and mutable; owned by one actor. A slice that cannot belong (an unknown stage or shard,
/// a wrong length, a second copy) is refused with an exception naming it, and nothing already
/// gathered is touched.
/// </summary>
public sealed class ShardAssembly
{
    private readonly IReadOnlyList<long> _stageSizes;
    private readonly Dictionary<(int Stage, int Version), PendingVersion> _publications = new();
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
        return Accept(slice.Stage, slice.Shard, slice.Version, slice.Parameters, slice.Momentum);
    }

    /// <summary>
    /// <see cref="Accept(int, int, int, ReadOnlySpan{float}, ReadOnlySpan{float})"/> for a slice as it crossed
    /// the wire: the shard's parameters, then its momentum (none without look-ahead).
    /// </summary>
    public ParametersPublished? AcceptAsSent(int stage, int shard, int version, ReadOnlySpan<float> values)
    {
        // A slice that cannot belong is split anywhere; Accept then refuses it, naming why.
        var split = stage >= 0 && stage < _stageSizes.Count && shard >= 0 && shard < Shards
            ? Math.Min(values.Length, ReducerShards.Range((int)_stageSizes[stage], Shards, shard).Length)
            : values.Length;
        return Accept(stage, shard, version, values[..split], values[split..]);
    }

    /// <summary>
    /// The whole publication once this slice (shard <paramref name="shard"/>'s parameters of version
    /// <paramref name="version"/>, and its momentum or nothing) completes it, else null. The values are
    /// copied; the caller keeps its buffers.
    /// </summary>
    public ParametersPublished? Accept(int stage, int shard, int version, ReadOnlySpan<float> parameters, ReadOnlySpan<float> momentum)
    {
        var what = $"A slice of version {version} of stage {stage}";
        CheckSlice(stage, shard, parameters.Length, what);
        if (momentum.Length != 0 && momentum.Length != parameters.Length)
        {
            throw new InvalidOperationException($"{what} from shard {shard} carries {momentum.Length} momentum values for {parameters.Length} parameters.");
        }

        var size = (int)_stageSizes[stage];
        var pending = _publications.GetValueOrDefault((stage, version)) ?? new PendingVersion(size, Shards);
        if (pending.Arrived[shard])
        {
            throw new InvalidOperationException($"{what} came twice from shard {shard}; the first copy is kept.");
        }

        // An empty slice (a shard of a stage smaller than the shard count) says nothing about momentum.
        if (parameters.Length != 0 && pending.WithMomentum is { } withMomentum && withMomentum != (momentum.Length != 0))
        {
            throw new InvalidOperationException($"{what} from shard {shard} {(withMomentum ? "lacks" : "carries")} momentum, unlike the shards before it.");
        }

        if (parameters.Length != 0 && pending.WithMomentum is null)
        {
            pending.WithMomentum = momentum.Length != 0;
        }

        var offset = ReducerShards.Range(size, Shards, shard).Offset;
        parameters.CopyTo(pending.Parameters.AsSpan(offset));
        if (momentum.Length != 0)
        {
            momentum.CopyTo(pending.Momentum.AsSpan(offset));
        }

        pending.Arrived[shard] = true;
        if (++pending.Count < Shards)
        {
            _publications[(stage, version)] = pending;
            return null;
        }

        _publications.Remove((stage, version));
        return new ParametersPublished(stage, version, pending.Parameters, pending.WithMomentum == true ? pending.Momentum : []);
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

    /// <summary>A version being gathered: the whole stage's arrays, filled slice by slice.</summary>
    private sealed class PendingVersion(int size, int shards)
    {
        private float[]? _momentum;

        public float[] Parameters { get; } = new float[size];

        /// <summary>Allocated at first use: only look-ahead's publications carry momentum.</summary>
        public float[] Momentum => _momentum ??= new float[Parameters.Length];

        /// <summary>Whether the version carries momentum, once a non-empty slice has said.</summary>
        public bool? WithMomentum { get; set; }

        public bool[] Arrived { get; } = new bool[shards];

        public int Count { get; set; }
    }
}
