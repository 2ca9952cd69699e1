using System.Text.Json;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Host.Reporting;

/// <summary>
/// The --metrics file: one JSON object per optimizer step, flushed as it goes. The file is created
/// at the first step, so a run stopped or refused before it leaves none behind (the path itself
/// was checked at start).
/// </summary>
internal sealed class MetricsWriter(string path) : IDisposable
{
    // Evaluations during training write from their own thread.
    private readonly object _gate = new();
    private StreamWriter? _writer;

    private StreamWriter Open()
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        return new StreamWriter(path, append: false) { AutoFlush = true };
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
        if (metrics.ReservedBytes is { } reserved)
        {
            line["reserved_bytes"] = reserved;
        }

        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                line[key] = value;
            }
        }

        WriteLine(line);
    }

    /// <summary>
    /// A line for an evaluation during training of the parameters after <paramref name="stepsDone"/> steps:
    /// its "step" is the last step trained, as in the loss lines, beside steps and epochs done.
    /// </summary>
    public void WriteEvaluation(int stepsDone, double epochs, double accuracy) =>
        WriteLine(new Dictionary<string, object?> { ["step"] = stepsDone - 1, ["steps_done"] = stepsDone, ["epochs_done"] = Math.Round(epochs, 4), ["test_accuracy"] = accuracy });

    private void WriteLine(Dictionary<string, object?> line)
    {
        lock (_gate)
        {
            _writer ??= Open();
            _writer.WriteLine(JsonSerializer.Serialize(line, JsonOutput.Compact));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer?.Dispose();
        }
    }
}
