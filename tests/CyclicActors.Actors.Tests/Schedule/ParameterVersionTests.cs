using CyclicActors.Actors.Schedule;
using Xunit;

namespace CyclicActors.Actors.Tests.Schedule;

/// <summary>cdp-method.md §3 and §9.1 items 9–11, 13: which version each op reads and what the reducer publishes.</summary>
public sealed class ParameterVersionTests
{
    private const int Steps = 5;

    // cdp-method.md §3.3, N = 8, L = 4: rows are ranks, columns stages 1..4, 1 = fresh.
    private static readonly string[] ScheduleRuleTable = ["0000", "0001", "0001", "0011", "0011", "0111", "0111", "1111"];
    private static readonly string[] CodeRuleTable = ["0001", "0011", "0111", "1111", "1111", "1111", "1111", "1111"];

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Dp_reads_theta_k_and_v1_reads_theta_k_minus_1_everywhere(int workers, int stages)
    {
        var dp = CdpSchedule.Create(workers, stages, UpdateRule.Dp);
        var v1 = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        foreach (var (step, worker, stage) in Triples(workers, stages))
        {
            Assert.Equal(step, dp.RequiredVersion(step, worker, stage));
            Assert.Equal(Math.Max(step - 1, 0), v1.RequiredVersion(step, worker, stage));
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void V2_reads_theta_k_when_fresh_else_theta_k_minus_1(int workers, int stages)
    {
        foreach (var freshness in new[] { V2FreshnessRule.Schedule, V2FreshnessRule.PaperCode })
        {
            var v2 = CdpSchedule.Create(workers, stages, UpdateRule.CdpV2, freshness);
            foreach (var (step, worker, stage) in Triples(workers, stages))
            {
                var fresh = V2Freshness.IsFresh(freshness, workers, stages, worker, stage);
                Assert.Equal(fresh, v2.IsFresh(worker, stage));
                Assert.Equal(fresh ? step : Math.Max(step - 1, 0), v2.RequiredVersion(step, worker, stage));
            }
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Schedule_freshness_means_the_previous_step_gradient_is_complete_before_the_forward(int workers, int stages)
    {
        var v2 = CdpSchedule.Create(workers, stages, UpdateRule.CdpV2);
        for (var worker = 0; worker < workers; worker++)
        {
            for (var stage = 1; stage <= stages; stage++)
            {
                var forward = v2.TickOf(1, worker, stage, OpKind.Forward);
                var previousComplete = v2.GradientCompletionTick(0, stage);
                Assert.Equal(forward > previousComplete, v2.IsFresh(worker, stage));
            }
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Awaited_versions_exist_in_time_for_dp_v1_and_scheduled_v2(int workers, int stages)
    {
        foreach (var rule in new[] { UpdateRule.Dp, UpdateRule.CdpV1, UpdateRule.CdpV2 })
        {
            var schedule = CdpSchedule.Create(workers, stages, rule);
            foreach (var (step, worker, stage) in Triples(workers, stages))
            {
                if (schedule.StepWhoseFoldIsAwaited(step, worker, stage) is { } awaited)
                {
                    Assert.Equal(schedule.RequiredVersion(step, worker, stage), schedule.VersionPublishedAfterFolding(awaited));
                    Assert.True(
                        schedule.GradientCompletionTick(awaited, stage) < schedule.TickOf(step, worker, stage, OpKind.Forward),
                        $"{rule}: step {step} w{worker} S{stage} starts before step {awaited}'s gradient is complete");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void V1_slack_is_delta_plus_2j_minus_1(int workers, int stages)
    {
        var v1 = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        for (var step = 0; step < Steps; step++)
        {
            for (var stage = 1; stage <= stages; stage++)
            {
                // θ_{t+1} is first read by worker 0's F_j of step t + 2.
                var firstReader = Enumerable.Range(0, workers)
                    .Min(worker => v1.TickOf(step + 2, worker, stage, OpKind.Forward));
                Assert.Equal(v1.Delay + (2 * stage) - 1, firstReader - v1.GradientCompletionTick(step, stage));
            }
        }
    }

    [Fact]
    public void Paper_code_rule_for_8_by_4_reads_versions_before_they_exist()
    {
        var code = CdpSchedule.Create(8, 4, UpdateRule.CdpV2, V2FreshnessRule.PaperCode);
        var early = Triples(8, 4).Where(op => code.StepWhoseFoldIsAwaited(op.Step, op.Worker, op.Stage) is { } awaited &&
            code.GradientCompletionTick(awaited, op.Stage) >= code.TickOf(op.Step, op.Worker, op.Stage, OpKind.Forward));
        Assert.NotEmpty(early);
    }

    [Fact]
    public void Freshness_tables_for_8_workers_4_stages_match_the_note()
    {
        for (var worker = 0; worker < 8; worker++)
        {
            Assert.Equal(ScheduleRuleTable[worker], Row(V2FreshnessRule.Schedule, 8, 4, worker));
            Assert.Equal(CodeRuleTable[worker], Row(V2FreshnessRule.PaperCode, 8, 4, worker));
        }

        Assert.Equal(16, ScheduleRuleTable.Sum(row => row.Count(c => c == '1')));
        Assert.Equal(26, CodeRuleTable.Sum(row => row.Count(c => c == '1')));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Freshness_rules_coincide_when_n_equals_l(int n)
    {
        for (var worker = 0; worker < n; worker++)
        {
            Assert.Equal(Row(V2FreshnessRule.PaperCode, n, n, worker), Row(V2FreshnessRule.Schedule, n, n, worker));
            for (var stage = 1; stage <= n; stage++)
            {
                Assert.Equal(worker + stage >= n, V2Freshness.IsFresh(V2FreshnessRule.Schedule, n, n, worker, stage));
            }
        }
    }

    [Fact]
    public void V2_with_three_workers_and_stages_is_stale_only_for_w0_s1_s2_and_w1_s1()
    {
        var v2 = CdpSchedule.Create(3, 3, UpdateRule.CdpV2);
        var stale = Triples(3, 3).Where(t => t.Step == 0).Where(t => !v2.IsFresh(t.Worker, t.Stage))
            .Select(t => (t.Worker, t.Stage));
        Assert.Equal([(0, 1), (0, 2), (1, 1)], stale);
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void V1_stale_marks_are_the_ops_of_step_k_run_in_window_k(int workers, int stages)
    {
        var v1 = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        var dp = CdpSchedule.Create(workers, stages, UpdateRule.Dp);
        var delta = 2 * stages / workers;
        for (var worker = 0; worker < workers; worker++)
        {
            foreach (var op in v1.OpsForWorker(worker, Steps))
            {
                var windowStart = (2L * stages * op.Step) + ((workers - 1) * delta);
                Assert.Equal(op.Step >= 1 && op.Tick >= windowStart, v1.IsStale(op));
                Assert.Equal(v1.IsStale(op), v1.IsStale(op.Step, op.Worker, op.Stage, op.Kind));
            }

            Assert.All(dp.OpsForWorker(worker, Steps), op => Assert.False(dp.IsStale(op)));
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void First_iteration_updates_nothing_under_v1_and_only_fresh_blocks_under_v2(int workers, int stages)
    {
        var dp = CdpSchedule.Create(workers, stages, UpdateRule.Dp);
        var v1 = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        var v2 = CdpSchedule.Create(workers, stages, UpdateRule.CdpV2, V2FreshnessRule.PaperCode);
        for (var worker = 0; worker < workers; worker++)
        {
            for (var stage = 1; stage <= stages; stage++)
            {
                Assert.True(dp.AppliesUpdateAtStep(0, worker, stage));
                Assert.False(v1.AppliesUpdateAtStep(0, worker, stage));
                Assert.Equal(stage - 1 >= stages - 1 - worker, v2.AppliesUpdateAtStep(0, worker, stage));
                Assert.True(v1.AppliesUpdateAtStep(1, worker, stage));
                Assert.True(v2.AppliesUpdateAtStep(1, worker, stage));
            }
        }
    }

    /// <summary>
    /// The authors' code keeps one copy per rank and applies G_t or G_{t−1} at the end of iteration t.
    /// Replaying that must always hand step t + 1 exactly the version our reducer view says it reads,
    /// and each applied G_s must move a copy from θ_s to θ_{s+1}, the version the reducer publishes.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Replaying_the_reference_code_yields_the_required_versions(int workers, int stages)
    {
        foreach (var schedule in AllRules(workers, stages))
        {
            for (var worker = 0; worker < workers; worker++)
            {
                for (var stage = 1; stage <= stages; stage++)
                {
                    var copyVersion = 0;
                    for (var iteration = 0; iteration < Steps; iteration++)
                    {
                        Assert.Equal(schedule.RequiredVersion(iteration, worker, stage), copyVersion);
                        if (schedule.ReferenceAppliedGradientStep(iteration, worker, stage) is { } applied)
                        {
                            Assert.Equal(copyVersion, applied);
                            copyVersion = schedule.VersionPublishedAfterFolding(applied);
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Reducer_publishes_version_t_plus_1_after_folding_step_t_for_every_rule()
    {
        foreach (var schedule in AllRules(4, 4))
        {
            Assert.Equal([1, 2, 3, 4], Enumerable.Range(0, 4).Select(schedule.VersionPublishedAfterFolding));
        }
    }

    [Fact]
    public void Figure_1_steps_0_and_1_read_theta_0_and_step_2_reads_theta_1()
    {
        var v1 = CdpSchedule.Create(3, 3, UpdateRule.CdpV1);
        Assert.Equal([0, 0, 1], Enumerable.Range(0, 3).Select(step => v1.RequiredVersion(step, 2, 3)));
        Assert.Null(v1.StepWhoseFoldIsAwaited(1, 0, 1));
        Assert.Equal(0, v1.StepWhoseFoldIsAwaited(2, 0, 1));
    }

    private static string Row(V2FreshnessRule rule, int workers, int stages, int worker) =>
        string.Concat(Enumerable.Range(1, stages).Select(stage => V2Freshness.IsFresh(rule, workers, stages, worker, stage) ? '1' : '0'));

    private static IEnumerable<CdpSchedule> AllRules(int workers, int stages) =>
    [
        CdpSchedule.Create(workers, stages, UpdateRule.Dp),
        CdpSchedule.Create(workers, stages, UpdateRule.CdpV1),
        CdpSchedule.Create(workers, stages, UpdateRule.CdpV2, V2FreshnessRule.Schedule),
        CdpSchedule.Create(workers, stages, UpdateRule.CdpV2, V2FreshnessRule.PaperCode),
    ];

    private static IEnumerable<(int Step, int Worker, int Stage)> Triples(int workers, int stages)
    {
        for (var step = 0; step < Steps; step++)
        {
            for (var worker = 0; worker < workers; worker++)
            {
                for (var stage = 1; stage <= stages; stage++)
                {
                    yield return (step, worker, stage);
                }
            }
        }
    }
}
