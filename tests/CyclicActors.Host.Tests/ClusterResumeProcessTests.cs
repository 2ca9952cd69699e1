using CyclicActors.GpuCompute.Checkpoints;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>A cluster run whose member is killed resumes from the seed's periodic checkpoints, with new processes, to the failure-free parameters.</summary>
public sealed class ClusterResumeProcessTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task A_seed_restarted_with_resume_after_a_member_is_killed_ends_with_the_one_process_parameters()
    {
        string dir = CliRunner.TempDirectory();
        string series = Path.Combine(dir, "series");
        // The kill at step 43 stops the first run whatever its length; 60 steps leave the resumed run 20 or more to train.
        string[] training = ["--model", "mlp", "--workers", "4", "--steps", "60", "--rule", "cdp-v2", "--data", CliRunner.BundledData, "--quiet"];
        string expected;

        // The second member kills itself (SIGKILL) before the first forward of step 43 on one of its workers.
        string faults = Path.Combine(dir, "faults.conf");
        File.WriteAllText(faults, "cyclic-actors.fault-injection { kill-at-step = 43, at-op = 0 }\n");
        string quick = QuickDetection.Write(dir);
        using (var seed = NodeProcess.Start("seed", ["seed", .. training, "--port", "0", "--save", series, "--checkpoint-every", "5", "--keep", "3", "--on-member-loss", "fail", "--profile", quick]))
        {
            string seedNode = await seed.WaitForAddressAsync(Limit);
            using var first = NodeProcess.Start("member 1", [.. Member(seedNode), "--profile", quick]);
            using var second = NodeProcess.Start("member 2", [.. Member(seedNode), "--profile", quick, "--config", faults]);
            Assert.Equal(137, await second.ExitCodeAsync(Limit));
            Assert.Contains("fault injection: rank", second.Output);
            // The one-process result to compare with, computed while the others wait for the failure detector.
            expected = CliRunner.OneProcessSha(training, dir);
            Assert.Equal(1, await seed.ExitCodeAsync(Limit));
            Assert.Contains("left the cluster during the run", seed.Output + first.Output);
        }

        var checkpoint = CheckpointSeries.Resolve(series);
        var step = CheckpointStore.ReadMetadata(checkpoint).Step;
        Assert.InRange(step, 5, 40);
        string resumed = Path.Combine(dir, "resumed.json");
        using (var seed = NodeProcess.Start("resumed seed", ["seed", "--resume", series, "--data", CliRunner.BundledData, "--quiet", "--port", "0", "--summary", resumed]))
        {
            string seedNode = await seed.WaitForAddressAsync(Limit);
            using var first = NodeProcess.Start("new member 1", Member(seedNode));
            using var second = NodeProcess.Start("new member 2", Member(seedNode));
            foreach (var node in new[] { seed, first, second })
            {
                Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
            }

            Assert.Contains($"resuming from {checkpoint} at step {step} of 60", seed.Output);
        }

        Assert.Equal(expected, CliRunner.ReadJson(resumed).GetProperty("parameter_sha256").GetString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)] // every stage's reducer split over the three members: the killed one held a shard of each, rebuilt from the seed's cut
    public async Task A_member_killed_mid_run_is_replaced_by_a_new_process_and_the_run_ends_with_the_one_process_parameters(int reducerShards)
    {
        string dir = CliRunner.TempDirectory();
        string[] training = ["--model", "mlp", "--workers", "4", "--steps", "60", "--rule", "cdp-v2", "--data", CliRunner.BundledData, "--quiet"];
        string faults = Path.Combine(dir, "faults.conf");
        File.WriteAllText(faults, "cyclic-actors.fault-injection { kill-at-step = 37, at-op = 0 }\n");
        string summary = Path.Combine(dir, "seed.json");
        string quick = QuickDetection.Write(dir);

        using var seed = NodeProcess.Start("seed", ["seed", .. training, "--port", "0", "--summary", summary, "--replace-timeout", "90s", "--reducer-shards", $"{reducerShards}", "--profile", quick]);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        using var first = NodeProcess.Start("member 1", [.. Member(seedNode), "--profile", quick]);
        using var second = NodeProcess.Start("member 2", [.. Member(seedNode, workers: 1), "--profile", quick]);
        using var third = NodeProcess.Start("member 3", [.. Member(seedNode, workers: 1), "--profile", quick, "--config", faults]);
        Assert.Equal(137, await third.ExitCodeAsync(Limit));
        // The one-process result to compare with, computed while the others wait for the failure detector.
        string expected = CliRunner.OneProcessSha(training, dir);
        await seed.WaitForOutputAsync("The run re-forms (round 1)", Limit);
        using var replacement = NodeProcess.Start("replacement", [.. Member(seedNode, workers: 1), "--profile", quick]);

        foreach (var node in new[] { seed, first, second, replacement })
        {
            Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
        }

        var result = CliRunner.ReadJson(summary);
        Assert.Equal(2, result.GetProperty("rounds").GetInt32());
        Assert.Equal(expected, result.GetProperty("parameter_sha256").GetString());
    }

    private static string[] Member(string seedNode, int workers = 2) =>
        ["member", "--seed-node", seedNode, "--workers-per-node", $"{workers}", "--data", CliRunner.BundledData, "--backend", "cpu"];
}
