using Akka.Configuration;
using CyclicActors.Actors.Runtime;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Tests.Settings;

public sealed class CyclicSettingsTests
{
    [Fact]
    public void The_reference_configuration_has_every_default()
    {
        var settings = CyclicSettings.From(CyclicSettings.Reference);
        Assert.Equal("cyclic", settings.SystemName);
        Assert.Equal("cyclic-actors.dispatchers.worker", settings.WorkerDispatcher);
        Assert.Equal("cyclic-actors.dispatchers.reducer", settings.ReducerDispatcher);
        Assert.Equal(TimeSpan.FromMilliseconds(5), settings.MemorySampleInterval);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.FinalStateTimeout);
        Assert.Equal((TimeSpan.FromSeconds(10), 5, 200), (settings.LogRepeatWindow, settings.LogRepeatsPerWindow, settings.LogLinesPerWindow));
        var config = CyclicSettings.Reference;
        Assert.Equal(typeof(DedicatedThreadDispatcherConfigurator).AssemblyQualifiedName!.Split(", Version")[0], config.GetString("cyclic-actors.dispatchers.worker.type"));
        Assert.Equal(config.GetString("cyclic-actors.dispatchers.worker.type"), config.GetString("cyclic-actors.dispatchers.reducer.type"));
        Assert.False(config.GetBoolean("akka.actor.serialization-settings.allow-unregistered-types"));
        Assert.Equal("cyclic", config.GetString("akka.actor.serialization-bindings.\"CyclicActors.Actors.Protocol.ICyclicMessage, CyclicActors.Actors\""));
        Assert.Equal(4171, config.GetInt("akka.actor.serialization-identifiers.\"CyclicActors.Actors.Serialization.CyclicMessageSerializer, CyclicActors.Actors\""));
    }

    [Fact]
    public void Every_cyclic_actors_key_is_read_by_the_settings()
    {
        // Leaves of the cyclic-actors tree, except the dispatcher definitions that the settings reference by path.
        var leaves = Leaves(CyclicSettings.Reference.GetConfig("cyclic-actors"), string.Empty)
            .Where(key => !key.StartsWith("dispatchers.", StringComparison.Ordinal))
            .Order();
        Assert.Equal(["fault-injection.at-op", "fault-injection.cut-links-at-publication", "fault-injection.cut-links-at-step", "fault-injection.delay", "fault-injection.delay-at-step",
            "fault-injection.drop-at-step", "fault-injection.kill-at-publication", "fault-injection.kill-at-step", "fault-injection.message", "fault-injection.nan-gradient-at-step",
            "final-state-timeout", "logging.lines-per-window", "logging.repeat-window", "logging.repeats-per-window", "memory.sample-interval",
            "pacing-patience", "reducer-dispatcher", "security.tls-directory", "stall-timeout", "system-name", "worker-dispatcher"], leaves);
    }

    private static IEnumerable<string> Leaves(Config config, string prefix) =>
        config.AsEnumerable().SelectMany(pair => pair.Value.IsObject()
            ? Leaves(config.GetConfig(pair.Key), prefix + pair.Key + ".")
            : [prefix + pair.Key]);

    [Theory]
    [InlineData("cyclic-actors.memory.sample-interval = 0ms", "cyclic-actors.memory.sample-interval")]
    [InlineData("cyclic-actors.final-state-timeout = soon", "cyclic-actors.final-state-timeout")]
    [InlineData("cyclic-actors.pacing-patience = 0s", "cyclic-actors.pacing-patience")]
    [InlineData("cyclic-actors.worker-dispatcher = \"no.such.dispatcher\"", "cyclic-actors.worker-dispatcher")]
    [InlineData("cyclic-actors.system-name = \"\"", "cyclic-actors.system-name")]
    [InlineData("cyclic-actors.logging.repeat-window = 0s", "cyclic-actors.logging.repeat-window")]
    [InlineData("cyclic-actors.logging.repeats-per-window = 0", "cyclic-actors.logging.repeats-per-window")]
    [InlineData("cyclic-actors.logging.lines-per-window = lots", "cyclic-actors.logging.lines-per-window")]
    [InlineData("cyclic-actors.fault-injection.kill-at-step = -2", "cyclic-actors.fault-injection.kill-at-step")]
    [InlineData("cyclic-actors.fault-injection.at-op = -1", "cyclic-actors.fault-injection.at-op")]
    [InlineData("cyclic-actors.fault-injection.cut-links-at-step = x", "cyclic-actors.fault-injection.cut-links-at-step")]
    [InlineData("cyclic-actors.fault-injection.kill-at-publication = -3", "cyclic-actors.fault-injection.kill-at-publication")]
    [InlineData("cyclic-actors.fault-injection { drop-at-step = 4, message = reply }", "cyclic-actors.fault-injection.message")]
    [InlineData("cyclic-actors.fault-injection { delay-at-step = 4, delay = 0s }", "cyclic-actors.fault-injection.delay")]
    [InlineData("cyclic-actors.fault-injection { delay-at-step = 4, drop-at-step = 5 }", "drop-at-step (5) and delay-at-step (4)")]
    [InlineData("cyclic-actors.stall-timeout = never", "cyclic-actors.stall-timeout")]
    public void An_invalid_value_names_its_key(string hocon, string key)
    {
        var config = CyclicSettings.WithFallbackToReference(ConfigurationFactory.ParseString(hocon));
        var error = Assert.Throws<ConfigurationException>(() => CyclicSettings.From(config));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void Fault_injection_is_off_by_default_and_fires_only_at_its_step_and_op()
    {
        Assert.Equal(FaultInjection.None, CyclicSettings.From(CyclicSettings.Reference).Faults);
        var faults = CyclicSettings.From(CyclicSettings.WithFallbackToReference(ConfigurationFactory.ParseString(
            "cyclic-actors.fault-injection { kill-at-step = 7, at-op = 3 }"))).Faults;
        Assert.True(faults.KillsBefore(7, 3));
        Assert.False(faults.KillsBefore(7, 2));
        Assert.False(faults.KillsBefore(6, 3));
        Assert.False(FaultInjection.None.KillsBefore(0, 0));
    }

    [Fact]
    public void A_message_fault_fires_once_for_the_first_message_of_its_kind_and_step()
    {
        var faults = CyclicSettings.From(CyclicSettings.WithFallbackToReference(ConfigurationFactory.ParseString(
            "cyclic-actors.fault-injection { delay-at-step = 5, message = gradient, delay = 250ms }"))).Faults;
        var fault = Assert.IsType<MessageFault>(faults.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(250), fault.Delay);
        Assert.False(fault.TryFire(FaultyMessage.Token, 5));
        Assert.False(fault.TryFire(FaultyMessage.Gradient, 4));
        Assert.True(fault.TryFire(FaultyMessage.Gradient, 5));
        Assert.False(fault.TryFire(FaultyMessage.Gradient, 5));
        Assert.False(faults.AtAnOp);

        var drop = CyclicSettings.From(CyclicSettings.WithFallbackToReference(ConfigurationFactory.ParseString(
            "cyclic-actors.fault-injection { drop-at-step = 2 }"))).Faults.Message;
        Assert.Equal((FaultyMessage.Token, 2, (TimeSpan?)null), (drop!.Kind, drop.Step, drop.Delay));
    }

    [Fact]
    public void The_stall_timeout_defaults_to_five_minutes_and_can_be_off()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), CyclicSettings.From(CyclicSettings.Reference).StallTimeout);
        Assert.Null(CyclicSettings.From(CyclicSettings.WithFallbackToReference(ConfigurationFactory.ParseString("cyclic-actors.stall-timeout = off"))).StallTimeout);
    }

    [Fact]
    public void A_missing_key_is_named()
    {
        var error = Assert.Throws<ConfigurationException>(() => CyclicSettings.From(ConfigurationFactory.ParseString("cyclic-actors.system-name = x")));
        Assert.Contains("cyclic-actors.worker-dispatcher", error.Message);
    }

    [Fact]
    public void Overrides_win_over_the_reference()
    {
        var settings = CyclicSettings.From(CyclicSettings.WithFallbackToReference(ConfigurationFactory.ParseString("cyclic-actors.final-state-timeout = 5s")));
        Assert.Equal(TimeSpan.FromSeconds(5), settings.FinalStateTimeout);
    }
}
