using Akka.Actor;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Reduce;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>One reducer actor driven through probes (a probe is its one subscriber).</summary>
public sealed class ReducerActorSpec(ITestOutputHelper output) : ActorSpec(output)
{
    [Fact]
    public void Publishes_theta_0_then_the_rank_ordered_sgd_step_after_the_last_contribution_in_any_order()
    {
        var hyper = new SgdHyperParameters(0.1f, 0.9f, 0.01f);
        float[] initial = [1f, -2f, 0.5f];
        float[][] gradients = [[0.1f, 0.2f, 0.3f], [1e-7f, -0.4f, 0.25f], [0.3f, 0.3f, -1f]];
        var workers = CreateTestProbe();
        var setup = new ReducerSetup(0, TrainingFixtures.OneStagePlan(workers: 3, initial, Constant(hyper), DelayCompensation.Lookahead), new MemoryLedger(), null);
        var reducer = Sys.ActorOf(Props.Create(() => new ReducerActor(setup)));
        reducer.Tell(new ReducerWired([workers.Ref]));

        reducer.Tell(new StartTraining(1));
        var first = workers.ExpectMsg<ParametersPublished>();
        Assert.Equal(0, first.Version);
        Assert.Equal(initial, first.Parameters);
        Assert.Equal(new float[3], first.Momentum);

        foreach (int rank in new[] { 2, 0 })
        {
            reducer.Tell(new GradientContributed(0, 0, rank, gradients[rank]));
        }

        workers.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        reducer.Tell(new GradientContributed(0, 0, 1, gradients[1]));
        var next = workers.ExpectMsg<ParametersPublished>();
        Assert.Equal(1, next.Version);
        var (expectedParameters, expectedMomentum) = OneStep(initial, gradients, hyper);
        Assert.Equal(expectedParameters, next.Parameters);
        Assert.Equal(expectedMomentum, next.Momentum);

        reducer.Tell(new FinalStateRequested(1));
        var final = ExpectMsg<FinalStageState>();
        Assert.Equal((0, 1), (final.Stage, final.Version));
        Assert.Equal(expectedParameters, final.Parameters);
    }

    [Fact]
    public void Answers_a_final_state_request_only_once_the_steps_are_folded()
    {
        var workers = CreateTestProbe();
        var setup = new ReducerSetup(0, TrainingFixtures.OneStagePlan(workers: 1, [1f], Constant(new SgdHyperParameters(0.5f, 0f, 0f)), DelayCompensation.None), new MemoryLedger(), null);
        var reducer = Sys.ActorOf(Props.Create(() => new ReducerActor(setup)));
        reducer.Tell(new ReducerWired([workers.Ref]));
        reducer.Tell(new FinalStateRequested(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        reducer.Tell(new GradientContributed(0, 0, 0, [2f]));
        var final = ExpectMsg<FinalStageState>();
        Assert.Equal([0f], final.Parameters);
        Assert.Empty(workers.ExpectMsg<ParametersPublished>().Momentum);
    }

    [Fact]
    public void Gives_each_folded_contribution_back_to_the_buffers_once_and_keeps_those_a_cut_holds()
    {
        var buffers = new GradientBuffers(capacity: 8);
        var workers = CreateTestProbe();
        var setup = new ReducerSetup(0, TrainingFixtures.OneStagePlan(workers: 2, [1f, 2f], Constant(new SgdHyperParameters(0.5f, 0f, 0f)), DelayCompensation.None), new MemoryLedger(), null, Buffers: buffers);
        var reducer = Sys.ActorOf(Props.Create(() => new ReducerActor(setup)));
        reducer.Tell(new ReducerWired([workers.Ref]));
        reducer.Tell(new StartTraining(1));
        workers.ExpectMsg<ParametersPublished>();
        float[][] sent = [[1f, 1f], [2f, 2f]];

        // Rank 1 first: it waits for rank 0's fold, so it goes back only after it.
        reducer.Tell(new GradientContributed(0, 0, 1, sent[1]));
        reducer.Tell(new GradientContributed(0, 0, 0, sent[0]));
        workers.ExpectMsg<ParametersPublished>();

        // The spec serializes every message, so the reducer folds copies: the arrays back are those copies.
        Assert.Equal(2, buffers.Held);
        var reused = new[] { buffers.Rent(2), buffers.Rent(2) };
        Assert.Equal(sent.Select(array => array[0]), reused.Select(array => array[0]).Order());
        Assert.Equal(0, buffers.Held);

        // CDP-v1 with look-ahead and a cut at every step: the cut at 1 holds each rank's gradient of step 0, so none goes back.
        var cuts = CreateTestProbe();
        var cutting = TrainingFixtures.OneStagePlan(workers: 2, [1f, 2f], Constant(new SgdHyperParameters(0.5f, 0f, 0f)), DelayCompensation.Lookahead);
        cutting = cutting with { Options = cutting.Options with { CutEvery = 1 }, Schedule = CdpSchedule.Create(2, 1, UpdateRule.CdpV1) };
        var cuttingSetup = setup with { Plan = cutting };
        var keeper = Sys.ActorOf(Props.Create(() => new ReducerActor(cuttingSetup)));
        keeper.Tell(new ReducerWired([workers.Ref], cuts.Ref));
        keeper.Tell(new StartTraining(1));
        keeper.Tell(new GradientContributed(0, 0, 0, sent[0]));
        keeper.Tell(new GradientContributed(0, 0, 1, sent[1]));
        var cut = cuts.ExpectMsg<StageCut>();

        Assert.Equal(1, cut.Step);
        Assert.Equal(sent, cut.LastGradients);
        Assert.Equal(0, buffers.Held);
    }

    private static (float[] Parameters, float[] Momentum) OneStep(float[] initial, float[][] gradients, SgdHyperParameters hyper)
    {
        using IComputeBackend backend = new CpuBackend();
        using var optimizer = new StageOptimizer(backend, initial.Length, gradients.Length);
        using var parameters = backend.Allocate(initial.Length, MemoryTag.Parameters);
        using var gradient = backend.Allocate(initial.Length, MemoryTag.Gradients);
        backend.Upload(initial, parameters);
        for (int rank = 0; rank < gradients.Length; rank++)
        {
            backend.Upload(gradients[rank], gradient);
            optimizer.Accumulate(rank, gradient);
        }

        optimizer.Apply(parameters, hyper);
        var p = new float[initial.Length];
        var m = new float[initial.Length];
        backend.Download(parameters, p);
        backend.Download(optimizer.Momentum, m);
        return (p, m);
    }

    private static TrainingConfig Constant(SgdHyperParameters hyper) => new()
    {
        LearningRate = hyper.LearningRate,
        Momentum = hyper.Momentum,
        WeightDecay = hyper.WeightDecay,
        LearningRateSchedule = "constant",
    };
}
