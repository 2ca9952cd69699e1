using System.Globalization;
using CyclicActors.GpuCompute.Training;
using Spectre.Console;

namespace CyclicActors.Host.Reporting;

/// <summary>
/// A live bar (epoch, loss, samples/s, ETA) when stdout is a terminal; otherwise plain lines, about
/// ten per run plus one per epoch end, so logs stay readable. A cluster run adds its own detail
/// (tensor rate, activations per node) at the end of each line.
/// </summary>
internal sealed class ProgressReporter
{
    private readonly bool _interactive;
    private readonly Func<string>? _detail;
    private ProgressTask? _task;
    private int _lastPlainStep = -1;

    public ProgressReporter(bool? interactive = null, Func<string>? detail = null)
    {
        _interactive = interactive ?? (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive);
        _detail = detail;
    }

    public T Run<T>(string title, int totalSteps, Func<Action<StepMetrics>, T> work)
    {
        if (!_interactive)
        {
            return work(ReportPlain);
        }

        return AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                _task = context.AddTask(Markup.Escape(title), maxValue: Math.Max(totalSteps, 1));
                return work(ReportInteractive);
            });
    }

    private void ReportInteractive(StepMetrics m)
    {
        // The total may differ from the one guessed at the start (a cluster's elastic start trains with fewer workers).
        _task!.MaxValue = Math.Max(m.TotalSteps, 1);
        _task.Value = m.Step + 1;
        _task.Description = Markup.Escape(Describe(m));
    }

    private void ReportPlain(StepMetrics m)
    {
        int every = Math.Max(1, m.TotalSteps / 10);
        bool epochEnd = m.StepInEpoch == m.StepsPerEpoch - 1;
        if (m.Step == 0 || epochEnd || m.Step - _lastPlainStep >= every || m.Step == m.TotalSteps - 1)
        {
            _lastPlainStep = m.Step;
            Console.WriteLine($"step {m.Step + 1}/{m.TotalSteps}  {Describe(m)}");
        }
    }

    private string Describe(StepMetrics m)
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"epoch {m.Epoch + 1} [{m.StepInEpoch + 1}/{m.StepsPerEpoch}]  loss {m.Loss:F4}  {m.SamplesPerSecond:F0} samples/s  ETA {Eta(m)}");
        return _detail?.Invoke() is { Length: > 0 } detail ? $"{line}  {detail}" : line;
    }

    private static string Eta(StepMetrics m)
    {
        double perStep = m.ElapsedSeconds / (m.Step + 1);
        var remaining = TimeSpan.FromSeconds(perStep * (m.TotalSteps - m.Step - 1));
        return remaining.ToString(remaining.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
    }
}
