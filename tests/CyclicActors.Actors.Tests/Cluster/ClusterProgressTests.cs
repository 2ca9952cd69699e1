using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Tests.Cluster;

public sealed class ClusterProgressTests
{
    private const string A = "akka.tcp://cyclic@a:1";
    private const string B = "akka.tcp://cyclic@b:2";
    private const string C = "akka.tcp://cyclic@c:3";

    [Fact]
    public void Keeps_the_latest_report_per_node_and_names_links_from_to()
    {
        var progress = ClusterProgress.Empty
            .With(new NodeProgress(B, 500, [A, C], [1_000, 3_000], 10, 20, 4))
            .With(new NodeProgress(A, 400, [B], [2_000], 30, 40, 2));

        Assert.Equal([A, B], progress.Nodes.Select(node => node.Node));
        Assert.Equal(new Dictionary<string, long> { [$"{A}->{B}"] = 2_000, [$"{B}->{A}"] = 1_000, [$"{B}->{C}"] = 3_000 }, progress.LinkBytes);
        Assert.Equal(6_000, progress.TotalBytesSent);
        // First reports: bytes since each node's part started, on its own clock (4,000 B / 0.5 s + 2,000 B / 0.4 s).
        Assert.Equal(8_000 + 5_000, progress.BytesPerSecond, 6);
    }

    [Fact]
    public void The_rate_is_over_the_last_interval_of_each_node()
    {
        var progress = ClusterProgress.Empty
            .With(new NodeProgress(A, 1_000, [B], [10_000], 0, 0, 0))
            .With(new NodeProgress(A, 1_500, [B], [12_000], 0, 0, 0));

        Assert.Equal(4_000, progress.BytesPerSecond, 6);
        Assert.Equal(12_000, progress.LinkBytes[$"{A}->{B}"]);
    }

    [Fact]
    public void Late_and_malformed_reports_change_nothing()
    {
        var progress = ClusterProgress.Empty.With(new NodeProgress(A, 1_000, [B], [10_000], 5, 6, 7));

        Assert.Same(progress, progress.With(new NodeProgress(A, 900, [B], [11_000], 5, 6, 7)));
        Assert.Same(progress, progress.With(new NodeProgress(A, 1_000, [B], [11_000], 5, 6, 7)));
        Assert.Same(progress, progress.With(new NodeProgress(A, 2_000, [B, C], [11_000], 5, 6, 7)));
        Assert.Same(progress, progress.With(new NodeProgress(A, 2_000, [B], [-1], 5, 6, 7)));
        Assert.Same(progress, progress.With(new NodeProgress(C, 0, [], [], 5, 6, 7)));
    }

    [Fact]
    public void The_board_hands_readers_the_latest_value()
    {
        var board = new ClusterProgressBoard();
        Assert.Same(ClusterProgress.Empty, board.Current);
        board.Record(new NodeProgress(A, 100, [B], [1], 2, 3, 4));
        Assert.Equal(1, board.Current.TotalBytesSent);
    }
}
