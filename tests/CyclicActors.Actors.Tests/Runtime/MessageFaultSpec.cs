using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>
/// Fault injection's message faults in one process: a late message changes nothing (the reducers
/// fold in rank order, the ring waits for its token), a lost one stalls the run, and the stall
/// timeout ends it naming the step and the ranks it waits for instead of hanging.
/// </summary>
public sealed class MessageFaultSpec
{
    private const int Steps = 8;

    [Theory]
    [InlineData("token")]
    [InlineData("gradient")]
    public void A_delayed_message_leaves_the_run_bitwise_unchanged(string kind)
    {
        var (options, data, initial) = Setup();
        var expected = ActorTrainer.Run(options, data, initial);

        var delayed = ActorTrainer.Run(options with { ConfigOverrides = $"cyclic-actors.fault-injection {{ delay-at-step = 3, message = {kind}, delay = 700ms }}" }, data, initial);

        TrainingFixtures.AssertBitwiseEqual(expected.Outcome, delayed.Outcome);
        Assert.Equal((0L, 0L), (delayed.Contributions.Lost, delayed.Contributions.RefusedTwice));
        Assert.True(delayed.Outcome.WallSeconds > 0.7, $"the delay did not hold the run back ({delayed.Outcome.WallSeconds:0.000} s)");
    }

    [Theory]
    [InlineData("token")]
    [InlineData("gradient")]
    public void A_dropped_message_stalls_the_run_and_the_stall_timeout_ends_it_naming_the_step(string kind)
    {
        var (options, data, initial) = Setup();
        var started = DateTime.UtcNow;

        var error = Assert.Throws<RunStalledException>(() => ActorTrainer.Run(options with
        {
            ConfigOverrides = $"cyclic-actors.fault-injection {{ drop-at-step = 3, message = {kind} }}\ncyclic-actors.stall-timeout = 2s",
        }, data, initial));

        Assert.Contains("no micro-batch completed for 2 s", error.Message, StringComparison.Ordinal);
        // Steps 0..2 complete before the drop; nothing after step 4 can (it needs the lost message's effects).
        Assert.Matches(@"(step [34] waits for rank\(s\) [0-9, ]+|no rank has reported step [34]) \(the last completed step is [23]\)", error.Message);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));
    }

    private static (ActorTrainingOptions Options, GpuCompute.Data.Dataset Data, float[] Initial) Setup()
    {
        var config = TrainingFixtures.Config("mlp", workers: 4, Steps);
        var data = TrainingFixtures.SyntheticFor("mlp", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        return (new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2, Compensation = DelayCompensation.Lookahead }, data, initial);
    }
}
