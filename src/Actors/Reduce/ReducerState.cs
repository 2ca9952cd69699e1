namespace CyclicActors.Actors.Reduce;

/// <summary>What a reducer's state asks its actor to do, in order.</summary>
public abstract record ReducerEffect;

/// <summary>Fold this contribution into the step's sum now (contributions come out in rank order).</summary>
public sealed record FoldContribution(int Step, int Rank, float[] Gradient) : ReducerEffect;

/// <summary>All N contributions of <paramref name="Step"/> are folded: apply the optimizer and publish.</summary>
public sealed record StepFolded(int Step) : ReducerEffect;

/// <summary>
/// The contribution of (<paramref name="Step"/>, <paramref name="Rank"/>) arrived again and was
/// dropped: the first copy is (or will be) folded, this one never is.
/// </summary>
public sealed record DuplicateRefused(int Step, int Rank) : ReducerEffect;

/// <summary>
/// The ordering core of a stage reducer (pure, no actors, no devices). Contributions (step, rank)
/// arrive in any order; they leave as <see cref="FoldContribution"/> effects in the order
/// step 0 rank 0..N−1, step 1 rank 0..N−1, …, early arrivals waiting in a buffer, the way DDP's
/// reducer waits for its next bucket. The sum is then the same left-to-right fold whatever the
/// arrival order, so results are bitwise reproducible. Each (step, rank) is folded exactly once: a
/// second copy is refused and counted (<see cref="RefusedTwice"/>), never folded.
/// Mutable; owned by one actor.
/// </summary>
public sealed class ReducerState
{
    private readonly Dictionary<(int Step, int Rank), float[]> _early = new();

    public ReducerState(int workers, int firstStep = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
        Workers = workers;
        NextStep = firstStep;
    }

    public int Workers { get; }

    /// <summary>The step being folded.</summary>
    public int NextStep { get; private set; }

    /// <summary>The rank whose contribution to <see cref="NextStep"/> is folded next.</summary>
    public int NextRank { get; private set; }

    /// <summary>Contributions folded so far (this reducer's own count: N per folded step when none is lost).</summary>
    public long Folded { get; private set; }

    /// <summary>Contributions that arrived a second time and were dropped instead of folded.</summary>
    public long RefusedTwice { get; private set; }

    /// <summary>Contributions received but not yet folded (they belong to later ranks or steps).</summary>
    public int BufferedCount => _early.Count;

    /// <summary>
    /// Accepts a contribution and returns what can be folded now, in fold order, with a
    /// <see cref="StepFolded"/> after the N-th contribution of each completed step, or a
    /// <see cref="DuplicateRefused"/> alone when the (step, rank) was already accepted.
    /// </summary>
    public IReadOnlyList<ReducerEffect> Accept(int step, int rank, float[] gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, Workers);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var alreadyFolded = step < NextStep || (step == NextStep && rank < NextRank);
        if (alreadyFolded || !_early.TryAdd((step, rank), gradient))
        {
            RefusedTwice++;
            return [new DuplicateRefused(step, rank)];
        }

        var effects = new List<ReducerEffect>();
        while (_early.Remove((NextStep, NextRank), out var next))
        {
            effects.Add(new FoldContribution(NextStep, NextRank, next));
            Folded++;
            NextRank++;
            if (NextRank == Workers)
            {
                effects.Add(new StepFolded(NextStep));
                NextStep++;
                NextRank = 0;
            }
        }

        return effects;
    }
}
