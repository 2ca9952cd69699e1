using ArchUnitNET.xUnit;
using CyclicActors.Actors.Cluster;
using Xunit;
using static CyclicActors.Architecture.Tests.ProjectArchitecture;

namespace CyclicActors.Architecture.Tests;

/// <summary>
/// How the runtime is wired: workers and reducers know only the plan and the references they are
/// given (no back-reference to the coordinator, the cluster or the builder), the plan sits below all
/// actors, and nothing on the hot path resolves an actor by name.
/// </summary>
public sealed class WiringArrowTests
{
    /// <summary>The cluster's actors on the path of every tensor: the senders, the inboxes and the channel routes.</summary>
    private static readonly System.Type[] ClusterHotPath = [typeof(GradientSender), typeof(PublicationSender), typeof(TensorInbox)];

    [Fact]
    public void Workers_and_reducers_do_not_know_the_coordinator_the_cluster_or_the_builder() =>
        TypesIn(Layer.WorkersAndReducers).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.AboveWorkers)
            .Because("a worker or reducer is given its plan and its references (WorkerSetup, WorkerWired, ReducerSetup, ReducerWired); " +
                     "reaching back to whoever built it would wire it by convention again")
            .Check(Loaded);

    [Fact]
    public void The_plan_is_below_every_actor() =>
        TypesIn(Layer.Planning).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.WorkersAndReducers)
            .AndShould().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.AboveWorkers)
            .AndShould().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Akka)
            .Because("the training plan and options are plain values every actor is built from; they must not know any actor")
            .Check(Loaded);

    [Fact]
    public void Nothing_on_the_hot_path_resolves_an_actor_by_name() =>
        TypesIn(Layer.WorkersAndReducers).Or().Are(ClusterHotPath)
            .Should().NotDependOnAnyTypesThat().HaveFullName(typeof(Akka.Actor.ActorSelection).FullName!)
            .Because("every gradient, publication and token goes to a reference given once when the run is built; " +
                     "an actor selection resolves a path on every message")
            .Check(Loaded);
}
