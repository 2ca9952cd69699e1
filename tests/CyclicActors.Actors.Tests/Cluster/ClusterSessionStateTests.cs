using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Tests.Cluster;

public sealed class ClusterSessionStateTests
{
    private static readonly AdmittedNode[] Members =
    [
        new("akka.tcp://cyclic@a:1", [0, 1], []),
        new("akka.tcp://cyclic@b:2", [2, 3], []),
    ];

    [Fact]
    public void A_run_goes_through_admission_building_wiring_starting_running_and_ending_in_order()
    {
        var state = new ClusterSessionState();
        Assert.Equal(SessionPhase.Admitting, state.Phase);

        var plan = state.Admitted(Members, workers: 4, stages: 2);
        Assert.Equal(SessionPhase.Building, state.Phase);
        Assert.Equal([Members[0].Node, Members[1].Node], plan.Nodes);

        Assert.Null(state.NodeReady(new NodeReady(Members[1].Node, "10.0.0.2", 4061, 22)));
        var channels = state.NodeReady(new NodeReady(Members[0].Node, "10.0.0.1", 4060, 11));
        Assert.NotNull(channels);
        Assert.Equal(SessionPhase.Wiring, state.Phase);
        // Indexed like the plan's nodes, whatever order the members answered in.
        Assert.Equal(["10.0.0.1", "10.0.0.2"], channels.Hosts);
        Assert.Equal([4060, 4061], channels.Ports);
        Assert.Equal([11L, 22L], channels.Tokens);

        Assert.False(state.NodeWired(Members[0].Node));
        Assert.False(state.NodeWired(Members[0].Node)); // a repeat counts once
        Assert.True(state.NodeWired(Members[1].Node));
        Assert.Equal(SessionPhase.Starting, state.Phase);

        state.Started();
        Assert.Equal(SessionPhase.Running, state.Phase);
        state.Ending();
        Assert.Equal(SessionPhase.Ending, state.Phase);
    }

    [Fact]
    public void Each_step_is_refused_outside_its_phase_and_from_a_node_outside_the_plan()
    {
        var state = new ClusterSessionState();
        Assert.Throws<InvalidOperationException>(() => state.NodeReady(new NodeReady(Members[0].Node)));
        Assert.Throws<InvalidOperationException>(() => state.NodeWired(Members[0].Node));
        Assert.Throws<InvalidOperationException>(state.Started);

        state.Admitted(Members, workers: 4, stages: 2);
        Assert.False(state.IsPlanned("akka.tcp://cyclic@stranger:9"));
        Assert.Throws<InvalidOperationException>(() => state.NodeReady(new NodeReady("akka.tcp://cyclic@stranger:9")));
        Assert.Throws<InvalidOperationException>(() => state.NodeWired(Members[0].Node)); // wiring before every member is ready
        Assert.Throws<InvalidOperationException>(() => state.Admitted(Members, workers: 4, stages: 2));
    }

    [Fact]
    public void A_failure_can_end_the_run_in_any_phase()
    {
        var state = new ClusterSessionState();
        state.Admitted(Members, workers: 4, stages: 2);
        state.Ending();
        Assert.Equal(SessionPhase.Ending, state.Phase);
        Assert.Throws<InvalidOperationException>(() => state.NodeReady(new NodeReady(Members[0].Node)));
    }
}
