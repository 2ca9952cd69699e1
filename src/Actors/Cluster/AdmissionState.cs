using System.Globalization;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Cluster;

/// <summary>What the coordinator expects every member to train with: its own model and data.</summary>
public sealed record TrainingIdentity(string ModelFingerprint, string DataFingerprint, int TrainSamples);

/// <summary>An admitted member: its address, its ranks (none for a reducer-only node) and the cluster roles it offered.</summary>
public sealed record AdmittedNode(string Node, int[] Ranks, IReadOnlyList<string> Roles)
{
    /// <summary>Whether the member asked to hold stage reducers (the <see cref="ClusterPlacement.ReducerRole"/> role).</summary>
    public bool IsReducerHolder => ClusterPlacement.HoldsReducers(Roles);
}

/// <summary>
/// The run to start: its world size, the members that take part (ranks of 0..Workers−1 only) and
/// the admitted members left without work, who are told they are not needed.
/// </summary>
public sealed record AdmissionStart(int Workers, IReadOnlyList<AdmittedNode> Members, IReadOnlyList<AdmittedNode> NotNeeded);

/// <summary>
/// The coordinator's decisions while members join, without actors: a member is admitted when its
/// model and data match the seed's and ranks are left, and gets the next ranks in admission order
/// (the result does not depend on which node holds which rank: reducers fold in rank order). A
/// member with the reducer role may offer no workers (a reducer-only node). Training starts once
/// all <see cref="Workers"/> ranks are taken, or at the join timeout with fewer when
/// <see cref="MinWorkers"/> allows (<see cref="AfterTimeout"/>); <see cref="DescribeMissing"/>
/// says who is missing.
/// </summary>
public sealed class AdmissionState
{
    /// <summary>What a late or repeated offer is told once the admission is over, unless it is a started member's.</summary>
    public const string ClosedReason = "training has already started or the admission ended.";

    private readonly TrainingIdentity _expected;
    private readonly IReadOnlyList<int>? _validWorldSizes;
    private readonly List<AdmittedNode> _admitted = [];
    private readonly Dictionary<string, string> _refused = new(StringComparer.Ordinal);
    private bool _timedOut;

    /// <param name="minWorkers">The fewest workers to start with at the join timeout; null: all <paramref name="workers"/>.</param>
    /// <param name="validWorldSizes">The world sizes the update rule accepts (<see cref="ElasticStart.ValidWorldSizes"/>); null: any.</param>
    public AdmissionState(TrainingIdentity expected, int workers, int? minWorkers = null, IReadOnlyList<int>? validWorldSizes = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var min = minWorkers ?? workers;
        if (min < 1 || min > workers)
        {
            throw new ArgumentOutOfRangeException(nameof(minWorkers), min, $"min-workers {min} must be between 1 and the {workers} workers wanted.");
        }

        _expected = expected;
        _validWorldSizes = validWorldSizes;
        Workers = workers;
        MinWorkers = min;
    }

    /// <summary>The world size N wanted: training starts at once when ranks 0..N−1 are all taken.</summary>
    public int Workers { get; }

    /// <summary>The fewest workers training may start with after the join timeout.</summary>
    public int MinWorkers { get; }

    public int AdmittedWorkers => _admitted.Sum(member => member.Ranks.Length);

    public bool IsComplete => AdmittedWorkers == Workers;

    public IReadOnlyList<AdmittedNode> Admitted => _admitted;

    /// <summary>Whether offers are still taken: false once training started (<see cref="Start"/>) or the join timeout ended the admission.</summary>
    public bool IsOpen => !IsClosed;

    /// <summary>The run the admission started, once <see cref="Start"/> was called.</summary>
    public AdmissionStart? Started { get; private set; }

    private bool IsClosed => Started is not null || _timedOut;

    /// <summary>
    /// Admits or refuses an offer; an offer repeated by an admitted node gets the same ranks. Once
    /// the admission is closed, a started member's repeated offer (its retry crossed the answer)
    /// gets its ranks in the run, and every other offer is refused.
    /// </summary>
    public IMembershipMessage Decide(MemberOffered offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        if (IsClosed)
        {
            return Started?.Members.FirstOrDefault(member => member.Node == offer.Node) is { } started
                ? new MemberAdmitted(started.Ranks)
                : new MemberRefused(ClosedReason);
        }

        var existing = _admitted.FindIndex(member => member.Node == offer.Node);
        if (existing >= 0)
        {
            return new MemberAdmitted(_admitted[existing].Ranks);
        }

        var refusal = RefusalReason(offer);
        if (refusal is not null)
        {
            _refused[offer.Node] = refusal;
            return new MemberRefused(refusal);
        }

        var first = AdmittedWorkers;
        var ranks = Enumerable.Range(first, offer.Workers).ToArray();
        _admitted.Add(new AdmittedNode(offer.Node, ranks, offer.Roles ?? []));
        _refused.Remove(offer.Node);
        return new MemberAdmitted(ranks);
    }

