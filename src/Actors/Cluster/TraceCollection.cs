using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Tracing;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// The seed's collection of the members' trace batches: which node sent which of its batches,
/// whether every node's trace is complete, and who is missing. Batches come from other
/// processes, so one that does not fit (an unknown node, a sequence outside its count, an event
/// on a track that does not exist) is refused with the reason instead of breaking the merge.
/// </summary>
public sealed class TraceCollection
{
    /// <summary>More batches than any run's trace needs (~10 GB); a larger count is malformed.</summary>
    public const int MaxBatches = 40_000;

    private readonly IReadOnlyList<string> _nodes;
    private readonly Dictionary<string, NodeTraceBatch?[]> _received = new(StringComparer.Ordinal);

    public TraceCollection(IReadOnlyList<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        _nodes = nodes;
    }

    /// <summary>Every node sent all its batches.</summary>
    public bool IsComplete => _nodes.All(IsCompleteFor);

    /// <summary>Nodes whose trace is not (yet) complete, in node order.</summary>
    public IReadOnlyList<string> Missing => _nodes.Where(node => !IsCompleteFor(node)).ToArray();

    /// <summary>The complete traces, in node order.</summary>
    public IReadOnlyList<NodeTrace> Traces => _nodes.Where(IsCompleteFor).Select(node => TraceBatches.Join(_received[node]!)).ToArray();

    /// <summary>Keeps <paramref name="batch"/>; returns null, or why it was refused.</summary>
    public string? Add(NodeTraceBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!_nodes.Contains(batch.Node, StringComparer.Ordinal))
        {
            return $"a trace batch from {batch.Node}, which is not in the plan";
        }

        if (batch.Count is < 1 or > MaxBatches || batch.Sequence < 0 || batch.Sequence >= batch.Count)
        {
            return $"trace batch {batch.Sequence} of {batch.Count} from {batch.Node} is out of range";
        }

        if (!_received.TryGetValue(batch.Node, out var batches))
        {
            batches = new NodeTraceBatch?[batch.Count];
            _received[batch.Node] = batches;
        }

        var first = batches.FirstOrDefault(b => b is not null);
        if (batches.Length != batch.Count || (first is not null && (first.OriginUnixMicroseconds != batch.OriginUnixMicroseconds || !first.Tracks.SequenceEqual(batch.Tracks))))
        {
            return $"trace batch {batch.Sequence} from {batch.Node} does not match the node's earlier batches (count, origin or tracks)";
        }

        if (batches[batch.Sequence] is not null)
        {
            return $"trace batch {batch.Sequence} from {batch.Node} arrived twice";
        }

        if (batch.Events.FirstOrDefault(e => !IsValid(e, batch.Tracks.Length)) is { } bad)
        {
            return $"trace batch {batch.Sequence} from {batch.Node} has an invalid event ('{bad.Phase}' on track {bad.Track})";
        }

        batches[batch.Sequence] = batch;
        return null;
    }

    private bool IsCompleteFor(string node) => _received.TryGetValue(node, out var batches) && batches.All(batch => batch is not null);

    private static bool IsValid(TraceEventRecord e, int tracks) =>
        e.Name is not null && e.Category is not null && e.Duration >= 0 && e.Phase switch
        {
            'X' or 'i' => e.Track >= 1 && e.Track <= tracks,
            'C' => e.Track == 0,
            _ => false,
        };
}
