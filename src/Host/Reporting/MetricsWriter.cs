using System.Text.Json;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Host.Reporting;

/// <summary>The --metrics file: one JSON object per optimizer step, flushed as it goes.</summary>
internal sealed class MetricsWriter : IDisposable
{
    private readonly StreamWriter _writer;

    public MetricsWriter(string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
    }

    public void Write(StepMetrics metrics, IReadOnlyDictionary<string, object?>? extra = null)
    {
        var line = new Dictionary<string, object?>
        {
            ["step"] = metrics.Step,
            ["epoch"] = metrics.Epoch,
            ["loss"] = metrics.Loss,
            ["samples_per_second"] = Math.Round(metrics.SamplesPerSecond, 2),
            ["live_activation_bytes"] = metrics.PeakActivationBytesInStep,
            ["elapsed_seconds"] = Math.Round(metrics.ElapsedSeconds, 4),
        };
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                line[key] = value;
            }
        }

        _writer.WriteLine(JsonSerializer.Serialize(line, JsonOutput.Compact));
    }

    public void Dispose() => _writer.Dispose();
}
