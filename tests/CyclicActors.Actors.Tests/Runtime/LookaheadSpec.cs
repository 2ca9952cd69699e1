using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>Look-ahead compensation at the level of whole runs.</summary>
public sealed class LookaheadSpec(ITestOutputHelper output) : ActorSpec(output)
{
    /// <summary>
    /// When every micro-batch has the same gradient g, the fold (g + g)·½ is exactly g for N = 2,
    /// so each worker's look-ahead point θ_{t−1} − η·(μ·v_{t−2} + g_{t−1} + wd·θ_{t−1}), computed
    /// with the backend's own SGD step, is bitwise the θ_t the reducer makes; by induction every op
    /// of CDP-v1 runs at DP's parameters and the runs are bitwise equal. (For N = 4 the fold
    /// ((g + g) + g) + g rounds at 3g, so there it holds only to the last ulp; N = 2 is asserted.)
    /// </summary>
    [Fact]
    public async Task Cdp_v1_with_lookahead_equals_dp_bitwise_when_every_sample_is_the_same()
    {
        var config = TrainingFixtures.Config("mlp", workers: 2, steps: 5);
        var data = TrainingFixtures.IdenticalSamples(32);
        var (_, _, initial) = TrainingFixtures.Build(config, data);

        var dp = TrainingFixtures.Reference(config, data);
        var cdp = await ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV1, Compensation = DelayCompensation.Lookahead }, data, initial);
        var uncompensated = TrainingFixtures.Simulate(config, data, UpdateRule.CdpV1);

        TrainingFixtures.AssertBitwiseEqual(dp, cdp.Outcome);
        // Without the look-ahead the one-step delay does change the result.
        Assert.NotEqual(TrainingFixtures.Sha256(dp.FinalParameters), TrainingFixtures.Sha256(uncompensated.FinalParameters));
    }
}
