using Akka.Actor;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;

namespace CyclicActors.Bench.Cluster;

/// <summary>What every node of the benchmark shares: the cluster defaults (tensors on the dedicated channel), the data.</summary>
internal static class BenchNode
{
    public static readonly Shape3 ImageShape = new(1, 28, 28);

    /// <param name="bandwidthLimit">Payload bytes per second each of this node's tensor links may send (0: unlimited).</param>
    public static ActorSystem Start(string role, long bandwidthLimit = 0) =>
        ActorSystem.Create("cyclic", ConfigurationFactory.ParseString($"""
            akka.loglevel = ERROR
            akka.cluster.roles = ["{role}"]
            cyclic-actors.transport.bandwidth-limit = {bandwidthLimit}
            """).WithFallback(ClusterConfiguration.Defaults));

    /// <summary>Every node builds the same synthetic MNIST-shaped set: no files, identical fingerprints.</summary>
    public static Dataset Data() => SyntheticDataset.Create(ImageShape, 10, 2048, 7);
}
