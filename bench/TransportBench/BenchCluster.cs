using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;

namespace CyclicActors.Bench.Transport;

/// <summary>The two-node Akka cluster both processes run: loopback only, frame size fitted to the chunk.</summary>
internal static class BenchCluster
{
    public const string SystemName = "bench";

    public static ActorSystem Start(BenchOptions options, string role)
    {
        var frame = options.FrameBytes.ToString(CultureInfo.InvariantCulture);
        var buffers = (2L * options.FrameBytes).ToString(CultureInfo.InvariantCulture);
        var config = ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = WARNING
              actor.provider = cluster
              remote.dot-netty.tcp {
                hostname = "127.0.0.1"
                port = 0
                # Akka.Remote drops (sender) or kills the association (receiver) for frames above this.
                maximum-frame-size = {{frame}}b
                send-buffer-size = {{buffers}}b
                receive-buffer-size = {{buffers}}b
              }
              cluster {
                roles = ["{{role}}"]
                min-nr-of-members = 2
                # Bulk transfers and GC on a loaded 2-core machine delay heartbeats by seconds.
                failure-detector.acceptable-heartbeat-pause = 10s
              }
            }
            # The link actors read the transport keys; the window is set per measurement.
            cyclic-actors.transport.chunk-bytes = {{options.ChunkBytes}}
            """).WithFallback(ClusterConfiguration.Defaults);
        return ActorSystem.Create(SystemName, config);
    }

    /// <summary>Completes when both members are Up.</summary>
    public static Task WhenUpAsync(ActorSystem system)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        return up.Task;
    }
}
