using CyclicActors.Actors.Plan;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Tests.Plan;

public sealed class TraceCostsTests
{
    private const string Trace = """
        {"displayTimeUnit":"ms","traceEvents":[
          {"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"reducer 0"}},
          {"ph":"M","name":"thread_name","pid":1,"tid":2,"args":{"name":"worker 0"}},
          {"ph":"X","name":"F1.s0","cat":"op","pid":1,"tid":2,"ts":0,"dur":90000},
          {"ph":"X","name":"F1.s1","cat":"op","pid":1,"tid":2,"ts":100,"dur":1000},
          {"ph":"X","name":"F1.s2","cat":"op","pid":1,"tid":2,"ts":5000,"dur":3000},
          {"ph":"X","name":"F1.s3","cat":"op","pid":1,"tid":2,"ts":9000,"dur":2000},
          {"ph":"X","name":"B1.s1","cat":"op","pid":1,"tid":2,"ts":1200,"dur":2500},
          {"ph":"X","name":"load","cat":"baton","pid":1,"tid":2,"ts":1200,"dur":99999},
          {"ph":"i","name":"grad s1 r0","cat":"gradient","pid":1,"tid":1,"ts":3800,"s":"t"},
          {"ph":"i","name":"grad s1 r1","cat":"gradient","pid":1,"tid":1,"ts":4100,"s":"t"},
          {"ph":"i","name":"publish v2","cat":"parameters","pid":1,"tid":1,"ts":4400,"s":"t"}
        ]}
        """;

    [Fact]
    public void Without_reducer_spans_op_costs_are_the_means_of_the_spans_after_the_first_step_and_the_update_runs_from_the_last_gradient_to_the_publication()
    {
        var times = TraceCosts.Read(Trace, stages: 1);

        Assert.Equal(0.002, times.ForwardSeconds[0], 12);
        Assert.Equal(0.0025, times.BackwardSeconds[0], 12);
        Assert.Equal(0.0003, times.UpdateSeconds[0], 12);
        Assert.Equal(0, times.FoldSeconds[0]);
        Assert.Equal(4, times.Samples);
        Assert.Null(times.Handling);
    }

    [Fact]
    public void The_spread_of_op_times_is_their_coefficient_of_variation_weighted_by_work()
    {
        // F1 after the first step: 1, 3 and 2 ms (mean 2, sd sqrt(2/3) ms); B1 one span, too few to vary.
        var times = TraceCosts.Read(Trace, stages: 1);
        Assert.Equal(Math.Sqrt(2.0 / 3.0) / 2, times.ForwardSpread![0], 12);
        Assert.Equal(0, times.BackwardSpread![0]);
        // Weighted by the ops' mean times: F1 2 ms, B1 2.5 ms.
        var stage = new StageCost(times.ForwardSeconds[0], times.BackwardSeconds[0], 0, 0, 0, 0, ForwardSpread: times.ForwardSpread![0], BackwardSpread: times.BackwardSpread![0]);
        Assert.Equal(2 * (Math.Sqrt(2.0 / 3.0) / 2) / 4.5, StageCost.OpTimeSpread([stage]), 12);

        // A long op that varies little and a short one that varies much: the long one's time dominates.
        Assert.Equal(0.1, TraceCosts.Spread([9.0, 11.0]), 12);
        Assert.Equal(0.5, TraceCosts.Spread([0.1, 0.3]), 12);
        Assert.Equal(((10 * 0.1) + (0.2 * 0.5)) / 10.2, StageCost.OpTimeSpread([new StageCost(10.0, 0.2, 0, 0, 0, 0, ForwardSpread: 0.1, BackwardSpread: 0.5)]), 12);
        Assert.Equal(0, TraceCosts.Spread([4.0]));
        Assert.Equal(0, StageCost.OpTimeSpread([]));
        Assert.Equal(0, StageCost.OpTimeSpread([new StageCost(1.0, 1.0, 0, 0, 0, 0)]));
    }

