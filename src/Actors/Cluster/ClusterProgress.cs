using System.Collections.Immutable;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// The seed's view of the whole cluster from the members' latest <see cref="NodeProgress"/>
/// reports: bytes sent per link, activation bytes per node and the tensor rate. Immutable: each
/// report gives a new value, so readers on other threads (the progress display) never see half an
/// update. A report older than the node's latest (by the member's clock) or malformed is ignored.
/// </summary>
public sealed class ClusterProgress
{
    public static readonly ClusterProgress Empty = new(ImmutableSortedDictionary.Create<string, NodeState>(StringComparer.Ordinal));

    private readonly ImmutableSortedDictionary<string, NodeState> _nodes;

    private ClusterProgress(ImmutableSortedDictionary<string, NodeState> nodes)
    {
        _nodes = nodes;
    }

    /// <summary>The latest report of each node that reported, by node address.</summary>
    public IReadOnlyList<NodeProgress> Nodes => _nodes.Values.Select(state => state.Latest).ToArray();

    /// <summary>Tensor payload bytes sent per link, keyed "FROM->TO" by node addresses.</summary>
    public IReadOnlyDictionary<string, long> LinkBytes =>
        _nodes.Values.SelectMany(state => state.Latest.Peers.Zip(state.Latest.BytesSent, (peer, bytes) => (Link: LinkName(state.Latest.Node, peer), bytes)))
            .OrderBy(link => link.Link, StringComparer.Ordinal)
            .ToDictionary(link => link.Link, link => link.bytes, StringComparer.Ordinal);

    public long TotalBytesSent => _nodes.Values.Sum(state => state.Latest.BytesSent.Sum());

    /// <summary>
    /// Tensor bytes per second over all links: each node's bytes between its last two reports
    /// divided by the time between them on its own clock (its first report: since its part started).
    /// </summary>
    public double BytesPerSecond => _nodes.Values.Sum(state => state.BytesPerSecond);

    public static string LinkName(string from, string to) => $"{from}->{to}";

    public ClusterProgress With(NodeProgress report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Peers.Length != report.BytesSent.Length || report.BytesSent.Any(bytes => bytes < 0) || report.ElapsedMilliseconds <= 0)
        {
            return this;
        }

        long sent = report.BytesSent.Sum();
        double rate;
        if (_nodes.TryGetValue(report.Node, out var previous))
        {
            if (report.ElapsedMilliseconds <= previous.Latest.ElapsedMilliseconds)
            {
                return this;
            }

            long before = previous.Latest.BytesSent.Sum();
            rate = Math.Max(0, sent - before) * 1000.0 / (report.ElapsedMilliseconds - previous.Latest.ElapsedMilliseconds);
        }
        else
        {
            rate = sent * 1000.0 / report.ElapsedMilliseconds;
        }

        return new ClusterProgress(_nodes.SetItem(report.Node, new NodeState(report, rate)));
    }

    private sealed record NodeState(NodeProgress Latest, double BytesPerSecond);
}
