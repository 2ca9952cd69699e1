using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Models;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>
/// The paper's other two settings run the same schedule as the data placement, so every op reads the
/// version its rule names and the results are bitwise those of <c>--parallelism data</c>
/// (issue 14): for every rule, with and without look-ahead, mlp and cnn, N = L and N = 2L.
/// </summary>
public sealed class PlacementEquivalenceSpec(ITestOutputHelper output) : ActorSpec(output)
{
    public static TheoryData<Parallelism, UpdateRule, DelayCompensation, string, int> Cases()
    {
        var cases = new TheoryData<Parallelism, UpdateRule, DelayCompensation, string, int>();
        foreach (var parallelism in new[] { Parallelism.Zero, Parallelism.Model })
        {
            foreach (var (rule, compensation) in new[]
            {
                (UpdateRule.Dp, DelayCompensation.None), (UpdateRule.CdpV1, DelayCompensation.None), (UpdateRule.CdpV1, DelayCompensation.Lookahead),
                (UpdateRule.CdpV2, DelayCompensation.None), (UpdateRule.CdpV2, DelayCompensation.Lookahead),
            })
            {
                foreach (var model in new[] { "mlp", "cnn" })
                {
                    foreach (var workers in new[] { 4, 8 })
                    {
                        cases.Add(parallelism, rule, compensation, model, workers);
                    }
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_placement_trains_bitwise_as_the_data_placement(Parallelism parallelism, UpdateRule rule, DelayCompensation compensation, string model, int workers)
    {
        var config = TrainingFixtures.Config(model, workers, steps: 3, microBatch: 2);
        var data = TrainingFixtures.SyntheticFor(model, 96);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = rule, Compensation = compensation };

        var baseline = await ActorTrainer.RunAsync(Sys, options, data, initial);
        var placed = await ActorTrainer.RunAsync(Sys, options with { Parallelism = parallelism }, data, initial);

        TrainingFixtures.AssertBitwiseEqual(baseline.Outcome, placed.Outcome);
        Assert.Equal(TrainingFixtures.Sha256(baseline.Outcome.FinalParameters), TrainingFixtures.Sha256(placed.Outcome.FinalParameters));
        Assert.Equal(0, placed.VersionViolations);
        Assert.Equal(baseline.LookaheadOps, placed.LookaheadOps);
    }

    [Theory]
    [InlineData(UpdateRule.CdpV2, DelayCompensation.Lookahead, 4)]
    [InlineData(UpdateRule.CdpV1, DelayCompensation.None, 8)]
    [InlineData(UpdateRule.Dp, DelayCompensation.None, 4)]
    public async Task Zero_moves_each_version_over_the_links_the_baton_plan_names(UpdateRule rule, DelayCompensation compensation, int workers)
    {
        var config = TrainingFixtures.Config("mlp", workers, steps: 4, microBatch: 2);
        var data = TrainingFixtures.SyntheticFor("mlp", 96);
        var (model, partition, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = rule, Compensation = compensation };

        var broadcast = await ActorTrainer.RunAsync(Sys, options, data, initial);
        var zero = await ActorTrainer.RunAsync(Sys, options with { Parallelism = Parallelism.Zero }, data, initial);

        var stageBytes = new ParameterLayout(model, partition).StageSizes.Select(size => size * sizeof(float) * (compensation == DelayCompensation.Lookahead ? 2 : 1)).ToArray();
        var schedule = CdpSchedule.Create(workers, partition.StageCount, rule);
        var batons = new ZeroBatonPlan(schedule);
        long modelBytes = stageBytes.Sum();
        // The broadcast: each owner sends every version it makes to every worker, so a worker has had at
        // least each version it read (and those made before it finished, read or not).
        for (var worker = 0; worker < workers; worker++)
        {
            var read = Enumerable.Range(1, partition.StageCount)
                .Sum(stage => stageBytes[stage - 1] * Enumerable.Range(0, config.MaxSteps).Select(step => schedule.RequiredVersion(step, worker, stage)).Distinct().Count());
            Assert.InRange(broadcast.Parameters.FromOwnerBytes[worker], read, modelBytes * (config.MaxSteps + 1));
        }

        Assert.All(broadcast.Parameters.FromRankBytes, row => Assert.All(row, bytes => Assert.Equal(0, bytes)));

        for (var to = 0; to < workers; to++)
        {
            var hops = Enumerable.Range(0, config.MaxSteps).SelectMany(step => Enumerable.Range(1, partition.StageCount).SelectMany(stage => batons.HopsOf(step, stage))).Where(hop => hop.To == to).ToArray();
            Assert.Equal(hops.Where(hop => hop.FromOwner).Sum(hop => stageBytes[hop.Stage - 1]), zero.Parameters.FromOwnerBytes[to]);
            for (var from = 0; from < workers; from++)
            {
                Assert.Equal(hops.Where(hop => hop.From == from).Sum(hop => stageBytes[hop.Stage - 1]), zero.Parameters.FromRankBytes[to][from]);
            }
        }

        // A worker holds each stage from its forward to its backward: at its turn (F_L to B_L) the whole model.
        long parameterBytes = modelBytes / (compensation == DelayCompensation.Lookahead ? 2 : 1);
        Assert.All(zero.Parameters.WorkerPeakBytes, peak => Assert.Equal(parameterBytes, peak));
        Assert.All(broadcast.Parameters.WorkerPeakBytes, peak => Assert.Equal(parameterBytes, peak));
        if (rule != UpdateRule.Dp)
        {
            Assert.True(zero.Parameters.FromOwnerBytes.Sum() < broadcast.Parameters.FromOwnerBytes.Sum(), "The owners send fewer copies than the broadcast.");
        }
    }

    [Theory]
    [InlineData(UpdateRule.CdpV2, DelayCompensation.Lookahead, 4, 4)]
    [InlineData(UpdateRule.CdpV1, DelayCompensation.None, 8, 4)]
    [InlineData(UpdateRule.CdpV1, DelayCompensation.None, 2, 4)]
    [InlineData(UpdateRule.Dp, DelayCompensation.None, 4, 4)]
    public async Task Model_runs_on_the_placements_devices_each_holding_the_activations_the_schedule_predicts(UpdateRule rule, DelayCompensation compensation, int workers, int stages)
    {
        var config = TrainingFixtures.Config("mlp", workers, steps: 4, microBatch: 2, stages: stages);
        var data = TrainingFixtures.SyntheticFor("mlp", 96);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = rule, Compensation = compensation, Parallelism = Parallelism.Model };

        var run = await ActorTrainer.RunAsync(Sys, options, data, initial);

        var placement = ModelPlacement.Plan(CdpSchedule.Create(workers, stages, rule));
        Assert.Equal(placement.Devices.Select(device => device.Stages), run.Devices.Select(device => device.Stages));
        // No worker replicas: the devices hold the only copies.
        Assert.Empty(run.Parameters.WorkerPeakBytes);
        // A device runs its ops in tick order, so at each op it holds exactly the micro-batches the schedule says.
        Assert.All(run.Devices, device => Assert.Equal(device.PredictedActivationPeakBytes, device.MeasuredActivationPeakBytes));
        Assert.All(run.Devices, device => Assert.InRange(device.BusyFraction, 0.0, 1.0));
        if (rule != UpdateRule.Dp)
        {
            // Under CDP every device runs an op at every steady tick, so the devices' per-tick peaks add up to
            // the run's profile (under DP a device idles at most ticks, holding activations it records nowhere).
            Assert.Equal(run.Activations.PredictedPeakBytes, run.Activations.MeasuredPeakBytes);
        }
    }

    [Theory]
    [InlineData(Parallelism.Model, UpdateRule.CdpV2, DelayCompensation.Lookahead)]
    [InlineData(Parallelism.Model, UpdateRule.CdpV1, DelayCompensation.None)]
    [InlineData(Parallelism.Zero, UpdateRule.CdpV1, DelayCompensation.Lookahead)]
    [InlineData(Parallelism.Model, UpdateRule.Dp, DelayCompensation.None)]
    public async Task A_placement_takes_the_data_placements_cuts_and_resumes_from_them_bitwise(Parallelism parallelism, UpdateRule rule, DelayCompensation compensation)
    {
        var config = TrainingFixtures.Config("mlp", 4, steps: 6, microBatch: 2);
        var data = TrainingFixtures.SyntheticFor("mlp", 24);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var dataCuts = new List<TrainingCut>();
        var placedCuts = new List<TrainingCut>();
        var options = new ActorTrainingOptions { Training = config, Rule = rule, Compensation = compensation, CutEvery = 1, FinalCut = true };

        var baseline = await ActorTrainer.RunAsync(Sys, options with { OnCut = dataCuts.Add }, data, initial);
        await ActorTrainer.RunAsync(Sys, options with { Parallelism = parallelism, OnCut = placedCuts.Add }, data, initial);

        Assert.Equal(dataCuts.Select(cut => cut.Step), placedCuts.Select(cut => cut.Step));
        foreach (var (expected, actual) in dataCuts.Zip(placedCuts))
        {
            foreach (var (want, got) in expected.Stages.Zip(actual.Stages))
            {
                TrainingFixtures.AssertBits(want.Parameters, got.Parameters, $"stage {want.Stage}'s parameters in the cut at {expected.Step}");
                TrainingFixtures.AssertBits(want.Momentum, got.Momentum, $"stage {want.Stage}'s momentum in the cut at {expected.Step}");
                Assert.Equal(want.LastGradients.Length, got.LastGradients.Length);
                foreach (var (wantGradient, gotGradient) in want.LastGradients.Zip(got.LastGradients))
                {
                    TrainingFixtures.AssertBits(wantGradient, gotGradient, $"a rank's last gradient of stage {want.Stage} in the cut at {expected.Step}");
                }
            }
        }

        // A cut taken under one placement resumes under another, as a checkpoint would.
        var resumed = await ActorTrainer.RunAsync(Sys, options with { Parallelism = parallelism, Resume = dataCuts.Single(cut => cut.Step == 3), OnCut = null, CutEvery = 0, FinalCut = false }, data, initial);
        TrainingFixtures.AssertBitwiseEqual(baseline.Outcome, resumed.Outcome);
    }

    [Theory]
    [InlineData(Parallelism.Model, "device 0 (stages 1)", "F1.s0.r0")]
    [InlineData(Parallelism.Zero, "baton stage 1", "r0 s0 v0")]
    public async Task The_trace_has_a_track_per_stage_device_or_per_stages_baton(Parallelism parallelism, string track, string firstEvent)
    {
        var config = TrainingFixtures.Config("mlp", 4, steps: 2, microBatch: 2);
        var data = TrainingFixtures.SyntheticFor("mlp", 24);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var trace = Path.Combine(Path.GetTempPath(), $"placement-trace-{Guid.NewGuid():N}.json");
        try
        {
            await ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV1, Parallelism = parallelism, TracePath = trace }, data, initial);

            var events = System.Text.Json.JsonDocument.Parse(File.ReadAllText(trace)).RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();
            var tid = events.Single(e => e.GetProperty("name").GetString() == "thread_name" && e.GetProperty("args").GetProperty("name").GetString() == track).GetProperty("tid").GetInt32();
            var onTrack = events.Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("tid").GetInt32() == tid).Select(e => e.GetProperty("name").GetString()).ToArray();
            Assert.Contains(firstEvent, onTrack);
            // Model: every op of the stage (N ranks × 2 steps × forward and backward); zero: every holder of stage 1 (N ranks × 2 steps).
            Assert.Equal(parallelism == Parallelism.Model ? 16 : 8, onTrack.Length);
        }
        finally
        {
            File.Delete(trace);
        }
    }
}
