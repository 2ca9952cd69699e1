using System.Text.RegularExpressions;
using System.Text.Json;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>`cyclic plan`: the side-by-side figures, the sweep table, the JSON and costs read from a trace.</summary>
public sealed class PlanCommandTests
{
    [Fact]
    public void Two_machines_print_every_rule_side_by_side_and_the_json_holds_the_analytic_bytes_per_link()
    {
        string json = Path.Combine(CliRunner.TempDirectory(), "plan.json");
        var (code, output, error) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--workers", "4", "--machines", "2",
            "--bandwidth", "100Mbit", "--latency", "1ms", "--compensation", "none", "--json", json);

        Assert.True(code == 0, output + error);
        Assert.Matches(@"\n\s+dp\s+cdp-v1\s+cdp-v2\n", output);
        Assert.Contains("N = 4 workers on K = 2 machines", output, StringComparison.Ordinal);
        Assert.Matches(@"\nburstiness, all links \(pk/mean\)(\s+\d+\.\d\d){3}\n", output);
        var root = CliRunner.ReadJson(json);
        long stage1 = root.GetProperty("stage_costs")[0].GetProperty("parameter_bytes").GetInt64();
        long stage2 = root.GetProperty("stage_costs")[1].GetProperty("parameter_bytes").GetInt64();
        var rules = root.GetProperty("cases")[0].GetProperty("rules");
        foreach (var rule in new[] { "dp", "cdp-v1", "cdp-v2" })
        {
            var plan = rules.GetProperty(rule);
            Assert.True(plan.GetProperty("step_seconds").GetDouble() > 0);
            // Ranks 0,1 on machine 0 and stage 2's reducer on machine 1: two gradients of stage 2 and one publication of stage 1 a step.
            var link = plan.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("from").GetInt32() == 0 && l.GetProperty("to").GetInt32() == 1);
            Assert.Equal((2 * stage2) + stage1, link.GetProperty("bytes_per_step").GetDouble());
        }
    }

    [Fact]
    public void A_sweep_prints_one_row_per_worker_and_machine_count_and_says_where_cdp_cannot_run()
    {
        var (code, output, error) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--sweep-workers", "2,3", "--sweep-machines", "1,2", "--bandwidth", "1Gbit");

        Assert.True(code == 0, output + error);
        Assert.Matches(@"\n\s+2\s+1 \|", output);
        Assert.Matches(@"\n\s+2\s+2 \|", output);
        // N = 3 does not divide 2L = 4: DP only.
        Assert.Matches(@"\n\s+3\s+2 \|\s+\d[^|]*\|\s+n/a\s+\|\s+n/a\s+\| dp\n", output);
    }

    [Fact]
    public void Costs_come_from_a_trace_of_cyclic_train()
    {
        string trace = Path.Combine(CliRunner.TempDirectory(), "run.trace.json");
        var (trainCode, trainOut, trainError) = CliRunner.Run("train", "--engine", "actors", "--backend", "cpu", "--model", "mlp", "--stages", "2",
            "--workers", "2", "--steps", "4", "--data", CliRunner.BundledData, "--trace", trace);
        Assert.True(trainCode == 0, trainOut + trainError);

        var (code, output, error) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--workers", "2", "--costs", trace, "--rules", "dp");

        Assert.True(code == 0, output + error);
        // The trace samples the process's CPU time, so each op also carries what no span covers, once two
        // samples fall after step 0 began (the last one is taken at the end; 4 steps may all fit before the next).
        Assert.Contains("\"process cpu microseconds\"", File.ReadAllText(trace), StringComparison.Ordinal);
        Assert.Matches($@"costs from the trace {Regex.Escape(trace)} \(means of 24 op spans as full-speed work on {Environment.ProcessorCount} slots(, each op with \d+ us beside it of the CPU no span covers)?; look-ahead points profiled on cpu\)", output);

        // The trace's ops vary from step to step: the memory is the mean over simulations that vary them so, unless told otherwise.
        string json = Path.Combine(CliRunner.TempDirectory(), "traced.json");
        var (jsonCode, jsonOutput, jsonError) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--workers", "2", "--costs", trace, "--rules", "dp", "--json", json);
        Assert.True(jsonCode == 0, jsonOutput + jsonError);
        double spread = CliRunner.ReadJson(json).GetProperty("op_time_spread").GetDouble();
        Assert.True(spread > 0, $"op_time_spread {spread}");
        Assert.Contains("% (coefficient of variation, weighted by work; each op its own below): the memory is the mean of 9 simulations", jsonOutput, StringComparison.Ordinal);
        Assert.Contains("spread (F / B)", jsonOutput, StringComparison.Ordinal);
        Assert.Contains("with steady op times", jsonOutput, StringComparison.Ordinal);
        string replayed = Path.Combine(CliRunner.TempDirectory(), "replayed.json");
        var (replayCode, replayOutput, replayError) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--workers", "2", "--costs", json, "--rules", "dp", "--json", replayed);
        Assert.True(replayCode == 0, replayOutput + replayError);
        Assert.Equal(spread, CliRunner.ReadJson(replayed).GetProperty("op_time_spread").GetDouble());
        Assert.Equal(CliRunner.ReadJson(json).GetProperty("cases").GetRawText(), CliRunner.ReadJson(replayed).GetProperty("cases").GetRawText());
        var (steadyCode, steadyOutput, steadyError) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--workers", "2", "--costs", trace, "--rules", "dp", "--op-spread", "0", "--json", json);
        Assert.True(steadyCode == 0, steadyOutput + steadyError);
        Assert.Equal(0, CliRunner.ReadJson(json).GetProperty("op_time_spread").GetDouble());
        Assert.DoesNotContain("with steady op times", steadyOutput, StringComparison.Ordinal);
        var (givenCode, givenOutput, givenError) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--workers", "2", "--costs", trace, "--rules", "dp", "--op-spread", "0.5", "--json", json);
        Assert.True(givenCode == 0, givenOutput + givenError);
        var given = CliRunner.ReadJson(json);
        Assert.Equal(0.5, given.GetProperty("op_time_spread").GetDouble(), 12);
        Assert.All(given.GetProperty("stage_costs").EnumerateArray(), stage =>
        {
            Assert.Equal(0.5, stage.GetProperty("forward_spread").GetDouble());
            Assert.Equal(0.5, stage.GetProperty("backward_spread").GetDouble());
        });
        var (badCode, _, badError) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--costs", trace, "--op-spread", "-0.5");
        Assert.Equal(2, badCode);
        Assert.Contains("--op-spread must be trace or a coefficient of variation", badError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_json_replays_its_costs_exactly()
    {
        string first = Path.Combine(CliRunner.TempDirectory(), "first.json");
        string second = Path.Combine(CliRunner.TempDirectory(), "second.json");
        string[] scenario = ["plan", "--model", "mlp", "--stages", "2", "--workers", "4", "--machines", "2", "--bandwidth", "1Gbit", "--nic", "1Gbit"];
        var (code, output, error) = CliRunner.Run([.. scenario, "--json", first]);
        Assert.True(code == 0, output + error);

        var (replayCode, replayed, replayError) = CliRunner.Run([.. scenario, "--costs", first, "--json", second]);

        Assert.True(replayCode == 0, replayed + replayError);
        Assert.Contains($"costs from the plan file {first}", replayed, StringComparison.Ordinal);
        Assert.Equal(CliRunner.ReadJson(first).GetProperty("cases").GetRawText(), CliRunner.ReadJson(second).GetProperty("cases").GetRawText());
    }

    [Fact]
    public void Timed_op_buffers_are_saved_with_the_plan_and_replayed_exactly_and_by_default_ops_hold_them_whole()
    {
        string first = Path.Combine(CliRunner.TempDirectory(), "timed.json");
        string second = Path.Combine(CliRunner.TempDirectory(), "timed-replayed.json");
        string whole = Path.Combine(CliRunner.TempDirectory(), "whole.json");
        string[] scenario = ["plan", "--model", "mlp", "--stages", "2", "--workers", "4", "--rules", "dp,cdp-v1"];
        var (code, output, error) = CliRunner.Run([.. scenario, "--costs", "profile", "--op-spread", "0.4", "--op-buffers", "timed", "--json", first]);
        Assert.True(code == 0, output + error);
        Assert.Contains("(--op-buffers timed)", output, StringComparison.Ordinal);
        var timed = CliRunner.ReadJson(first);
        Assert.Equal("timed", timed.GetProperty("op_buffers").GetString());
        foreach (var stage in timed.GetProperty("stage_costs").EnumerateArray())
        {
            foreach (var name in new[] { "forward_buffer_events", "backward_buffer_events" })
            {
                var events = stage.GetProperty(name).EnumerateArray().Select(entry => (At: entry[0].GetDouble(), Bytes: entry[1].GetInt64(), Change: entry[2].GetInt32())).ToArray();
                Assert.NotEmpty(events);
                Assert.All(events, change => Assert.InRange(change.At, 0, 1));
                Assert.All(events, change => Assert.True(change.Bytes > 0 && change.Change is 1 or -1));
            }
        }

        var (replayCode, replayed, replayError) = CliRunner.Run([.. scenario, "--costs", first, "--op-buffers", "timed", "--json", second]);
        Assert.True(replayCode == 0, replayed + replayError);
        Assert.Equal(timed.GetProperty("cases").GetRawText(), CliRunner.ReadJson(second).GetProperty("cases").GetRawText());

        var (wholeCode, wholeOutput, wholeError) = CliRunner.Run([.. scenario, "--costs", first, "--json", whole]);
        Assert.True(wholeCode == 0, wholeOutput + wholeError);
        Assert.DoesNotContain("--op-buffers timed", wholeOutput, StringComparison.Ordinal);
        var held = CliRunner.ReadJson(whole);
        Assert.Equal("whole", held.GetProperty("op_buffers").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, held.GetProperty("stage_costs")[0].GetProperty("forward_buffer_events").ValueKind);

        var (badCode, _, badError) = CliRunner.Run([.. scenario, "--costs", "profile", "--op-buffers", "partly"]);
        Assert.Equal(2, badCode);
        Assert.Contains("--op-buffers must be one of whole, timed; got 'partly'", badError, StringComparison.Ordinal);
    }

    [Fact]
    public void Machines_on_one_host_share_its_cores_and_separate_slots_beside_them_are_refused()
    {
        string json = Path.Combine(CliRunner.TempDirectory(), "host.json");
        string[] scenario = ["plan", "--model", "mlp", "--stages", "2", "--workers", "4", "--machines", "4", "--rules", "dp"];
        var (code, output, error) = CliRunner.Run([.. scenario, "--shared-cores", "2", "--json", json]);

        Assert.True(code == 0, output + error);
        Assert.Contains("the machines share one host's 2 cores (reducers share them)", output, StringComparison.Ordinal);
        Assert.Equal(2, CliRunner.ReadJson(json).GetProperty("shared_cores").GetDouble());
        var (bothCode, _, bothError) = CliRunner.Run([.. scenario, "--shared-cores", "2", "--compute-slots", "1"]);
        Assert.Equal(2, bothCode);
        Assert.Contains("--shared-cores and --compute-slots both set", bothError, StringComparison.Ordinal);
    }

    [Fact]
    public void Slots_are_shared_in_linux_time_slices_by_default_or_as_given_and_a_bad_slice_is_refused()
    {
        string json = Path.Combine(CliRunner.TempDirectory(), "slice.json");
        string[] scenario = ["plan", "--model", "mlp", "--stages", "2", "--workers", "4", "--rules", "dp", "--compute-slots", "2"];
        var (code, output, error) = CliRunner.Run([.. scenario, "--json", json]);
        Assert.True(code == 0, output + error);
        Assert.Contains("2 compute slots a machine (reducers share them), shared in 1.5 ms time slices; pacing budget;", output, StringComparison.Ordinal);
        Assert.Equal(1.5e-3, CliRunner.ReadJson(json).GetProperty("time_slice_seconds").GetDouble(), 9);

        var (sharingCode, sharingOutput, sharingError) = CliRunner.Run([.. scenario, "--time-slice", "0", "--json", json]);
        Assert.True(sharingCode == 0, sharingOutput + sharingError);
        Assert.Contains("2 compute slots a machine (reducers share them); pacing budget;", sharingOutput, StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.ReadJson(json).GetProperty("time_slice_seconds").GetDouble());

        var (badCode, _, badError) = CliRunner.Run([.. scenario, "--time-slice", "fast"]);
        Assert.Equal(2, badCode);
        Assert.Contains("--time-slice", badError, StringComparison.Ordinal);
    }

    [Fact]
    public void Sharded_reducers_are_planned_and_said_so_and_a_shard_count_out_of_range_is_refused()
    {
        string json = Path.Combine(CliRunner.TempDirectory(), "shards.json");
        string[] scenario = ["plan", "--model", "mlp", "--stages", "2", "--workers", "4", "--machines", "2", "--rules", "dp", "--bandwidth", "1Gbit"];
        var (code, output, error) = CliRunner.Run([.. scenario, "--reducer-shards", "2", "--json", json]);

        Assert.True(code == 0, output + error);
        Assert.Contains("(reducers share them, each in 2 shards)", output, StringComparison.Ordinal);
        var root = CliRunner.ReadJson(json);
        Assert.Equal(2, root.GetProperty("reducer_shards").GetInt32());
        // Both machines hold a shard of both stages.
        Assert.All(root.GetProperty("cases")[0].GetProperty("rules").GetProperty("dp").GetProperty("machines").EnumerateArray(),
            machine => Assert.Equal(2, machine.GetProperty("reducer_stages").GetArrayLength()));
        var (badCode, _, badError) = CliRunner.Run([.. scenario, "--reducer-shards", "0"]);
        Assert.Equal(2, badCode);
        Assert.Contains("--reducer-shards", badError, StringComparison.Ordinal);
    }

    [Fact]
    public void Ethernet_framing_slows_a_link_bound_plan_by_its_headers_and_a_framing_below_1_is_refused()
    {
        string plain = Path.Combine(CliRunner.TempDirectory(), "plain.json"), framed = Path.Combine(CliRunner.TempDirectory(), "framed.json");
        string[] scenario = ["plan", "--model", "mlp", "--stages", "2", "--workers", "2", "--machines", "2", "--rules", "dp", "--bandwidth", "10Mbit", "--cut-every", "0"];
        var (code, _, error) = CliRunner.Run([.. scenario, "--json", plain]);
        // The same costs (replayed from the first plan): two profiles differ by their noise.
        var (framedCode, output, framedError) = CliRunner.Run([.. scenario, "--framing", "ethernet", "--costs", plain, "--json", framed]);

        Assert.True(code == 0 && framedCode == 0, error + framedError);
        Assert.Contains("1.046 wire bytes a tensor byte", output, StringComparison.Ordinal);
        Assert.Equal(1514.0 / 1448, CliRunner.ReadJson(framed).GetProperty("transport").GetProperty("framing").GetDouble());
        double Step(string json) => CliRunner.ReadJson(json).GetProperty("cases")[0].GetProperty("rules").GetProperty("dp").GetProperty("step_seconds").GetDouble();
        // At 10 Mbit/s the link binds: the step grows with the wire bytes (less than in full proportion, as the compute stays).
        Assert.InRange(Step(framed) / Step(plain), 1.02, 1514.0 / 1448 + 1e-9);
        var (badCode, _, badError) = CliRunner.Run([.. scenario, "--framing", "0.5"]);
        Assert.Equal(2, badCode);
        Assert.Contains("--framing: '0.5' is not 'ethernet' or a number of at least 1", badError, StringComparison.Ordinal);
    }

    [Fact]
    public void By_default_the_costs_come_from_a_short_traced_run_of_the_runtime_on_this_machine()
    {
        string json = Path.Combine(CliRunner.TempDirectory(), "plan.json");
        var (code, output, error) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--workers", "4", "--machines", "2", "--run-steps", "6", "--json", json);

        Assert.True(code == 0, output + error);
        // Two workers on the fuller machine, which divides 2L = 4: the first planned CDP rule, with the default look-ahead.
        Assert.Contains("costs from the trace of a short run on this machine (cdp-v1, lookahead, 2 workers, 6 steps, cpu) (means of", output, StringComparison.Ordinal);
        Assert.Contains("loads, look-aheads and hand-offs traced too", output, StringComparison.Ordinal);
        // The run takes seconds where a profile takes one: it is announced before it starts.
        Assert.StartsWith("cyclic plan: tracing a short run on this machine (cdp-v1, lookahead, 2 workers, 6 steps, cpu) for the costs", error, StringComparison.Ordinal);
        var root = CliRunner.ReadJson(json);
        foreach (var stage in root.GetProperty("stage_costs").EnumerateArray())
        {
            Assert.True(stage.GetProperty("forward_seconds").GetDouble() > 0);
            Assert.True(stage.GetProperty("backward_seconds").GetDouble() > 0);
        }

        var (profiledCode, profiledOutput, profiledError) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--workers", "4", "--costs", "profile", "--rules", "dp");
        Assert.True(profiledCode == 0, profiledOutput + profiledError);
        Assert.Contains("costs profiled on this machine", profiledOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_says_which_cases_its_one_short_run_does_not_match()
    {
        var (code, output, error) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--sweep-workers", "2,4", "--sweep-machines", "1,2", "--run-steps", "4");

        Assert.True(code == 0, output + error);
        // The first case runs 2 workers on its machine; 2 on 2 machines runs 1 a machine, 4 on 1 runs 4.
        Assert.Contains("cyclic plan: every case is planned from this one run of 2 workers; for the cases whose fullest machine runs 1 or 4 workers, plan them alone", error, StringComparison.Ordinal);
        Assert.Contains("(cdp-v1, lookahead, 2 workers, 4 steps, cpu)", output, StringComparison.Ordinal);

        var (profiledCode, profiledOutput, profiledError) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--sweep-workers", "2,4", "--costs", "profile");
        Assert.True(profiledCode == 0, profiledOutput + profiledError);
        Assert.DoesNotContain("every case is planned", profiledError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--run-steps must be between 2 and 100000; got 1", "--run-steps", "1")]
    [InlineData("--run-steps is the length of the short run of --costs run; the costs come from profile here", "--run-steps", "8", "--costs", "profile")]
    public void A_short_run_of_a_bad_length_is_refused_before_anything_runs(string message, params string[] flags)
    {
        var (code, _, error) = CliRunner.Run(["plan", "--model", "mlp", "--stages", "2", .. flags]);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trace_of_another_model_is_refused_with_exit_code_1()
    {
        string trace = Path.Combine(CliRunner.TempDirectory(), "other.trace.json");
        File.WriteAllText(trace, JsonSerializer.Serialize(new { traceEvents = new object[] { new { ph = "X", name = "F5.s1", cat = "op", pid = 1, tid = 1, ts = 0, dur = 10 } } }));

        var (code, _, error) = CliRunner.Run("plan", "--model", "mlp", "--stages", "2", "--costs", trace);

        Assert.Equal(1, code);
        Assert.Contains("the trace has an op of stage 5, but the model has 2 stages", error, StringComparison.Ordinal);
    }
}