    [Fact]
    public void Given_the_recording_machines_slots_a_span_shared_with_other_ops_counts_only_its_full_speed_work()
    {
        // On one slot, F and B of worker 0 overlap for 2 ms (each ran at half speed then); worker 1's
        // F runs in another process and shares nothing with them.
        const string shared = """
            {"traceEvents":[
              {"ph":"X","name":"F1.s1","cat":"op","pid":1,"tid":2,"ts":0,"dur":4000},
              {"ph":"X","name":"B1.s1","cat":"op","pid":1,"tid":3,"ts":2000,"dur":4000},
              {"ph":"X","name":"F1.s1","cat":"op","pid":2,"tid":2,"ts":1000,"dur":3000}
            ]}
            """;

        var kept = TraceCosts.Read(shared, stages: 1);
        var oneSlot = TraceCosts.Read(shared, stages: 1, recordedSlots: 1);
        var twoSlots = TraceCosts.Read(shared, stages: 1, recordedSlots: 2);

        Assert.Equal(0.0035, kept.ForwardSeconds[0], 12);
        Assert.Equal(0.004, kept.BackwardSeconds[0], 12);
        Assert.Equal(0.003, oneSlot.ForwardSeconds[0], 12); // mean of 3 ms (2 alone + 2 halved) and 3 ms
        Assert.Equal(0.003, oneSlot.BackwardSeconds[0], 12);
        Assert.Equal(0.004, twoSlots.BackwardSeconds[0], 12);
        // Half a core: even a span alone did half its length of full-speed work (worker 0's F: 2 ms at a
        // half and 2 ms at a quarter; worker 1's: 3 ms at a half).
        var halfSlot = TraceCosts.Read(shared, stages: 1, recordedSlots: 0.5);
        Assert.Equal(0.0015, halfSlot.ForwardSeconds[0], 12);
        Assert.Equal(0.0015, halfSlot.BackwardSeconds[0], 12);
    }

    [Fact]
    public void Processes_that_shared_one_hosts_cores_count_each_others_spans_in_the_sharing()
    {
        // Two processes on one core: process 1's F overlaps process 2's F for 2 ms (half speed each then),
        // and process 2's CPU samples show 1 ms no span covers. Per process, each had the core to itself.
        const string twoProcesses = """
            {"traceEvents":[
              {"ph":"C","name":"process cpu microseconds","cat":"cpu","pid":2,"tid":0,"ts":1000,"args":{"microseconds":0}},
              {"ph":"X","name":"F1.s1","cat":"op","pid":1,"tid":2,"ts":0,"dur":4000},
              {"ph":"X","name":"B1.s1","cat":"op","pid":1,"tid":2,"ts":4000,"dur":2000},
              {"ph":"X","name":"F1.s1","cat":"op","pid":2,"tid":2,"ts":1000,"dur":2000},
              {"ph":"X","name":"B1.s1","cat":"op","pid":2,"tid":2,"ts":3000,"dur":2000},
              {"ph":"C","name":"process cpu microseconds","cat":"cpu","pid":2,"tid":0,"ts":5000,"args":{"microseconds":3000}}
            ]}
            """;

        var apart = TraceCosts.Read(twoProcesses, stages: 1, recordedSlots: 1);
        var host = TraceCosts.Read(twoProcesses, stages: 1, recordedSlots: 1, slotsSharedByProcesses: true);

        Assert.Equal(0.003, apart.ForwardSeconds[0], 12);
        // Process 1's F: 1 ms alone, 3 ms beside process 2's ops (1.5 ms of work): 2.5 ms; process 2's F 1 ms.
        Assert.Equal(0.00175, host.ForwardSeconds[0], 12);
        // Process 1's B: 1 ms beside process 2's B, 1 ms alone (1.5 ms); process 2's B shared all its 2 ms (1 ms).
        Assert.Equal(0.00125, host.BackwardSeconds[0], 12);
        // Process 2 used 3 ms of CPU over its window, where its spans did 2 ms of work on the shared core
        // (4 ms counted per process): 1 ms untraced over its 2 ops.
        Assert.Equal(0.0005, host.UntracedSecondsPerOp, 12);
        Assert.Equal(0, apart.UntracedSecondsPerOp);
    }

