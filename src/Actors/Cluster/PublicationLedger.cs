namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Which publications a node has already sent to one peer node. A reducer publishes each version
/// of its stage to every worker, so the relays of a peer's workers all receive the same one; only
/// the first goes over the network and the peer hands it to each of its workers. Versions of a
/// stage only grow, so one number per stage is enough.
/// </summary>
public sealed class PublicationLedger
{
    private readonly Dictionary<int, int> _lastSent = [];

    /// <summary>True the first time (stage, version) is seen with a version above every one sent for that stage.</summary>
    public bool ShouldSend(int stage, int version)
    {
        if (_lastSent.TryGetValue(stage, out var last) && version <= last)
        {
            return false;
        }

        _lastSent[stage] = version;
        return true;
    }
}
