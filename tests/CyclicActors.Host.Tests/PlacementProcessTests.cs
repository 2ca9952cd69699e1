using System.Text.Json;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// The placements through the command line: `train --parallelism model|zero` reaches the data
/// placement's parameters bit for bit and reports what the placement did; across a seed and three
/// member processes on 127.0.0.1, ZeRO's batons cross the members' tensor links and the run still
/// ends on the one-process parameters.
/// </summary>
public sealed class PlacementProcessTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);

    [Theory]
    [InlineData("model", "cdp-v2")]
    [InlineData("zero", "cdp-v1")]
    [InlineData("model", "dp")]
    public void Train_with_a_placement_reaches_the_data_placements_parameters(string parallelism, string rule)
    {
        string dir = CliRunner.TempDirectory();
        string[] training = ["--model", "cnn", "--workers", "4", "--steps", "3", "--rule", rule, "--data", CliRunner.BundledData, "--backend", "cpu", "--quiet"];
        var (dataCode, dataOut, dataError) = CliRunner.Run(["train", .. training, "--summary", Path.Combine(dir, "data.json")]);
        Assert.True(dataCode == 0, dataOut + dataError);
        var (code, output, error) = CliRunner.Run(["train", .. training, "--parallelism", parallelism, "--summary", Path.Combine(dir, "placed.json")]);
        Assert.True(code == 0, output + error);

        var data = CliRunner.ReadJson(Path.Combine(dir, "data.json"));
        var placed = CliRunner.ReadJson(Path.Combine(dir, "placed.json"));
        Assert.Equal(data.GetProperty("parameter_sha256").GetString(), placed.GetProperty("parameter_sha256").GetString());
        Assert.Equal("data", data.GetProperty("parallelism").GetString());
        Assert.Equal(parallelism, placed.GetProperty("parallelism").GetString());
        Assert.Contains($"parallelism {parallelism}", output);
        if (parallelism == "model")
        {
            var devices = placed.GetProperty("stage_devices").EnumerateArray().ToArray();
            Assert.Equal(4, devices.Length);
            Assert.All(devices, device => Assert.Equal(device.GetProperty("predicted_activation_peak_bytes").GetInt64(), device.GetProperty("activation_peak_bytes").GetInt64()));
            Assert.Contains("stage device 0 (stages 1)", output);
        }
        else
        {
            var traffic = placed.GetProperty("parameter_traffic");
            Assert.True(traffic.GetProperty("from_rank_bytes").EnumerateArray().SelectMany(row => row.EnumerateArray()).Sum(bytes => bytes.GetInt64()) > 0);
            Assert.True(traffic.GetProperty("from_owner_bytes").EnumerateArray().Sum(bytes => bytes.GetInt64())
                < data.GetProperty("parameter_traffic").GetProperty("from_owner_bytes").EnumerateArray().Sum(bytes => bytes.GetInt64()));
        }
    }

    [Theory]
    [InlineData(new[] { "--devices", "2" }, "--devices caps the stage devices of --parallelism model")]
    [InlineData(new[] { "--parallelism", "tensor" }, "Unknown parallelism 'tensor'; valid values: data, model, zero")]
    [InlineData(new[] { "--parallelism", "model", "--pacing", "tick" }, "--pacing applies to the workers of --parallelism data and zero")]
    [InlineData(new[] { "--parallelism", "zero", "--engine", "simulation" }, "--parallelism zero is a placement of the actor runtime")]
    public void Placement_flags_that_would_be_ignored_are_refused(string[] flags, string message)
    {
        var (code, output, error) = CliRunner.Run(["train", "--model", "mlp", "--steps", "1", "--data", CliRunner.BundledData, "--backend", "cpu", .. flags]);
        Assert.Equal(2, code);
        Assert.Contains(message, output + error);
    }

    [Fact]
    public async Task Model_across_a_seed_and_three_member_processes_trains_to_the_one_process_parameters()
    {
        var (actual, _) = await TrainAcrossThreeMembers("model");

        // N = L = 4: four stage devices, one per rank slot, so the member with two slots runs two of them.
        var devices = actual.GetProperty("stage_devices").EnumerateArray().ToArray();
        Assert.Equal(4, devices.Length);
        Assert.All(devices, device => Assert.Equal(device.GetProperty("predicted_activation_peak_bytes").GetInt64(), device.GetProperty("activation_peak_bytes").GetInt64()));
        // Activations and their gradients crossed the members' links.
        Assert.True(actual.GetProperty("links").EnumerateArray().Sum(link => link.GetProperty("tensor_bytes_sent").GetInt64()) > 0);
    }

    [Fact]
    public async Task Zero_across_a_seed_and_three_member_processes_trains_to_the_one_process_parameters()
    {
        var (actual, seedOutput) = await TrainAcrossThreeMembers("zero");

        Assert.Equal(3, actual.GetProperty("nodes").GetArrayLength());
        var fromRanks = actual.GetProperty("parameter_traffic").GetProperty("from_rank_bytes").EnumerateArray().Select(row => row.EnumerateArray().Select(bytes => bytes.GetInt64()).ToArray()).ToArray();
        // Every rank but the first reader of a step got batons from the rank before it, across members too.
        Assert.Equal(4, fromRanks.Length);
        Assert.True(fromRanks.Sum(row => row.Sum()) > 0);
        Assert.Contains("parameters (zero placement)", seedOutput);
    }

    /// <summary>
    /// cnn cdp-v2 with N = 4 across a seed and three members (2, 1 and 1 workers) under
    /// <paramref name="parallelism"/>; asserts it ends on one-process train's parameters and returns the seed's summary and output.
    /// </summary>
    private static async Task<(JsonElement Summary, string SeedOutput)> TrainAcrossThreeMembers(string parallelism)
    {
        string dir = CliRunner.TempDirectory();
        string[] training = ["--model", "cnn", "--workers", "4", "--steps", "3", "--rule", "cdp-v2", "--data", CliRunner.BundledData, "--quiet"];
        string oneProcess = Path.Combine(dir, "train.json");
        string cluster = Path.Combine(dir, "seed.json");
        var (trainCode, trainOut, trainError) = CliRunner.Run(["train", .. training, "--backend", "cpu", "--summary", oneProcess]);
        Assert.True(trainCode == 0, trainOut + trainError);

        using var seed = NodeProcess.Start("seed", ["seed", .. training, "--parallelism", parallelism, "--port", "0", "--summary", cluster]);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        using var first = NodeProcess.Start("member 1", Member(seedNode, workers: 2));
        using var second = NodeProcess.Start("member 2", Member(seedNode, workers: 1));
        using var third = NodeProcess.Start("member 3", Member(seedNode, workers: 1));

        foreach (var node in new[] { seed, first, second, third })
        {
            Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
        }

        var expected = CliRunner.ReadJson(oneProcess);
        var actual = CliRunner.ReadJson(cluster);
        Assert.Equal(expected.GetProperty("parameter_sha256").GetString(), actual.GetProperty("parameter_sha256").GetString());
        Assert.Equal(parallelism, actual.GetProperty("parallelism").GetString());
        return (actual, seed.Output);
    }

    private static string[] Member(string seedNode, int workers) =>
        ["member", "--seed-node", seedNode, "--workers-per-node", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", CliRunner.BundledData, "--backend", "cpu"];
}