    /// <summary>Forgets a node that left or was downed before training started, freeing its ranks.</summary>
    public bool Remove(string node)
    {
        if (IsClosed)
        {
            return false; // after the start, a member that leaves ends the run instead
        }

        var index = _admitted.FindIndex(member => member.Node == node);
        if (index < 0)
        {
            return false;
        }

        // Ranks stay contiguous in admission order: later members move down.
        _admitted.RemoveAt(index);
        var next = 0;
        for (var i = 0; i < _admitted.Count; i++)
        {
            var count = _admitted[i].Ranks.Length;
            _admitted[i] = _admitted[i] with { Ranks = Enumerable.Range(next, count).ToArray() };
            next += count;
        }

        return true;
    }

    /// <summary>
    /// Closes the admission with a run of world size <paramref name="workers"/>: members keep their
    /// ranks below it; a member left with none stays only when it holds reducers, the others are not needed.
    /// </summary>
    public AdmissionStart Start(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workers, AdmittedWorkers);
        if (IsClosed)
        {
            throw new InvalidOperationException("The admission is already closed.");
        }

        var members = new List<AdmittedNode>();
        var notNeeded = new List<AdmittedNode>();
        foreach (var member in _admitted)
        {
            var kept = member with { Ranks = member.Ranks.Where(rank => rank < workers).ToArray() };
            (kept.Ranks.Length > 0 || kept.IsReducerHolder ? members : notNeeded).Add(kept);
        }

        Started = new AdmissionStart(workers, members, notNeeded);
        return Started;
    }

    /// <summary>
    /// At the join timeout: the start with the largest valid world size of at least
    /// <see cref="MinWorkers"/> and a line saying so, or null and why training cannot start.
    /// </summary>
    public (AdmissionStart? Start, string Description) AfterTimeout(TimeSpan waited)
    {
        var admitted = AdmittedWorkers;
        var size = ElasticStart.WorldSize(Workers, MinWorkers, admitted, _validWorldSizes);
        if (size is not int workers)
        {
            _timedOut = true;
            var why = MinWorkers == Workers ? string.Empty
                : admitted < MinWorkers ? $" At least {MinWorkers} (min-workers) are needed to start with fewer than {Workers}."
                : $" No world size from {MinWorkers} (min-workers) to {admitted} suits the update rule; valid: {string.Join(", ", _validWorldSizes ?? [])}.";
            return (null, DescribeMissing() + why);
        }

        var start = Start(workers);
        var seconds = waited.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var line = $"Starting with {workers} of {Workers} workers after {seconds} s (min-workers {MinWorkers}); {DescribeMissing()}";
        if (workers < admitted)
        {
            var left = admitted - workers == 1 ? $"Rank {workers} is" : $"Ranks {workers}-{admitted - 1} are";
            line += $" {left} left out: the update rule needs a world size in {string.Join(", ", _validWorldSizes ?? [])}.";
        }

        if (start.NotNeeded.Count > 0)
        {
            line += $" Not needed: {string.Join(", ", start.NotNeeded.Select(member => member.Node))}.";
        }

        return (start, line);
    }

    /// <summary>Why training cannot start yet, naming who is in, who was refused and what is missing.</summary>
    public string DescribeMissing()
    {
        var admitted = _admitted.Count == 0
            ? "no member admitted"
            : "admitted: " + string.Join(", ", _admitted.Select(member => $"{member.Node} ({DescribeRanks(member.Ranks)})"));
        var refused = _refused.Count == 0 ? string.Empty : "; refused: " + string.Join(", ", _refused.Select(pair => $"{pair.Key} ({pair.Value})"));
        return $"{Workers - AdmittedWorkers} of {Workers} workers missing; {admitted}{refused}.";
    }

    private static string DescribeRanks(int[] ranks) => ranks.Length == 0 ? "reducers only" : $"ranks {ranks[0]}-{ranks[^1]}";

    private string? RefusalReason(MemberOffered offer)
    {
        if (offer.Workers < 0)
        {
            return $"it offers {offer.Workers} workers; at least 1 is needed.";
        }

        if (offer.Workers == 0 && !ClusterPlacement.HoldsReducers(offer.Roles))
        {
            return $"it offers 0 workers and does not have the '{ClusterPlacement.ReducerRole}' role; a member needs at least 1 worker, or --roles {ClusterPlacement.ReducerRole} to hold stage reducers only.";
        }

        if (offer.ModelFingerprint != _expected.ModelFingerprint)
        {
            return $"its model fingerprint {Short(offer.ModelFingerprint)} differs from the seed's {Short(_expected.ModelFingerprint)} (another model, partition or build).";
        }

        if (offer.DataFingerprint != _expected.DataFingerprint || offer.TrainSamples != _expected.TrainSamples)
        {
            return $"its training data ({offer.TrainSamples} samples, sha256 {Short(offer.DataFingerprint)}) differs from the seed's ({_expected.TrainSamples} samples, sha256 {Short(_expected.DataFingerprint)}).";
        }

        var left = Workers - AdmittedWorkers;
        return offer.Workers > left
            ? $"it offers {offer.Workers} workers but only {left} of the {Workers} ranks are left."
            : null;
    }

    private static string Short(string fingerprint) => fingerprint.Length > 12 ? fingerprint[..12] + "…" : fingerprint;
}
