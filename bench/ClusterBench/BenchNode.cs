using Akka.Actor;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;

namespace CyclicActors.Bench.Cluster;

/// <summary>What every node of the benchmark shares: config with the throttler adapter, the data.</summary>
internal static class BenchNode
{
    public static readonly Shape3 ImageShape = new(1, 28, 28);

    public static ActorSystem Start(string role) =>
        ActorSystem.Create("cyclic", ConfigurationFactory.ParseString($"""
            akka.loglevel = ERROR
            akka.remote.dot-netty.tcp.applied-adapters = [trttl]
            akka.cluster.roles = ["{role}"]
            """).WithFallback(ClusterConfiguration.Defaults));

    /// <summary>Every node builds the same synthetic MNIST-shaped set: no files, identical fingerprints.</summary>
    public static Dataset Data() => SyntheticDataset.Create(ImageShape, 10, 2048, 7);
}
