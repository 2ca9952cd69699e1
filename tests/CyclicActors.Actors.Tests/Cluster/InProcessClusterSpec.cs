using Akka.Actor;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// Base of the specs that run a cluster as several ActorSystems in one process on 127.0.0.1, each
/// with the shipped cluster defaults under the spec's HOCON; every system started is terminated at
/// the end.
/// </summary>
public abstract class InProcessClusterSpec : IAsyncLifetime
{
    private readonly List<ActorSystem> _systems = [];

    protected virtual TimeSpan Limit => TimeSpan.FromSeconds(90);

    /// <summary>HOCON every node of the spec gets, under each node's own extra settings.</summary>
    protected virtual string NodeHocon => "akka.loglevel = WARNING";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Task.WhenAll(_systems.Select(system => system.Terminate())).WaitAsync(Limit);

    /// <summary>A node with <paramref name="roles"/>, not yet joined.</summary>
    protected ActorSystem Start(IEnumerable<string> roles, string extra = "")
    {
        var config = ConfigurationFactory.ParseString($"""
            akka.cluster.roles = [{string.Join(", ", roles.Select(role => $"\"{role}\""))}]
            {extra}
            """).WithFallback(ConfigurationFactory.ParseString(NodeHocon)).WithFallback(ClusterConfiguration.Defaults);
        var system = ActorSystem.Create("cyclic", config);
        _systems.Add(system);
        return system;
    }

    protected ActorSystem Start(string role, string extra = "") => Start([role], extra);

    /// <summary>The seed: a coordinator node that joins itself.</summary>
    protected (ActorSystem System, Address Address) StartSeed(string extra = "")
    {
        var seed = Start(CoordinatorSingleton.Role, extra);
        var address = Akka.Cluster.Cluster.Get(seed).SelfAddress;
        Akka.Cluster.Cluster.Get(seed).Join(address);
        return (seed, address);
    }

    protected static string AddressOf(ActorSystem system) => Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();
}
