namespace CyclicActors.Actors.Cluster;

/// <summary>Where a member stands in a run.</summary>
public enum MemberPhase
{
    /// <summary>Not yet Up in the cluster.</summary>
    Joining,

    /// <summary>Up; asking the coordinator for the options.</summary>
    AwaitingOptions,

    /// <summary>Options read, data loaded, workers offered; awaiting the answer.</summary>
    Offering,

    /// <summary>Admitted with ranks; awaiting the plan.</summary>
    Admitted,

    /// <summary>The plan arrived and this member's part of the run is built (and then runs).</summary>
    Taking,

    /// <summary>The part ended: the run finished or failed, or the member was refused.</summary>
    Ended,
}

/// <summary>
/// A member's progress through a run, without actors (pure, like <see cref="AdmissionState"/>):
/// which answers still count (a repeated request's second answer does not; a refusal counts only
/// while an offer is pending), the first failure of its part, and whether it has ended. The member
/// actor asks it before acting. Mutable; owned by one actor.
/// </summary>
public sealed class MemberNodeState
{
    public MemberPhase Phase { get; private set; }

    /// <summary>Whether this node ever got into the cluster (a node that never did names its seeds when it stops).</summary>
    public bool WasUp { get; private set; }

    /// <summary>The first failure of this member's part, while it waits for the seed's own word.</summary>
    public string? Failure { get; private set; }

    /// <summary>The node is Up: it asks for the options (true), unless it already did or ended.</summary>
    public bool Up()
    {
        WasUp |= Phase != MemberPhase.Ended;
        return Advance(MemberPhase.Joining, MemberPhase.AwaitingOptions);
    }

    /// <summary>The options arrived: true the first time (the member reads its data and offers), false for a repeated request's second answer.</summary>
    public bool OptionsArrived() => Advance(MemberPhase.AwaitingOptions, MemberPhase.Offering);

    /// <summary>Admitted: true the first time, false for the answer to a repeated offer.</summary>
    public bool AdmittedArrived() => Advance(MemberPhase.Offering, MemberPhase.Admitted);

    /// <summary>A refusal ends the part only while the offer is pending; a stray one after admission changes nothing.</summary>
    public bool RefusalCounts() => Phase == MemberPhase.Offering;

    /// <summary>The plan arrived: true when the member should build its part (admitted, and not built yet).</summary>
    public bool Planned() => Advance(MemberPhase.Admitted, MemberPhase.Taking);

    /// <summary>
    /// The run re-forms after losing a member: a member that offered, was admitted or took part goes
    /// back to asking for the options, its failure forgotten (true); one that ended stays ended.
    /// </summary>
    public bool Restart()
    {
        if (Phase is not (MemberPhase.Offering or MemberPhase.Admitted or MemberPhase.Taking))
        {
            return false;
        }

        Phase = MemberPhase.AwaitingOptions;
        Failure = null;
        return true;
    }

    /// <summary>Records the first failure of the part; false when one is already recorded or the part ended.</summary>
    public bool PartFailed(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (Failure is not null || Phase == MemberPhase.Ended)
        {
            return false;
        }

        Failure = reason;
        return true;
    }

    /// <summary>The part ends; false when it had already ended.</summary>
    public bool End()
    {
        if (Phase == MemberPhase.Ended)
        {
            return false;
        }

        Phase = MemberPhase.Ended;
        return true;
    }

    private bool Advance(MemberPhase from, MemberPhase to)
    {
        if (Phase != from)
        {
            return false;
        }

        Phase = to;
        return true;
    }
}
