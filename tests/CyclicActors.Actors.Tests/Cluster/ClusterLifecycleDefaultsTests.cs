using CyclicActors.Actors.Cluster;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>The shipped settings a cluster node's start, stop and logs depend on (hocon/cluster.conf, hocon/remote.conf).</summary>
public sealed class ClusterLifecycleDefaultsTests
{
    private static readonly Akka.Configuration.Config Defaults = ClusterConfiguration.Defaults;

    [Fact]
    public void The_host_handles_signals_itself()
    {
        // Akka's hook takes SIGINT and SIGTERM from the runtime and never ends the process.
        Assert.False(Defaults.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook"));
        Assert.False(Defaults.GetBoolean("akka.coordinated-shutdown.exit-clr"));
    }

    [Fact]
    public void A_node_binds_its_port_exclusively()
    {
        // "on" makes .NET set SO_REUSEPORT as well, and a second node could listen on the same port.
        Assert.Equal("off", Defaults.GetString("akka.remote.dot-netty.tcp.tcp-reuse-addr"));
    }

    [Fact]
    public void A_member_gives_up_on_an_unreachable_seed_after_15_s()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), Defaults.GetTimeSpan("akka.cluster.shutdown-after-unsuccessful-join-seed-nodes"));
    }

    [Fact]
    public void Nodes_log_through_the_capped_logger_and_leave_in_ticks_of_a_quarter_second()
    {
        Assert.Equal([$"{typeof(CyclicActors.Actors.Logging.CappedConsoleLogger).FullName}, {typeof(CyclicActors.Actors.Logging.CappedConsoleLogger).Assembly.GetName().Name}"], Defaults.GetStringList("akka.loggers"));
        Assert.Equal(TimeSpan.FromMilliseconds(250), Defaults.GetTimeSpan("akka.cluster.leader-actions-interval"));
    }
}
