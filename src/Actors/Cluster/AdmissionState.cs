using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Cluster;

/// <summary>What the coordinator expects every member to train with: its own model and data.</summary>
public sealed record TrainingIdentity(string ModelFingerprint, string DataFingerprint, int TrainSamples);

/// <summary>
/// The coordinator's decisions while members join, without actors: a member is admitted when its
/// model and data match the seed's and ranks are left, and gets the next ranks in admission order
/// (the result does not depend on which node holds which rank: reducers fold in rank order).
/// Training can start once all <see cref="Workers"/> ranks are taken; until then
/// <see cref="DescribeMissing"/> says who is missing.
/// </summary>
public sealed class AdmissionState
{
    private readonly TrainingIdentity _expected;
    private readonly List<(string Node, int[] Ranks)> _admitted = [];
    private readonly Dictionary<string, string> _refused = new(StringComparer.Ordinal);

    public AdmissionState(TrainingIdentity expected, int workers)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _expected = expected;
        Workers = workers;
    }

    /// <summary>The world size N: ranks 0..N−1 must all be taken before training starts.</summary>
    public int Workers { get; }

    public int AdmittedWorkers => _admitted.Sum(member => member.Ranks.Length);

    public bool IsComplete => AdmittedWorkers == Workers;

    public IReadOnlyList<(string Node, int[] Ranks)> Admitted => _admitted;

    /// <summary>Admits or refuses an offer; an offer repeated by an admitted node gets the same ranks.</summary>
    public IMembershipMessage Decide(MemberOffered offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
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
        _admitted.Add((offer.Node, ranks));
        _refused.Remove(offer.Node);
        return new MemberAdmitted(ranks);
    }

    /// <summary>Forgets a node that left or was downed before training started, freeing its ranks.</summary>
    public bool Remove(string node)
    {
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
            _admitted[i] = (_admitted[i].Node, Enumerable.Range(next, count).ToArray());
            next += count;
        }

        return true;
    }

    /// <summary>Why training cannot start yet, naming who is in, who was refused and what is missing.</summary>
    public string DescribeMissing()
    {
        var admitted = _admitted.Count == 0
            ? "no member admitted"
            : "admitted: " + string.Join(", ", _admitted.Select(member => $"{member.Node} (ranks {member.Ranks[0]}-{member.Ranks[^1]})"));
        var refused = _refused.Count == 0 ? string.Empty : "; refused: " + string.Join(", ", _refused.Select(pair => $"{pair.Key} ({pair.Value})"));
        return $"{Workers - AdmittedWorkers} of {Workers} workers missing; {admitted}{refused}.";
    }

    private string? RefusalReason(MemberOffered offer)
    {
        if (offer.Workers < 1)
        {
            return $"it offers {offer.Workers} workers; at least 1 is needed.";
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
