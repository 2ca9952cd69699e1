using System.Globalization;
using CyclicActors.Actors.Runtime;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;

namespace CyclicActors.Host.Reporting;

/// <summary>
/// --eval-every: test accuracy of the parameters the reducers cut at step boundaries, measured on a
/// thread of its own on the CPU backend, so training does not wait for it (the coordinator only hands
/// over the cut's parameters). Keeps every result in step order, the best one, and writes a metrics
/// line per evaluation. Thread-safe.
/// </summary>
internal sealed class EvaluationQueue : IDisposable
{
    private readonly object _gate = new();
    private readonly List<Evaluation> _done = [];
    private readonly OneThreadQueue<(int Step, float[] Parameters)> _queue;
    private readonly CpuBackend _backend = new();
    private readonly ModelDefinition _model;
    private readonly StagePartition _partition;
    private readonly Dataset _testSet;
    private readonly int _stepsPerEpoch;
    private readonly MetricsWriter? _metrics;
    private Exception? _failure;

    public EvaluationQueue(ModelDefinition model, StagePartition partition, Dataset testSet, int stepsPerEpoch, MetricsWriter? metrics)
    {
        _model = model;
        _partition = partition;
        _testSet = testSet;
        _stepsPerEpoch = stepsPerEpoch;
        _metrics = metrics;
        _queue = new OneThreadQueue<(int Step, float[] Parameters)>("evaluation", Evaluate);
    }

    /// <summary>One evaluation: the parameters after <paramref name="Step"/> steps.</summary>
    public sealed record Evaluation(int Step, double Epochs, double Accuracy);

    /// <summary>Evaluates the parameters after <paramref name="step"/> steps (the caller no longer changes them).</summary>
    public void Enqueue(int step, float[] parameters) => _queue.Enqueue((step, parameters));

    /// <summary>The evaluations so far, in step order.</summary>
    public IReadOnlyList<Evaluation> Done
    {
        get
        {
            lock (_gate)
            {
                return [.. _done.OrderBy(e => e.Step)];
            }
        }
    }

    /// <summary>For the progress line: the latest accuracy and the best so far ("" before the first).</summary>
    public string Describe()
    {
        var done = Done;
        if (done.Count == 0)
        {
            return "";
        }

        var best = done.MaxBy(e => e.Accuracy)!;
        return string.Create(CultureInfo.InvariantCulture, $"test {done[^1].Accuracy:P2} (best {best.Accuracy:P2} at step {best.Step})");
    }

    /// <summary>Waits for every evaluation handed over; rethrows the first that failed.</summary>
    public IReadOnlyList<Evaluation> Complete()
    {
        _queue.Drain();
        return _failure is null ? Done : throw new IOException($"an evaluation during training failed: {_failure.Message}", _failure);
    }

    public void Dispose()
    {
        _queue.Abandon();
        _backend.Dispose();
    }

    private void Evaluate((int Step, float[] Parameters) next)
    {
        try
        {
            var accuracy = Commands.TrainCommand.TestAccuracy(_model, _partition, _backend, next.Parameters, _testSet);
            var evaluation = new Evaluation(next.Step, (double)next.Step / _stepsPerEpoch, accuracy);
            lock (_gate)
            {
                _done.Add(evaluation);
            }

            _metrics?.WriteEvaluation(evaluation.Step, evaluation.Epochs, evaluation.Accuracy);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException)
        {
            _failure ??= e;
        }
    }

    /// <summary>The summary's keys: every evaluation, then the best of them and the final one.</summary>
    public static void Summarize(IReadOnlyList<Evaluation> during, int finalStep, double finalAccuracy, int stepsPerEpoch, IDictionary<string, object?> summary)
    {
        ArgumentNullException.ThrowIfNull(during);
        ArgumentNullException.ThrowIfNull(summary);
        var all = during.Where(e => e.Step != finalStep).Append(new Evaluation(finalStep, (double)finalStep / stepsPerEpoch, finalAccuracy)).ToArray();
        var best = all.MaxBy(e => e.Accuracy)!;
        summary["evaluations"] = all.Select(e => new Dictionary<string, object?> { ["steps_done"] = e.Step, ["epochs_done"] = Math.Round(e.Epochs, 4), ["test_accuracy"] = e.Accuracy }).ToArray();
        summary["best_test_accuracy"] = best.Accuracy;
        summary["best_test_accuracy_steps_done"] = best.Step;
    }
}