    [Fact]
    public void A_trace_with_handling_and_reducer_spans_gives_every_cost_and_counts_them_in_the_sharing()
    {
        // Stage 1 on one worker and its reducer; step 0 is left out. The fold is the mean of the
        // folds (1, 3 and 3 ms), the update what its span costs beyond one (5 − 7/3 ms). No look-ahead ran.
        const string traced = """
            {"traceEvents":[
              {"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"reducer 0"}},
              {"ph":"M","name":"thread_name","pid":1,"tid":2,"args":{"name":"worker 0"}},
              {"ph":"X","name":"L1.s0","cat":"handling","pid":1,"tid":2,"ts":20000,"dur":50000},
              {"ph":"X","name":"L1.s1","cat":"handling","pid":1,"tid":2,"ts":0,"dur":400},
              {"ph":"X","name":"F1.s1","cat":"op","pid":1,"tid":2,"ts":400,"dur":2000},
              {"ph":"X","name":"B1.s1","cat":"op","pid":1,"tid":2,"ts":2400,"dur":3000},
              {"ph":"X","name":"H1.s1","cat":"handling","pid":1,"tid":2,"ts":5400,"dur":600},
              {"ph":"X","name":"fold s1 r1","cat":"reduce","pid":1,"tid":1,"ts":6000,"dur":1000},
              {"ph":"X","name":"fold s1 r2","cat":"reduce","pid":1,"tid":1,"ts":7000,"dur":3000},
              {"ph":"X","name":"update s1 r0","cat":"reduce","pid":1,"tid":1,"ts":10000,"dur":5000},
              {"ph":"X","name":"fold s2 r0","cat":"reduce","pid":1,"tid":1,"ts":2400,"dur":3000}
            ]}
            """;

        var kept = TraceCosts.Read(traced, stages: 1);
        var oneSlot = TraceCosts.Read(traced, stages: 1, recordedSlots: 1);

        Assert.Equal(0.007 / 3, kept.FoldSeconds[0], 12);
        Assert.Equal(0.005 - (0.007 / 3), kept.UpdateSeconds[0], 12);
        var (load, lookahead, handoff) = Assert.Single(kept.Handling!);
        Assert.Equal(0.0004, load, 12);
        Assert.True(double.IsNaN(lookahead));
        Assert.Equal(0.0006, handoff, 12);
        Assert.Equal(2, kept.Samples);
        // On one slot, B1 shared its whole span with the reducer's fold of step 2: half of it was its own work.
        Assert.Equal(0.0015, oneSlot.BackwardSeconds[0], 12);
        Assert.Equal(0.002, oneSlot.ForwardSeconds[0], 12);
    }

    [Fact]
    public void A_sharded_reducers_spans_count_together_as_the_stages_cost()
    {
        // Stage 1's reducer in 2 shards, each folding its half (1 ms) and updating it (2 ms with its last fold).
        const string sharded = """
            {"traceEvents":[
              {"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"reducer 0.0"}},
              {"ph":"M","name":"thread_name","pid":1,"tid":3,"args":{"name":"reducer 0.1"}},
              {"ph":"X","name":"F1.s1","cat":"op","pid":1,"tid":2,"ts":0,"dur":1000},
              {"ph":"X","name":"B1.s1","cat":"op","pid":1,"tid":2,"ts":1000,"dur":1000},
              {"ph":"X","name":"fold s1 r0","cat":"reduce","pid":1,"tid":1,"ts":2000,"dur":1000},
              {"ph":"X","name":"update s1 r1","cat":"reduce","pid":1,"tid":1,"ts":3000,"dur":2000},
              {"ph":"X","name":"fold s1 r0","cat":"reduce","pid":1,"tid":3,"ts":2000,"dur":1000},
              {"ph":"X","name":"update s1 r1","cat":"reduce","pid":1,"tid":3,"ts":3000,"dur":2000}
            ]}
            """;

        var times = TraceCosts.Read(sharded, stages: 1);

        Assert.Equal(0.002, times.FoldSeconds[0], 12);
        Assert.Equal(0.004 - 0.002, times.UpdateSeconds[0], 12);
    }

