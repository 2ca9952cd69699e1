using ArchUnitNET.xUnit;
using Xunit;
using static CyclicActors.Architecture.Tests.ProjectArchitecture;

namespace CyclicActors.Architecture.Tests;

/// <summary>Actors → Schedule, Protocol and Compute; the schedule stays pure and the protocol knows no actor.</summary>
public sealed class ActorsArrowTests
{
    [Fact]
    public void Schedule_is_pure() =>
        TypesIn(Layer.Schedule).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Akka)
            .AndShould().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Compute)
            .AndShould().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Diagnostics)
            .Because("the schedule is plain arithmetic over (N, L, rule) that tests call without an actor system or a device")
            .Check(Loaded);

    [Fact]
    public void Protocol_knows_no_actor_implementation() =>
        TypesIn(Layer.Protocol).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.ActorImplementations)
            .Because("protocol records are the wire contract between actors; an actor type in them ties the wire format " +
                     "to one implementation and makes Protocol and the actors depend on each other")
            .Check(Loaded);

    [Fact]
    public void Actors_do_not_depend_on_the_host() =>
        TypesIn(Layer.Actors).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Host)
            .Because("the host is the top layer: it parses the command line and wires the actors, never the other way round")
            .Check(Loaded);

    [Fact]
    public void Actors_reach_cuda_only_through_backend_selection() =>
        TypesIn(Layer.Actors).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Cuda)
            .AndShould().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Diagnostics)
            .Because("workers and reducers get their backends from a BackendPlan; they must run unchanged on the CPU backend")
            .Check(Loaded);
}
