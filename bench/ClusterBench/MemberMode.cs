using Akka.Actor;
using CyclicActors.Actors.Cluster;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cuda;

namespace CyclicActors.Bench.Cluster;

/// <summary>
/// A member process: joins the driver's cluster with every tensor link capped at the given
/// bandwidth (cyclic-actors.transport.bandwidth-limit, which paces only tensor payload, never
/// heartbeats or protocol messages) and takes part with two workers until the run ends. Its workers
/// and reducers share one CPU pool, as `cyclic member`'s do, so the seed's summary carries what the
/// process really reserved.
/// </summary>
internal static class MemberMode
{
    public static async Task<int> RunAsync(string seedAddress, long bytesPerSecond)
    {
        var system = BenchNode.Start("worker", bytesPerSecond);
        using var backends = new BackendPlan(BackendChoice.Cpu, "(ClusterBench)", CudaBackendOptions.Default);
        try
        {
            Akka.Cluster.Cluster.Get(system).JoinSeedNodes([Address.Parse(seedAddress)]);
            var outcome = await ClusterRun.MemberAsync(system, workers: 2, BenchNode.Data, backendFactory: backends.CreateForRank, reducerBackendFactory: backends.CreateHost,
                devicePool: backends.DevicePool, warmUpBackend: backends.CreateIsolated).WaitAsync(TimeSpan.FromMinutes(5));
            Console.WriteLine($"member: {outcome.Message}");
            return outcome.Succeeded ? 0 : 1;
        }
        finally
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(TimeSpan.FromSeconds(20));
        }
    }
}