    [Fact]
    public void The_process_cpu_that_no_span_covers_is_spread_over_the_ops_that_started_between_its_samples_and_kept_apart_from_them()
    {
        // 4 ms of spans one at a time, while the process used 6 ms of CPU: 2 ms untraced over 2 ops.
        // The sample before step 1 began is left out, as is the op of step 0.
        const string sampled = """
            {"traceEvents":[
              {"ph":"C","name":"process cpu microseconds","cat":"cpu","pid":1,"tid":0,"ts":-5000,"args":{"microseconds":1}},
              {"ph":"X","name":"F1.s0","cat":"op","pid":1,"tid":2,"ts":-3000,"dur":1000},
              {"ph":"C","name":"process cpu microseconds","cat":"cpu","pid":1,"tid":0,"ts":0,"args":{"microseconds":9000}},
              {"ph":"X","name":"F1.s1","cat":"op","pid":1,"tid":2,"ts":0,"dur":2000},
              {"ph":"X","name":"B1.s1","cat":"op","pid":1,"tid":2,"ts":2000,"dur":2000},
              {"ph":"C","name":"process cpu microseconds","cat":"cpu","pid":1,"tid":0,"ts":4000,"args":{"microseconds":15000}}
            ]}
            """;

        var times = TraceCosts.Read(sampled, stages: 1, recordedSlots: 2);

        Assert.Equal(0.001, times.UntracedSecondsPerOp, 12);
        Assert.Equal(0.002, times.ForwardSeconds[0], 12);
        Assert.Equal(0.002, times.BackwardSeconds[0], 12);
        Assert.Equal(0, TraceCosts.Read(Trace, stages: 1, recordedSlots: 2).UntracedSecondsPerOp);
    }

    [Fact]
    public void In_a_cluster_trace_the_untraced_cpu_is_fitted_as_a_cost_per_op_and_a_cost_per_byte_each_process_sent_or_received()
    {
        // Three processes, two ops of 2 ms each between CPU samples at 0 and 4 ms: 4 ms traced apiece.
        // Process 1 sends 1 MB to process 2 inside the window (and 50 MB after it, left out); process 3 moves nothing.
        // Untraced: 3, 3 and 2 ms, which is 1 ms an op plus 1 ns a byte sent or received.
        static string Process(int pid, int port, long cpuAtEnd) => $$$"""
              {"ph":"M","name":"process_name","pid":{{{pid}}},"tid":0,"args":{"name":"akka.tcp://cyclic@10.0.0.{{{pid}}}:{{{port}}}"}},
              {"ph":"C","name":"process cpu microseconds","cat":"cpu","pid":{{{pid}}},"tid":0,"ts":0,"args":{"microseconds":1000}},
              {"ph":"X","name":"F1.s1","cat":"op","pid":{{{pid}}},"tid":2,"ts":0,"dur":2000},
              {"ph":"X","name":"B1.s1","cat":"op","pid":{{{pid}}},"tid":2,"ts":2000,"dur":2000},
              {"ph":"C","name":"process cpu microseconds","cat":"cpu","pid":{{{pid}}},"tid":0,"ts":4000,"args":{"microseconds":{{{1000 + cpuAtEnd}}}}},
            """;
        string trace = $$$"""
            {"traceEvents":[
            {{{Process(1, 4001, 7000)}}}
            {{{Process(2, 4002, 7000)}}}
            {{{Process(3, 4003, 6000)}}}
              {"ph":"M","name":"thread_name","pid":1,"tid":3,"args":{"name":"link 10.0.0.1:4001->10.0.0.2:4002 gradients"}},
              {"ph":"X","name":"s0.r0@1","cat":"transfer","pid":1,"tid":3,"ts":1000,"dur":500,"args":{"bytes":1000000}},
              {"ph":"X","name":"s0.r0@2","cat":"transfer","pid":1,"tid":3,"ts":5000,"dur":500,"args":{"bytes":50000000}}
            ]}
            """;

        var times = TraceCosts.Read(trace, stages: 1, recordedSlots: 2);

        Assert.Equal(0.001, times.UntracedSecondsPerOp, 9);
        Assert.Equal(1e-9, times.UntracedSecondsPerByte, 15);
    }

