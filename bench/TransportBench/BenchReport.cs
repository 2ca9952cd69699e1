using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace CyclicActors.Bench.Transport;

/// <summary>Writes bench/results/transport-STAMP.json and .md with the exact command and machine.</summary>
internal static class BenchReport
{
    public static IReadOnlyList<string> Write(BenchOptions options, string[] args, IReadOnlyList<Measurement> measurements, SerializationBreakdown breakdown)
    {
        Directory.CreateDirectory(options.ResultsDirectory);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var command = "dotnet run -c Release --project bench/TransportBench -- " + string.Join(' ', args);
        var document = new
        {
            command,
            utc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            machine = new { Environment.ProcessorCount, os = RuntimeInformation.OSDescription, runtime = RuntimeInformation.FrameworkDescription, loadAverage = LoadAverage() },
            options = new { options.PayloadMiB, options.ChunkKiB, options.Windows, options.Repetitions, options.FrameBytes },
            scenarios = measurements.Select(m => new
            {
                m.Name,
                m.Window,
                m.Description,
                m.Seconds,
                m.MedianSeconds,
                m.MiBPerSecond,
                percentOfRawTcp = 100 * RawFor(measurements, m).MedianSeconds / m.MedianSeconds,
                m.SenderAllocatedBytes,
                m.ReceiverAllocatedBytes,
            }),
            inProcessBreakdownSecondsPerTransfer = breakdown,
        };
        var json = Path.Combine(options.ResultsDirectory, $"transport-{stamp}.json");
        File.WriteAllText(json, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
        var markdown = Path.Combine(options.ResultsDirectory, $"transport-{stamp}.md");
        File.WriteAllText(markdown, Markdown(command, options, measurements, breakdown));
        return [json, markdown];
    }

    private static string Markdown(string command, BenchOptions options, IReadOnlyList<Measurement> measurements, SerializationBreakdown breakdown)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Tensor transport between two processes ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, load average at the end {LoadAverage()}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Payload {options.PayloadMiB} MiB of float32, chunks {options.ChunkKiB} KiB, flow-control windows {string.Join(", ", options.Windows)} chunks, Akka frame limit {options.FrameBytes} B; median of {options.Repetitions} timed transfers after one warm-up, each verified bit for bit by the receiver.");
        text.AppendLine();
        text.AppendLine("| Path | Window | Median s | MiB/s | % of raw TCP | Sender alloc / transfer | Receiver alloc / transfer | Runs (s) |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var m in measurements)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Name} | {m.Window} | {m.MedianSeconds:0.000} | {m.MiBPerSecond:0.0} | {100 * RawFor(measurements, m).MedianSeconds / m.MedianSeconds:0} % | {MiB(m.SenderAllocatedBytes)} | {MiB(m.ReceiverAllocatedBytes)} | {string.Join(", ", m.Seconds.Select(s => s.ToString("0.000", CultureInfo.InvariantCulture)))} |");
        }

        var remote = measurements.Where(m => m.Name == "akka-remote-chunked").Min(m => m.MedianSeconds);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Where the chunked Akka.Remote time goes, per {options.PayloadMiB} MiB transfer: MessagePack serialize {breakdown.SerializeSeconds:0.000} s, deserialize {breakdown.DeserializeSeconds:0.000} s (a slice, no copy), reassembly copy {breakdown.ReassembleSeconds:0.000} s, measured in one process without transport. "
            + $"The rest of the best remote median ({remote:0.000} s), {Math.Max(0, remote - breakdown.SerializeSeconds - breakdown.DeserializeSeconds - breakdown.ReassembleSeconds):0.000} s, is Akka.Remote: protobuf envelope copies, DotNetty framing, the socket.");
        return text.ToString();
    }

    /// <summary>The raw TCP baseline measured for the same window (just before that window's paths).</summary>
    private static Measurement RawFor(IReadOnlyList<Measurement> measurements, Measurement m) =>
        measurements.First(candidate => candidate.Name == "raw-tcp" && candidate.Window == m.Window);

    private static string MiB(long? bytes) => bytes is { } value ? $"{value / (1024.0 * 1024):0} MiB" : "–";

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
