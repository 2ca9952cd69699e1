using CyclicActors.Actors.Planning;
using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Bench.Cluster;

/// <summary>One member's memory in a run: its ranks, the most its backend's pool reserved, and its ledger's activation peak at the schedule's ticks.</summary>
internal sealed record NodeMemory(string Node, IReadOnlyList<int> Ranks, long ReservedPeakBytes, long PeakActivationBytes);

/// <summary>One measured run: a rule, the members' per-link bandwidth limit, its step times, how much of each member's sending overlapped its compute, and each member's memory.</summary>
internal sealed record Scenario(string Rule, long BytesPerSecond, IReadOnlyList<double> StepSeconds, IReadOnlyList<NodeOverlap> Overlap, IReadOnlyDictionary<string, long> BytesSentByNode,
    IReadOnlyList<NodeMemory> Memory)
{
    public long TensorBytes => BytesSentByNode.Values.Sum();

    /// <summary>Tensor payload the members sent each other per step, each way (measured by the links).</summary>
    public double BytesPerStepEachWay => TensorBytes / 2.0 / (StepSeconds.Count + 1);

    /// <summary>Median step time after the warm-up steps (the first two: JIT, cluster settling, pipeline fill).</summary>
    public double MedianStepSeconds => Median(StepSeconds.Skip(2).ToArray());

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// The driver: for each rule, with and without a bandwidth limit on the members' tensor links,
/// forms a fresh cluster (this process is the seed, two member processes with two workers each),
/// trains cnn with N = 4, records the time of every step and a merged trace, and measures from
/// the trace how much of each member's tensor sending overlapped its workers' compute.
/// </summary>
internal static class DriverMode
{
    public static readonly TrainingConfig Config = new()
    {
        Model = "cnn", Stages = 4, Workers = 4, MicroBatch = 16, Epochs = 1, MaxSteps = 32,
        LearningRate = 0.05f, Momentum = 0.9f, LearningRateSchedule = "constant", Seed = 1,
    };

    public static async Task<IReadOnlyList<Scenario>> RunAsync(IReadOnlyList<string> rules, long bytesPerSecond)
    {
        var scenarios = new List<Scenario>();
        foreach (var throttle in new[] { 0L, bytesPerSecond })
        {
            foreach (var rule in rules)
            {
                var (steps, overlap, bytes, memory) = await RunOneAsync(rule, throttle);
                Console.WriteLine($"tensor bytes sent: {string.Join(", ", bytes.Select(pair => $"{pair.Key} {pair.Value:N0}"))}");
                var scenario = new Scenario(rule, throttle, steps, overlap, bytes, memory);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{rule,-12} link {(throttle == 0 ? "free" : $"{throttle / 1e6:0.0} MB/s"),-10} median step {scenario.MedianStepSeconds:0.000} s  overlap {string.Join(", ", overlap.Select(o => $"{100 * o.Share:0}% of {o.TransferSeconds:0.00} s"))}  steps [{string.Join(", ", steps.Select(s => s.ToString("0.000", CultureInfo.InvariantCulture)))}]"));
                scenarios.Add(scenario);
            }
        }

        return scenarios;
    }

    private static async Task<(IReadOnlyList<double> Steps, IReadOnlyList<NodeOverlap> Overlap, IReadOnlyDictionary<string, long> BytesSent, IReadOnlyList<NodeMemory> Memory)> RunOneAsync(
        string rule, long bytesPerSecond)
    {
        var trace = Path.Combine(Path.GetTempPath(), $"cluster-bench-{Environment.ProcessId}-{rule.Replace(':', '-')}-{bytesPerSecond}.json");
        var system = BenchNode.Start(CoordinatorSingleton.Role);
        var members = new List<Process>();
        try
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            cluster.Join(cluster.SelfAddress);
            for (var i = 0; i < 2; i++)
            {
                members.Add(StartMember(cluster.SelfAddress.ToString(), bytesPerSecond));
            }

            var data = BenchNode.Data();
            var model = ModelPresets.Create(Config.Model, data.SampleShape, data.ClassCount);
            var initial = ParameterInitializer.Initialize(model, new ParameterLayout(model, Partitioner.Partition(model, Config.Stages, Config.Partition)), Config.Seed);
            // "RULE" takes the CLI's default compensation (look-ahead for the CDP rules, which adds the
            // momentum to each publication); "RULE:COMPENSATION" names it.
            var parts = rule.Split(':');
            var parsedRule = UpdateRuleNames.ParseUpdateRule(parts[0]);
            var compensation = parts.Length > 1 ? DelayCompensationNames.Parse(parts[1])
                : parsedRule == UpdateRule.Dp ? DelayCompensation.None : DelayCompensation.Lookahead;
            var options = new ActorTrainingOptions { Training = Config, Rule = parsedRule, TracePath = trace, Compensation = compensation };
            var elapsed = new List<double>();
            var run = await ClusterRun.SeedAsync(system, options, data, initial, metrics => elapsed.Add(metrics.ElapsedSeconds)).WaitAsync(TimeSpan.FromMinutes(5));
            foreach (var member in members)
            {
                await member.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }

            var overlap = TraceOverlap.Measure(trace);
            // CLUSTER_BENCH_TRACES=DIR keeps each scenario's merged trace there (bench/plan/calibrate_cluster.py --traces DIR plans from them).
            if (Environment.GetEnvironmentVariable("CLUSTER_BENCH_TRACES") is { Length: > 0 } keep)
            {
                Directory.CreateDirectory(keep);
                File.Move(trace, Path.Combine(keep, $"{rule.Replace(':', '_')}-{bytesPerSecond}.trace.json"), overwrite: true);
            }
            else
            {
                File.Delete(trace);
            }

            var memory = run.Nodes.Select(node => new NodeMemory(node.Node, ClusterPlacement.PartOf(run.Plan, node.Node).Ranks, node.ReservedPeakBytes, node.PeakActivationBytes)).ToArray();
            return (elapsed.Zip(elapsed.Skip(1), (before, after) => after - before).ToArray(), overlap, run.Nodes.ToDictionary(node => node.Node, node => node.BytesSent.Sum()), memory);
        }
        finally
        {
            foreach (var member in members.Where(member => !member.HasExited))
            {
                member.Kill(entireProcessTree: true);
            }

            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(TimeSpan.FromSeconds(20));
        }
    }

    private static Process StartMember(string seed, long bytesPerSecond)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable is running.");
        var start = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(DriverMode).Assembly.Location);
        }

        foreach (var arg in new[] { "member", seed, bytesPerSecond.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}.");
    }
}
