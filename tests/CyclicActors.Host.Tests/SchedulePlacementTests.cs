using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>`cyclic schedule --placement model|zero`: the device assignment and the parameter batons under the timeline.</summary>
public sealed class SchedulePlacementTests
{
    [Fact]
    public void Model_placement_shows_the_devices_the_schedule_needs()
    {
        var (code, output, error) = CliRunner.Run(["schedule", "--workers", "2", "--stages", "4", "--placement", "model"]);

        Assert.True(code == 0, output + error);
        Assert.Contains("Model placement: 2 devices, 2 unit-speed devices keep the schedule (N = 2, N·L = 8); slowdown 1x", output, StringComparison.Ordinal);
        Assert.Matches(@"\n\s+0\s+1,2\s+1\s+100 %\s+4\r?\n", output);
        Assert.Matches(@"\n\s+1\s+3,4\s+1\s+100 %\s+2\r?\n", output);
    }

    [Fact]
    public void A_device_cap_merges_stages_and_says_how_much_slower()
    {
        var (code, output, error) = CliRunner.Run(["schedule", "--workers", "4", "--stages", "4", "--placement", "model", "--devices", "2"]);

        Assert.True(code == 0, output + error);
        Assert.Contains("Model placement: 2 devices, 4 unit-speed devices keep the schedule (N = 4, N·L = 16); slowdown 2x", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_placement_shows_who_sends_each_reader_its_version()
    {
        var (code, output, error) = CliRunner.Run(["schedule", "--workers", "4", "--stages", "4", "--rule", "cdp-v2", "--steps", "2", "--placement", "zero"]);

        Assert.True(code == 0, output + error);
        Assert.Contains("ZeRO batons of step 1", output, StringComparison.Ordinal);
        Assert.Matches(@"\n\s+1\s+w0\s+owner\s+θ0\s+8\s+8\s+15\r?\n", output);
        Assert.Matches(@"\n\s+1\s+w3\s+owner\s+θ1\s+14\s+14\s+21\r?\n", output);
        Assert.Matches(@"\n\s+4\s+w3\s+w2\s+θ1\s+17\s+16\s+18\r?\n", output);
    }

    [Fact]
    public void An_unknown_placement_is_refused_before_anything_is_printed()
    {
        var (code, output, error) = CliRunner.Run(["schedule", "--placement", "pipeline"]);

        Assert.Equal(2, code);
        Assert.Contains("--placement must be data, model or zero, not 'pipeline'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("tick", output, StringComparison.Ordinal);
    }
}
