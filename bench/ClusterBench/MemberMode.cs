using Akka.Actor;
using Akka.Cluster;
using Akka.Remote;
using Akka.Remote.Transport;
using CyclicActors.Actors.Cluster;

namespace CyclicActors.Bench.Cluster;

/// <summary>
/// A member process: joins the driver's cluster, throttles its link to every other member to the
/// given bandwidth (both directions) with Akka.Remote's throttler adapter, and takes part with
/// two workers until the run ends.
/// </summary>
internal static class MemberMode
{
    public static async Task<int> RunAsync(string seedAddress, long bytesPerSecond)
    {
        var system = BenchNode.Start("worker");
        try
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            if (bytesPerSecond > 0)
            {
                system.ActorOf(Props.Create(() => new PeerThrottler(bytesPerSecond)), "throttler");
            }

            cluster.JoinSeedNodes([Address.Parse(seedAddress)]);
            var outcome = await ClusterRun.MemberAsync(system, workers: 2, BenchNode.Data).WaitAsync(TimeSpan.FromMinutes(3));
            Console.WriteLine($"member: {outcome.Message}");
            return outcome.Succeeded ? 0 : 1;
        }
        finally
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>Throttles the link to each other worker member as soon as it is Up.</summary>
    private sealed class PeerThrottler : ReceiveActor
    {
        public PeerThrottler(long bytesPerSecond)
        {
            var self = Akka.Cluster.Cluster.Get(Context.System);
            var transport = ((RemoteActorRefProvider)((ExtendedActorSystem)Context.System).Provider).Transport;
            ReceiveAsync<ClusterEvent.MemberUp>(async up =>
            {
                if (up.Member.HasRole("worker") && !up.Member.Address.Equals(self.SelfAddress))
                {
                    var bucket = new TokenBucket(capacity: 64_000, tokensPerSecond: bytesPerSecond, nanoTimeOfLastSend: 0, availableTokens: 64_000);
                    await transport.ManagementCommand(new SetThrottle(up.Member.Address, ThrottleTransportAdapter.Direction.Both, bucket));
                }
            });
            Receive<ClusterEvent.IMemberEvent>(_ => { });
            Receive<ClusterEvent.CurrentClusterState>(_ => { });
        }

        protected override void PreStart() =>
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp));
    }
}
