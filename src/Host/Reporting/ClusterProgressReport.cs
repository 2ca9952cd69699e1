using System.Globalization;
using CyclicActors.Actors.Cluster;

namespace CyclicActors.Host.Reporting;

/// <summary>
/// The cluster part of the seed's progress line and of its --metrics lines, from the members'
/// latest progress reports (<see cref="ClusterProgress"/>).
/// </summary>
internal static class ClusterProgressReport
{
    /// <summary>e.g. "tensors 12.3 MB/s; activations 10.0.0.2:4054 1.2 MB, 10.0.0.3:4054 0.9 MB" (empty before the first report).</summary>
    public static string Describe(ClusterProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var nodes = progress.Nodes;
        if (nodes.Count == 0)
        {
            return "";
        }

        var activations = string.Join(", ", nodes.Select(node => string.Create(CultureInfo.InvariantCulture, $"{NodeAddress.HostAndPort(node.Node)} {Megabytes(node.LiveActivationBytes)}")));
        return string.Create(CultureInfo.InvariantCulture, $"tensors {progress.BytesPerSecond / 1e6:F1} MB/s; activations {activations}");
    }

    /// <summary>The keys each --metrics line of a cluster run adds (docs/cluster.md, "Observing a cluster run").</summary>
    public static Dictionary<string, object?> MetricsFields(ClusterProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var nodes = progress.Nodes;
        return new Dictionary<string, object?>
        {
            ["link_bytes_sent"] = progress.LinkBytes,
            ["tensor_bytes_per_second"] = Math.Round(progress.BytesPerSecond, 1),
            ["node_live_activation_bytes"] = nodes.ToDictionary(node => node.Node, node => node.LiveActivationBytes),
            ["node_peak_activation_bytes"] = nodes.ToDictionary(node => node.Node, node => node.PeakActivationBytes),
            ["node_micro_batches"] = nodes.ToDictionary(node => node.Node, node => node.MicroBatches),
        };
    }

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F1} MB");
}
