using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Reduce;
using CyclicActors.Actors.Tests.Runtime;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Tests.Pure;

/// <summary>
/// Where a diverging run stops: the stage master refuses a non-finite gradient before folding it and
/// an update that leaves a non-finite parameter before publishing it, each naming its step. (In a
/// run of actors, which of the two a diverging run meets first is a race between the stages.)
/// </summary>
public sealed class StageMasterNonFiniteTests
{
    [Fact]
    public void An_update_that_overflows_is_refused_naming_its_step_and_no_version_of_it_is_made()
    {
        using var backend = new CpuBackend();
        using var master = new StageMaster(0, TrainingFixtures.OneStagePlan(workers: 2, [1f, 2f], Sgd(learningRate: 1e30f), DelayCompensation.None), backend);
        master.Start();

        // Step 0 is finite (1 − 1e30·1e-31); step 1's gradients are finite too, but 1e30·1e10 is not a float.
        Assert.Empty(master.Accept(new GradientContributed(0, 0, 0, [1e-31f, 0f])));
        Assert.Single(master.Accept(new GradientContributed(0, 0, 1, [1e-31f, 0f])).OfType<VersionMade>());
        Assert.Empty(master.Accept(new GradientContributed(0, 1, 1, [1e10f, 0f])));
        var error = Assert.Throws<NonFiniteParametersException>(() => master.Accept(new GradientContributed(0, 1, 0, [1e10f, 0f])));

        Assert.Equal(1, error.Step);
        Assert.Equal(0, error.Stage);
        Assert.Contains("update of step 1", error.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_non_finite_gradient_is_refused_naming_its_step_and_rank_before_anything_of_the_step_is_folded(float bad)
    {
        using var backend = new CpuBackend();
        using var master = new StageMaster(0, TrainingFixtures.OneStagePlan(workers: 2, [1f, 2f], Sgd(learningRate: 0.1f), DelayCompensation.None), backend);
        master.Start();

        Assert.Empty(master.Accept(new GradientContributed(0, 0, 0, [0.5f, 0.5f])));
        var error = Assert.Throws<NonFiniteGradientException>(() => master.Accept(new GradientContributed(0, 0, 1, [0.5f, bad])));

        Assert.Equal((0, 1, 0), (error.Step, error.Rank, error.Stage));
        Assert.Equal(0, master.Version);
    }

    private static TrainingConfig Sgd(float learningRate) =>
        new() { LearningRate = learningRate, Momentum = 0f, WeightDecay = 0f, LearningRateSchedule = "constant" };
}
