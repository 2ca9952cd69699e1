using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Tests.Logging;

/// <summary>Runs alone: it replaces the process-wide Console.Out to read what the logger prints.</summary>
[CollectionDefinition(nameof(ConsoleOutput), DisableParallelization = true)]
public sealed class ConsoleOutput;

/// <summary>The logger every ActorSystem of ours gets from the reference configuration, with a real system.</summary>
[Collection(nameof(ConsoleOutput))]
public sealed class CappedConsoleLoggerTests
{
    [Fact]
    public async Task A_system_from_the_reference_configuration_caps_repeats_of_one_template_and_counts_the_rest_at_shutdown()
    {
        var config = ConfigurationFactory.ParseString("cyclic-actors.logging { repeat-window = 1h, repeats-per-window = 3 }").WithFallback(CyclicSettings.Reference);
        var original = Console.Out;
        var output = new StringWriter();
        Console.SetOut(TextWriter.Synchronized(output));
        try
        {
            var system = ActorSystem.Create("capped-logger", config);
            var log = Akka.Event.Logging.GetLogger(system, "refusals");
            for (var i = 0; i < 50; i++)
            {
                log.Warning("Refused a connection from {0}", $"10.0.0.{i}");
            }

            // Akka numbers the actor of each connection attempt: those sources count as one.
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                Akka.Event.Logging.GetLogger(system, $"endpointWriter-{attempt}").Warning("Handshake failed");
            }

            log.Error("A different line");
            // The logger works through its mailbox on its own thread; terminating now would stop it
            // with events still queued, and Akka prints those with its plain standard-output logger.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!output.ToString().Contains("A different line", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            Console.SetOut(original);
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var printed = lines.Where(line => line.StartsWith("[WARNING]", StringComparison.Ordinal) && line.Contains("Refused a connection from", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["10.0.0.0", "10.0.0.1", "10.0.0.2"], printed.Select(line => line[(line.LastIndexOf(' ') + 1)..].Trim()));
        Assert.Contains(lines, line => line.StartsWith("(suppressed 47 repeats within 3600 s of: [WARNING]", StringComparison.Ordinal) && line.Contains("Refused a connection from 10.0.0.0", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("[ERROR]", StringComparison.Ordinal) && line.Contains("A different line", StringComparison.Ordinal));
        Assert.Equal(3, lines.Count(line => line.StartsWith("[WARNING]", StringComparison.Ordinal) && line.Contains("Handshake failed", StringComparison.Ordinal)));
        Assert.Contains(lines, line => line.StartsWith("(suppressed 2 repeats within 3600 s of: [WARNING]", StringComparison.Ordinal) && line.Contains("[endpointWriter-1 (akka://capped-logger)] Handshake failed", StringComparison.Ordinal));
    }
}
