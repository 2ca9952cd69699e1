namespace CyclicActors.Actors.Schedule;

/// <summary>
/// One worker's view of the cyclic token (DESIGN.md §4): pure, immutable, driven by its actor.
/// A worker may start its micro-batch of step k only while it holds the token for step k; after
/// completing δ ops of that micro-batch it passes the token to the next rank. The token keeps its
/// step from rank i to i + 1 and advances by one from rank N − 1 to rank 0, so worker i starts
/// step k at 2Lk + iδ when every op takes one tick. With δ = 0 (DP) nothing is gated and no token
/// moves.
/// </summary>
public sealed record TokenRingState
{
    private static readonly IReadOnlyList<TokenRingEffect> NoEffects = [];

    private TokenRingState(RingTopology ring, int rank, int delay)
    {
        Ring = ring;
        Rank = rank;
        Delay = delay;
    }

    public RingTopology Ring { get; }

    public int Rank { get; }

    /// <summary>δ: ops of its own micro-batch a worker completes before it passes the token; 0 disables gating.</summary>
    public int Delay { get; }

    /// <summary>The token this worker holds, if any.</summary>
    public RingToken? HeldToken { get; private init; }

    /// <summary>The step of the micro-batch in progress whose token has not yet been passed on.</summary>
    public int? GatingStep { get; private init; }

    /// <summary>Ops completed so far in <see cref="GatingStep"/>'s micro-batch.</summary>
    public int OpsSinceStart { get; private init; }

    public bool IsGated => Delay > 0;

    /// <summary>
    /// The state at the start of <paramref name="ring"/>'s epoch: rank 0 holds the token for
    /// <paramref name="firstStep"/> (0 for a fresh run, the resume step after a re-formed ring).
    /// </summary>
    public static TokenRingState Initial(RingTopology ring, int rank, int delay, int firstStep = 0)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, ring.Size);
        ArgumentOutOfRangeException.ThrowIfNegative(delay);
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
        var state = new TokenRingState(ring, rank, delay);
        return rank == 0 && delay > 0 ? state with { HeldToken = new RingToken(ring.Epoch, firstStep) } : state;
    }

    /// <summary>The token state a schedule implies for <paramref name="rank"/> (δ from the schedule).</summary>
    public static TokenRingState ForSchedule(CdpSchedule schedule, RingTopology ring, int rank, int firstStep = 0)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(ring);
        if (ring.Size != schedule.Workers)
        {
            throw new ArgumentException(
                $"Ring of {ring.Size} ranks does not match a schedule of {schedule.Workers} workers.", nameof(ring));
        }

        return Initial(ring, rank, schedule.Delay, firstStep);
    }

    /// <summary>
    /// Moves to a re-formed ring (a newer epoch, possibly another rank), as after a membership change:
    /// everything of the old ring is forgotten, rank 0 starts with the token for
    /// <paramref name="firstStep"/>, and a token of the new epoch that arrived early is kept.
    /// </summary>
    public TokenRingState Reform(RingTopology ring, int rank, int firstStep)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (ring.Epoch <= Ring.Epoch)
        {
            throw new ArgumentException(
                $"A re-formed ring needs an epoch above {Ring.Epoch}; got {ring.Epoch}.", nameof(ring));
        }

        var reformed = Initial(ring, rank, Delay, firstStep);
        return EarlyToken is { } early && early.Epoch == ring.Epoch && reformed.HeldToken is null
            ? reformed with { HeldToken = early }
            : reformed;
    }

    /// <summary>Whether the worker may start its micro-batch of <paramref name="step"/> now.</summary>
    public bool CanStart(int step) => !IsGated || (HeldToken is { } token && token.Step == step && GatingStep is null);

    /// <summary>
    /// A token of a newer ring that arrived before this worker learned of that ring; adopted by
    /// <see cref="Reform"/>. Without it, a fast neighbour's first token of a re-formed ring would be
    /// lost and the ring would stall.
    /// </summary>
    public RingToken? EarlyToken { get; private init; }

    /// <summary>
    /// A token arrived. Tokens of an older epoch are dropped; one of a newer epoch is kept for
    /// <see cref="Reform"/>; a duplicate live token is a protocol error.
    /// </summary>
    public TokenRingTransition Receive(RingToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Epoch < Ring.Epoch)
        {
            return new TokenRingTransition(this, [new StaleTokenDropped(token, Ring.Epoch)]);
        }

        if (token.Epoch > Ring.Epoch)
        {
            return new TokenRingTransition(this with { EarlyToken = token }, NoEffects);
        }

        if (!IsGated)
        {
            throw new InvalidOperationException($"Rank {Rank} received {token}, but DP runs without a token.");
        }

        if (HeldToken is not null)
        {
            throw new InvalidOperationException($"Rank {Rank} received {token} while already holding {HeldToken}.");
        }

        return new TokenRingTransition(this with { HeldToken = token }, NoEffects);
    }

    /// <summary>The worker starts its micro-batch of <paramref name="step"/>; gated workers must hold its token.</summary>
    public TokenRingState StartMicroBatch(int step)
    {
        if (!CanStart(step))
        {
            throw new InvalidOperationException(
                $"Rank {Rank} cannot start step {step}: holds {HeldToken?.ToString() ?? "no token"}" +
                (GatingStep is { } gating ? $" and has not yet passed the token of step {gating}." : "."));
        }

        return IsGated ? this with { GatingStep = step, OpsSinceStart = 0 } : this;
    }

    /// <summary>
    /// The worker completed one op of its current micro-batch. After the δ-th, the token goes to the
    /// next rank (for the same step, or the next step when it wraps to rank 0).
    /// </summary>
    public TokenRingTransition CompleteOp()
    {
        if (GatingStep is not { } step || HeldToken is not { } token)
        {
            // Ops after the token has left (or under DP) do not affect the ring.
            return new TokenRingTransition(this, NoEffects);
        }

        var completed = OpsSinceStart + 1;
        if (completed < Delay)
        {
            return new TokenRingTransition(this with { OpsSinceStart = completed }, NoEffects);
        }

        var next = Ring.Next(Rank);
        var passedStep = next == 0 ? step + 1 : step;
        var passed = new PassToken(next, token with { Step = passedStep });
        var state = this with { HeldToken = null, GatingStep = null, OpsSinceStart = 0 };
        return new TokenRingTransition(state, [passed]);
    }
}