    [Fact]
    public void The_fit_never_gives_a_negative_cost_and_keeps_a_cost_per_op_where_bytes_are_in_exact_proportion_to_ops()
    {
        // Exact: 2 ms an op and 3 ns a byte.
        TraceCosts.UntracedCpu[] exact = [new(0.2 + 0.003, 100, 1_000_000), new(0.2 + 0.030, 100, 10_000_000), new(0.4 + 0.006, 200, 2_000_000)];
        var (perOp, perByte) = TraceCosts.FitUntraced(exact);
        Assert.Equal(0.002, perOp, 9);
        Assert.Equal(3e-9, perByte, 15);

        // One process, or bytes in proportion to ops: all per op (its least-squares slope), as without bytes.
        AssertPerOpOnly(0.002, TraceCosts.FitUntraced([new(0.2, 100, 5_000_000)]));
        AssertPerOpOnly(0.003, TraceCosts.FitUntraced([new(0.2, 100, 1_000_000), new(0.4, 100, 1_000_000)]));
        // More bytes with less CPU: no negative cost per byte, all per op.
        AssertPerOpOnly(0.0015, TraceCosts.FitUntraced([new(0.1, 100, 10_000_000), new(0.2, 100, 1_000_000)]));
        // The CPU follows the bytes more than in proportion: no negative cost per op, all per byte.
        var (noOp, bytesOnly) = TraceCosts.FitUntraced([new(0.001, 100, 1_000_000), new(0.1, 100, 10_000_000)]);
        Assert.Equal(0.0, noOp);
        Assert.True(bytesOnly > 0);
        Assert.Equal((0.0, 0.0), TraceCosts.FitUntraced([]));
        // Transfers but no ops (a seed alone): all per byte.
        var (seedOp, seedByte) = TraceCosts.FitUntraced([new(0.002, 0, 1_000_000), new(0.004, 0, 2_000_000)]);
        Assert.Equal(0, seedOp);
        Assert.Equal(2e-9, seedByte, 15);

        static void AssertPerOpOnly(double perOp, (double PerOp, double PerByte) fit)
        {
            Assert.Equal(perOp, fit.PerOp, 12);
            Assert.Equal(0, fit.PerByte);
        }
    }

    [Fact]
    public void Where_every_process_does_about_the_same_share_the_single_cost_that_fits_better_takes_it_all()
    {
        // Four emulated hosts of an mlp-deep look-ahead run at 100 Mbit/s (seconds, ops, bytes as the trace
        // gave them): ops and bytes nearly in proportion (1 − cos² = 4e-4), the fit of both ill-conditioned.
        // The CPU follows the bytes (the process that moved 1,006 MB used the least), so it is all per byte.
        TraceCosts.UntracedCpu[] lookahead = [new(16.675, 56, 1_099_300_000), new(17.823, 55, 1_137_100_000), new(18.211, 56, 1_137_100_000), new(16.956, 49, 1_006_200_000)];
        var (perOp, perByte) = TraceCosts.FitUntraced(lookahead);
        Assert.Equal(0, perOp);
        double megabytes = lookahead.Sum(p => p.Bytes / 1e6 * (p.Bytes / 1e6));
        Assert.Equal(lookahead.Sum(p => p.Bytes / 1e6 * p.Seconds) / megabytes / 1e6, perByte, 15);
        Assert.InRange(perByte, 15e-9, 16e-9);

        // The same bytes with CPU that follows the ops instead: all per op.
        TraceCosts.UntracedCpu[] byOps = [new(5.6, 56, 1_099_300_000), new(5.5, 55, 1_137_100_000), new(5.6, 56, 1_137_100_000), new(4.9, 49, 1_006_200_000)];
        var (onlyOp, noByte) = TraceCosts.FitUntraced(byOps);
        Assert.Equal(0.1, onlyOp, 12);
        Assert.Equal(0, noByte);
    }

