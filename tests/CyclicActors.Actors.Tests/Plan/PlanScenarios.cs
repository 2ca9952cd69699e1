using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Plan;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Tests.Plan;

/// <summary>Scenarios whose figures can be derived by hand.</summary>
internal static class PlanScenarios
{
    /// <summary>L stages with forward and backward of <paramref name="opSeconds"/> each, free reducers, <paramref name="parameters"/> floats and 1000 activation bytes a stage.</summary>
    public static StageCost[] EqualStages(int stages, double opSeconds, long parameters = 1000) =>
        [.. Enumerable.Range(0, stages).Select(_ => new StageCost(opSeconds, opSeconds, 0, 0, parameters, 1000))];

    public static PlanScenario Scenario(int workers, UpdateRule rule, IReadOnlyList<StageCost> stages, int machines = 1, double slots = 0,
        TransportModel? transport = null, PacingMode pacing = PacingMode.None, int steps = 12) =>
        new(workers, MicroBatch: 32, rule, stages, new MachineLayout(machines, slots), transport ?? TransportModel.Unlimited, pacing, Steps: steps);
}
