using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Where the seed's session posts the members' progress reports and the progress display and
/// metrics file read the latest <see cref="ClusterProgress"/> (from the coordinator's step callback,
/// another thread).
/// </summary>
public sealed class ClusterProgressBoard
{
    private readonly object _gate = new();
    private ClusterProgress _current = ClusterProgress.Empty;

    public ClusterProgress Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public void Record(NodeProgress report)
    {
        lock (_gate)
        {
            _current = _current.With(report);
        }
    }
}