    [Theory]
    [InlineData("[1,2]", "no traceEvents array")]
    [InlineData("{\"traceEvents\":[]}", "no forward or backward op of stage 1")]
    [InlineData("not json", "not a Chrome trace (JSON)")]
    public void A_file_that_is_not_a_trace_of_the_model_is_refused_saying_why(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => TraceCosts.Read(json, stages: 1));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_files_stage_costs_are_read_back_exactly_and_another_stage_count_is_refused()
    {
        const string plan = """
            {"model":"mlp","stage_costs":[
              {"stage":1,"forward_seconds":0.001,"backward_seconds":0.002,"fold_seconds":0.0001,"update_seconds":0.0002,"load_seconds":0.0003,"lookahead_seconds":0.0004,"handoff_seconds":0.0005},
              {"stage":2,"forward_seconds":0.01,"backward_seconds":0.02,"fold_seconds":0.001,"update_seconds":0.002,"load_seconds":0.003,"lookahead_seconds":0.004,"handoff_seconds":0.005}]}
            """;

        Assert.True(SavedCosts.IsPlanFile(plan));
        Assert.False(SavedCosts.IsPlanFile(Trace));
        var times = SavedCosts.Read(plan, stages: 2);
        Assert.Equal([0.001, 0.01], times.ForwardSeconds);
        Assert.Equal([0.002, 0.02], times.BackwardSeconds);
        Assert.Equal([0.0002, 0.002], times.UpdateSeconds);
        Assert.Equal((0.003, 0.004, 0.005), times.Handling![1]);
        Assert.Equal(0, times.UntracedSecondsPerByte);
        var withTransport = plan.Replace("{\"model\":\"mlp\",", "{\"model\":\"mlp\",\"transport\":{\"endpoint_cpu_seconds_per_byte\":2.5e-9},", StringComparison.Ordinal);
        Assert.Equal(2.5e-9, SavedCosts.Read(withTransport, stages: 2).UntracedSecondsPerByte);
        var negative = withTransport.Replace("2.5e-9", "-1", StringComparison.Ordinal);
        Assert.Contains("endpoint_cpu_seconds_per_byte", Assert.Throws<InvalidDataException>(() => SavedCosts.Read(negative, stages: 2)).Message, StringComparison.Ordinal);
        var error = Assert.Throws<InvalidDataException>(() => SavedCosts.Read(plan, stages: 4));
        Assert.Contains("costs of 2 stages, but the model has 4 stages", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_files_buffer_events_are_read_back_and_events_that_are_not_fractions_bytes_and_changes_in_order_are_refused()
    {
        const string plan = """
            {"model":"mlp","stage_costs":[
              {"stage":1,"forward_seconds":0.001,"backward_seconds":0.002,"fold_seconds":0,"update_seconds":0,"load_seconds":0,"lookahead_seconds":0,"handoff_seconds":0,
               "forward_buffer_events":[[0,400,1],[0.25,800,1],[0.5,400,-1],[1,800,-1]],"backward_buffer_events":null},
              {"stage":2,"forward_seconds":0.01,"backward_seconds":0.02,"fold_seconds":0,"update_seconds":0,"load_seconds":0,"lookahead_seconds":0,"handoff_seconds":0}]}
            """;

        var events = SavedCosts.BufferEvents(plan, stages: 2);
        Assert.Equal([new BufferEvent(0, 400, 1), new BufferEvent(0.25, 800, 1), new BufferEvent(0.5, 400, -1), new BufferEvent(1, 800, -1)], events[0].Forward);
        Assert.Null(events[0].Backward);
        Assert.Null(events[1].Forward);
        foreach (var (bad, what) in new[]
        {
            ("[[0,400,1],[0.5,800,1],[0.25,400,-1]]", "entry 2 comes at 0.25, before the one before it"),
            ("[[0,400,1],[1.5,400,-1]]", "entry 1 is not [fraction from 0 to 1, positive bytes, 1 or -1]: [1.5,400,-1]"),
            ("[[0,0,1]]", "entry 0 is not"),
            ("[[0,400,2]]", "entry 0 is not"),
            ("[[0,400]]", "entry 0 is not"),
            ("[0.5]", "entry 0 is not"),
            ("0.5", "not an array of [fraction, bytes, change] events"),
        })
        {
            var error = Assert.Throws<InvalidDataException>(() => SavedCosts.BufferEvents(plan.Replace("[[0,400,1],[0.25,800,1],[0.5,400,-1],[1,800,-1]]", bad, StringComparison.Ordinal), stages: 2));
            Assert.Contains("forward_buffer_events", error.Message, StringComparison.Ordinal);
            Assert.Contains(what, error.Message, StringComparison.Ordinal);
        }

        Assert.Contains("costs of 2 stages, but the model has 3 stages", Assert.Throws<InvalidDataException>(() => SavedCosts.BufferEvents(plan, stages: 3)).Message, StringComparison.Ordinal);
    }
}
