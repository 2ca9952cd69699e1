using System.Diagnostics;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Plan;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Host.Commands;

/// <summary>
/// Where `cyclic plan` gets its per-stage costs: a short timed run on this machine's backend (the
/// same model replica, micro-batch pass and stage optimizer the workers and reducers run), or a
/// trace of a real run (<see cref="TraceCosts"/>). The sizes (parameters, activations, temporaries)
/// always come from the model itself and one measured pass, as the memory check of `train` gets them.
/// </summary>
internal static class PlanCosts
{
    /// <summary>Timed repetitions of each op after one untimed pass; the median is kept.</summary>
    public const int Repetitions = 5;

    /// <summary>The stages' costs, and one line saying where they came from.</summary>
    public static (StageCost[] Stages, long DataBytes, string Origin) Resolve(string costs, ModelDefinition model, StagePartition partition, int batch, BackendPlan backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        var footprint = OpFootprint.Measure(model, partition, batch, backends.CreateIsolated);
        string? text = costs == "profile" ? null : File.ReadAllText(costs);
        bool saved = text is not null && SavedCosts.IsPlanFile(text);
        var times = text is null
            ? Profile(model, partition, batch, backends)
            : saved ? SavedCosts.Read(text, partition.StageCount) : TraceCosts.Read(text, partition.StageCount);
        var (load, lookahead, handoff) = times.Handling is { } kept
            ? (kept.Select(stage => stage.Load).ToArray(), kept.Select(stage => stage.Lookahead).ToArray(), kept.Select(stage => stage.Handoff).ToArray())
            : Handling(model, partition, backends);
        var origin = text is null
            ? $"profiled on this machine ({backends.Name}, median of {Repetitions} passes)"
            : saved
                ? $"from the plan file {costs}"
                : $"from the trace {costs} (medians of {times.Samples} op spans; loads and hand-offs profiled on {backends.Name})";
        var layout = new ParameterLayout(model, partition);
        var activations = Actors.Planning.TrainingPlan.StageActivationBytes(model, partition, batch);
        var stages = Enumerable.Range(0, partition.StageCount).Select(stage => new StageCost(
            times.ForwardSeconds[stage], times.BackwardSeconds[stage], times.FoldSeconds[stage], times.UpdateSeconds[stage],
            layout.StageSizes[stage], activations[stage], footprint.StageWorkspaceBytes[stage], load[stage], lookahead[stage], handoff[stage])).ToArray();
        return (stages, footprint.DataBytes, origin);
    }

    /// <summary>
    /// Times what a worker does around the passes, per stage (the trace's op spans leave it out): loading
    /// a published version into its replica before F_j, computing a look-ahead point there, and copying
    /// its gradient out into a new message after B_j.
    /// </summary>
    private static (double[] Load, double[] Lookahead, double[] Handoff) Handling(ModelDefinition model, StagePartition partition, BackendPlan backends)
    {
        using var backend = backends.Create(parentLedger: null);
        using var replica = new ModelReplica(model, partition, backend);
        int stages = partition.StageCount;
        var (load, lookahead, handoff) = (new double[stages], new double[stages], new double[stages]);
        var hyper = new SgdHyperParameters(0.01f, 0.9f, 0f);
        for (int stage = 0; stage < stages; stage++)
        {
            int length = checked((int)replica.Layout.StageSizes[stage]);
            GC.Collect();
            var published = new float[length];
            var momentum = new float[length];
            var (loads, lookaheads, handoffs) = (new List<double>(), new List<double>(), new List<double>());
            for (int round = 0; round <= Repetitions; round++)
            {
                double loadSeconds = Timed(backend, () => replica.SetStageParameters(stage, published));
                double lookaheadSeconds = Timed(backend, () => LookaheadPoint.ApplyInPlace(backend, replica.StageParameters(stage), replica.StageGradients(stage), momentum, hyper));
                // As the worker does it: a fresh array per contribution, which travels in the message.
                double handoffSeconds = Timed(backend, () => replica.GetStageGradients(stage, new float[length]));
                if (round > 0)
                {
                    loads.Add(loadSeconds);
                    lookaheads.Add(lookaheadSeconds);
                    handoffs.Add(handoffSeconds);
                }
            }

            (load[stage], lookahead[stage], handoff[stage]) = (TraceCosts.Median(loads), TraceCosts.Median(lookaheads), TraceCosts.Median(handoffs));
        }

        return (load, lookahead, handoff);
    }

