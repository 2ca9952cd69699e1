using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.Host.Cli;
using CyclicActors.Host.Commands;
using Xunit;

namespace CyclicActors.Host.Tests;

public sealed class MemoryBudgetTests
{
    [Theory]
    [InlineData("1500000", 1_500_000)]
    [InlineData("512MB", 512_000_000)]
    [InlineData("1.5GB", 1_500_000_000)]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("8GiB", 8L << 30)]
    [InlineData("8G", 8L << 30)]
    [InlineData(" 64 KiB ", 64L << 10)]
    public void Byte_counts_are_read_as_people_write_them(string text, long bytes) => Assert.Equal(bytes, ByteSize.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("-5MB")]
    [InlineData("MB")]
    [InlineData("12XB")]
    [InlineData("0")]
    [InlineData("1e400")]
    public void Anything_else_is_refused_naming_the_text(string text)
    {
        var error = Assert.Throws<UsageException>(() => MemoryBudget.Resolve(text, new CpuMemoryPool()));
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("--memory-budget", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_on_the_cpu_is_the_stated_share_of_the_memory_available()
    {
        var (bytes, origin) = MemoryBudget.Resolve("auto", new CpuMemoryPool())!.Value;
        Assert.Equal((long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * MemoryBudget.CpuAutoShare), bytes);
        Assert.Contains("80 %", origin, StringComparison.Ordinal);
        Assert.Null(MemoryBudget.Resolve(null, new CpuMemoryPool()));
    }

    [Fact]
    public void A_run_over_budget_stops_before_training_naming_its_need_and_the_need_under_every_rule()
    {
        using var sandbox = new Sandbox();
        var summary = sandbox.PathOf("summary.json");
        var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--steps", "2", "--batch", "4", "--backend", "cpu", "--quiet",
            "--memory-budget", "1MB", "--summary", summary);

        Assert.Equal(2, code);
        Assert.Contains("the run does not fit", error, StringComparison.Ordinal);
        Assert.Contains("cdp-v2 needs", error, StringComparison.Ordinal);
        Assert.Contains("budget 977 KiB", error, StringComparison.Ordinal);
        Assert.Matches(@"need by rule: dp [\d.]+ [KMG]iB, cdp-v1 [\d.]+ [KMG]iB, cdp-v2 [\d.]+ [KMG]iB", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("test accuracy", output, StringComparison.Ordinal);
        Assert.False(File.Exists(summary));
    }

    [Fact]
    public void A_run_within_budget_prints_its_need_and_records_it_beside_the_pools_high_water()
    {
        using var sandbox = new Sandbox();
        var summary = sandbox.PathOf("summary.json");
        var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--steps", "2", "--batch", "4", "--backend", "cpu", "--quiet",
            "--memory-budget", "2GiB", "--summary", summary);

        Assert.True(code == 0, error);
        Assert.Contains("memory on cpu: cdp-v2 needs", output, StringComparison.Ordinal);
        var json = CliRunner.ReadJson(summary);
        Assert.Equal(2L << 30, json.GetProperty("memory_budget_bytes").GetInt64());
        Assert.True(json.GetProperty("predicted_need_bytes").GetInt64() > 0);
        Assert.True(json.GetProperty("reserved_peak_bytes").GetInt64() > 0);
        Assert.Equal("budget", json.GetProperty("pacing").GetString());
        Assert.Equal("host", json.GetProperty("reducer_master_copies").GetString());
    }
}
