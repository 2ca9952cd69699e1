using System.Text.Json;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>The runtime settings the host ships with (cyclic.runtimeconfig.json beside the program the process tests start).</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_host_runs_without_tiered_compilation_with_the_workstation_collector_and_pool_threads_that_do_not_spin()
    {
        // Tiering re-compiled Akka, DotNetty and MessagePack on the training cores for a node's first
        // ~30 s (bench/results/jit-tiering.md); dropping the setting would silently halve cluster speed.
        var config = Path.Combine(AppContext.BaseDirectory, "cyclic.runtimeconfig.json");
        var properties = JsonDocument.Parse(File.ReadAllText(config)).RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.False(properties.GetProperty("System.Runtime.TieredCompilation").GetBoolean());
        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        // Idle pool threads yielding their core took the CPU the stage arithmetic needed on the emulated hosts (bench/results/channel-wakeups.md).
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