    /// <summary>A reducer's fold of one contribution and its update of a stage of <paramref name="length"/> floats: medians of the timed rounds.</summary>
    private static (double Fold, double Update) Reducer(IComputeBackend backend, long length)
    {
        // A collection owed by earlier large arrays would otherwise land in these timings.
        GC.Collect();
        var host = new float[length];
        var hyper = new SgdHyperParameters(0.01f, 0.9f, 0f);
        using var optimizer = new StageOptimizer(backend, length, 2);
        using var incoming = backend.Allocate(length, MemoryTag.Gradients);
        using var master = backend.Allocate(length, MemoryTag.Parameters);
        var folds = new List<double>();
        var updates = new List<double>();
        // Two contributions a round: the first is a copy, the second (timed) what every later rank costs: onto the device, then added.
        for (int round = 0; round <= Repetitions; round++)
        {
            backend.Upload(host, incoming);
            optimizer.Accumulate(0, incoming);
            double foldSeconds = Timed(backend, () =>
            {
                backend.Upload(host, incoming);
                optimizer.Accumulate(1, incoming);
            });
            // The update, and the new version read back for its publication.
            double updateSeconds = Timed(backend, () =>
            {
                optimizer.Apply(master, hyper);
                backend.Download(master, host);
            });
            if (round > 0)
            {
                folds.Add(foldSeconds);
                updates.Add(updateSeconds);
            }
        }

        return (TraceCosts.Median(folds), TraceCosts.Median(updates));
    }

    private static double Timed(IComputeBackend backend, Action op)
    {
        var clock = Stopwatch.StartNew();
        op();
        backend.Synchronize();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Times F_j and B_j of one micro-batch, and a reducer's fold and update of stage j, on the backend that would train.</summary>
    private static MeasuredStageTimes Profile(ModelDefinition model, StagePartition partition, int batch, BackendPlan backends)
    {
        using var backend = backends.Create(parentLedger: null);
        using var replica = new ModelReplica(model, partition, backend);
        var random = new Random(5);
        using var samples = new SyntheticMicroBatch(backend, model, batch, [.. Enumerable.Range(0, batch * model.InputShape.Elements).Select(_ => (float)random.NextDouble())]);
        int stages = partition.StageCount;
        var forward = Enumerable.Range(0, stages).Select(_ => new List<double>()).ToArray();
        var backward = Enumerable.Range(0, stages).Select(_ => new List<double>()).ToArray();
        double Timed(Action op) => PlanCosts.Timed(backend, op);

        // The first pass warms caches, the JIT and the pool; it is not kept.
        for (int pass = 0; pass <= Repetitions; pass++)
        {
            using var micro = samples.BeginPass(replica);
            for (int stage = 0; stage < stages; stage++)
            {
                double seconds = Timed(() => micro.Forward(stage));
                if (pass > 0)
                {
                    forward[stage].Add(seconds);
                }
            }

            for (int stage = stages - 1; stage >= 0; stage--)
            {
                double seconds = Timed(() => micro.Backward(stage));
                if (pass > 0)
                {
                    backward[stage].Add(seconds);
                }
            }
        }

        var fold = new double[stages];
        var update = new double[stages];
        for (int stage = 0; stage < stages; stage++)
        {
            // Twice, keeping the second: a reducer keeps its buffers for the whole run, while a first
            // measurement pays the pool's first touch of fresh memory (several times the update itself).
            Reducer(backend, replica.Layout.StageSizes[stage]);
            (fold[stage], update[stage]) = Reducer(backend, replica.Layout.StageSizes[stage]);
        }

        return new MeasuredStageTimes([.. forward.Select(TraceCosts.Median)], [.. backward.Select(TraceCosts.Median)], fold, update, Repetitions * 2 * stages);
    }
}
