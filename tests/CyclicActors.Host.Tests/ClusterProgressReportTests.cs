using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Protocol;
using CyclicActors.Host.Reporting;
using Xunit;

namespace CyclicActors.Host.Tests;

public sealed class ClusterProgressReportTests
{
    private const string A = "akka.tcp://cyclic@10.0.0.2:4054";
    private const string B = "akka.tcp://cyclic@10.0.0.3:4054";

    [Fact]
    public void The_progress_line_shows_the_tensor_rate_and_activations_per_node()
    {
        Assert.Equal("", ClusterProgressReport.Describe(ClusterProgress.Empty));
        var progress = ClusterProgress.Empty
            .With(new NodeProgress(A, 1_000, [B], [3_000_000], 1_200_000, 2_000_000, 8))
            .With(new NodeProgress(B, 2_000, [A], [2_000_000], 900_000, 1_000_000, 8));

        Assert.Equal("tensors 4.0 MB/s; activations 10.0.0.2:4054 1.2 MB, 10.0.0.3:4054 0.9 MB", ClusterProgressReport.Describe(progress));
    }

    [Fact]
    public void Metrics_lines_get_bytes_per_link_and_activations_and_micro_batches_per_node()
    {
        var progress = ClusterProgress.Empty.With(new NodeProgress(A, 500, [B], [1_000], 10, 20, 3));

        var fields = ClusterProgressReport.MetricsFields(progress);

        Assert.Equal(new Dictionary<string, long> { [$"{A}->{B}"] = 1_000 }, fields["link_bytes_sent"]);
        Assert.Equal(2_000.0, fields["tensor_bytes_per_second"]);
        Assert.Equal(new Dictionary<string, long> { [A] = 10 }, fields["node_live_activation_bytes"]);
        Assert.Equal(new Dictionary<string, long> { [A] = 20 }, fields["node_peak_activation_bytes"]);
        Assert.Equal(new Dictionary<string, int> { [A] = 3 }, fields["node_micro_batches"]);
    }
}
