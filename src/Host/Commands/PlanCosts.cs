using System.Diagnostics;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Plan;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Host.Commands;

/// <summary>
/// Where `cyclic plan` gets its per-stage costs: a trace of a real run (<see cref="TraceCosts"/>),
/// one the user recorded or a short one made here (<see cref="ShortRun"/>), or each op
/// timed alone on this machine's backend (the same model replica, micro-batch pass and stage
/// optimizer the workers and reducers run). The sizes (parameters, activations, temporaries)
/// always come from the model itself and one measured pass, as the memory check of `train` gets them.
/// </summary>
internal static class PlanCosts
{
    /// <summary>--costs: each op timed alone.</summary>
    public const string Profiled = "profile";

    /// <summary>--costs: a short traced run of the runtime (<see cref="ShortRun"/>).</summary>
    public const string ShortRunCosts = "run";

    /// <summary>Timed repetitions of each op after the warm-up; the median is kept.</summary>
    public const int Repetitions = 9;

    /// <summary>
    /// Untimed passes run at least this long first: .NET compiles a method again, optimised, only
    /// after some thirty calls and a pause, so the first passes of a fresh process run slower code
    /// than a training run does for nearly all its steps (measured: F_1 of cnn 0.77 ms after one
    /// warm-up pass, 0.29 ms in a run's trace).
    /// </summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1.5);

    /// <summary>Untimed rounds of every stage's load, look-ahead and hand-off before the timed ones.</summary>
    private const int HandlingWarmUpRounds = 8;

    /// <summary>Passes timed for when in each op its buffers come and go: their median steadies a millisecond op's moments.</summary>
    private const int BufferTimingPasses = 3;

    /// <summary>The stages' costs, the transport's CPU per byte at each end (0 unless a trace or plan file gives it), and one line saying where they came from.</summary>
    /// <param name="recordedSlots">A trace's recording machine's compute slots, to take the sharing out of its spans (0: keep them).</param>
    /// <param name="slotsSharedByProcesses">Whether the trace's processes shared one host's <paramref name="recordedSlots"/>.</param>
    /// <param name="run">With <paramref name="costs"/> "run" (and only then): the short run to trace, of <paramref name="config"/>.</param>
    /// <param name="timedBuffers">Whether to time when in each op its buffers come and go (<c>--op-buffers timed</c>; the caller leaves it off on a GPU), else each op holds them whole.</param>
    public static (StageCost[] Stages, double EndpointCpuSecondsPerByte, long DataBytes, string Origin) Resolve(string costs, ModelDefinition model, StagePartition partition, TrainingConfig config, BackendPlan backends,
        double recordedSlots, bool slotsSharedByProcesses = false, ShortRun? run = null, bool timedBuffers = false)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(config);
        int batch = config.MicroBatch;
        // Without timed passes an op's buffers carry no moments, so each op holds them whole.
        var footprint = OpFootprint.Measure(model, partition, batch, backends.CreateIsolated, timedBuffers ? BufferTimingPasses : 0);
        string? text = costs switch
        {
            Profiled => null,
            ShortRunCosts => Traced(run ?? throw new ArgumentNullException(nameof(run), "--costs run needs the run to make"), config, model, partition, backends),
            _ => File.ReadAllText(costs),
        };
        bool saved = text is not null && SavedCosts.IsPlanFile(text);
        if (saved)
        {
            footprint = WithSavedBufferEvents(footprint, SavedCosts.BufferEvents(text!, partition.StageCount));
        }

        var times = text is null
            ? Profile(model, partition, batch, backends)
            : saved ? SavedCosts.Read(text, partition.StageCount) : TraceCosts.Read(text, partition.StageCount, recordedSlots, slotsSharedByProcesses);
        var (load, lookahead, handoff) = times.Handling is { } kept
            ? (kept.Select(stage => stage.Load).ToArray(), kept.Select(stage => stage.Lookahead).ToArray(), kept.Select(stage => stage.Handoff).ToArray())
            : Handling(model, partition, backends);
        // A trace of a run without look-ahead has no look-ahead spans: those alone come from the profile.
        bool profiledLookahead = lookahead.Any(double.IsNaN);
        if (profiledLookahead)
        {
            var profiled = Handling(model, partition, backends).Lookahead;
            lookahead = [.. lookahead.Select((seconds, stage) => double.IsNaN(seconds) ? profiled[stage] : seconds)];
        }

        var origin = text is null
            ? $"profiled on this machine ({backends.Name}, median of {Repetitions} passes)"
            : saved
                ? $"from the plan file {costs}"
                : $"from {(run is not null ? $"the trace of {run.Describe(backends.Name)}" : $"the trace {costs}")} (means of {times.Samples} op spans{(recordedSlots > 0 ? $" as full-speed work on {recordedSlots.ToString(System.Globalization.CultureInfo.InvariantCulture)} slots{(slotsSharedByProcesses ? " that all its processes shared" : string.Empty)}" : string.Empty)}"
                    + (times.UntracedSecondsPerOp > 0 ? $", each op with {times.UntracedSecondsPerOp * 1e6:F0} us beside it of the CPU no span covers" : string.Empty)
                    + (times.UntracedSecondsPerByte > 0 ? $", each end of a transfer with {times.UntracedSecondsPerByte * 1e9:F2} ns a byte of it" : string.Empty) + "; "
                    + (times.Handling is null ? $"loads and hand-offs profiled on {backends.Name})" : profiledLookahead ? $"look-ahead points profiled on {backends.Name})" : "loads, look-aheads and hand-offs traced too)");
        var layout = new ParameterLayout(model, partition);
        var activations = Actors.Planning.TrainingPlan.StageActivationBytes(model, partition, batch);
        var stages = Enumerable.Range(0, partition.StageCount).Select(stage => new StageCost(
            times.ForwardSeconds[stage], times.BackwardSeconds[stage], times.FoldSeconds[stage], times.UpdateSeconds[stage],
            layout.StageSizes[stage], activations[stage], footprint.StageWorkspaceBytes[stage], load[stage], lookahead[stage], handoff[stage], times.UntracedSecondsPerOp,
            footprint.StageForwardBuffers?[stage], footprint.StageBackwardBuffers?[stage], times.ForwardSpread?[stage] ?? 0, times.BackwardSpread?[stage] ?? 0)).ToArray();
        return (stages, times.UntracedSecondsPerByte, footprint.DataBytes, origin);
    }

    /// <summary>
    /// <paramref name="footprint"/> with its ops' buffer events at the moments a plan file saved, so a replay
    /// is the plan it replays; an op keeps the moments measured now where the file has none or its rents and
    /// returns are not the ones measured now (another backend or build).
    /// </summary>
    private static OpFootprint WithSavedBufferEvents(OpFootprint footprint, (IReadOnlyList<BufferEvent>? Forward, IReadOnlyList<BufferEvent>? Backward)[] saved)
    {
        static OpBuffers? Timed(OpBuffers? op, IReadOnlyList<BufferEvent>? kept) =>
            op is not null && kept is not null && op.SameRentsAndReturns(kept) ? op with { Events = kept } : op;
        return footprint with
        {
            StageForwardBuffers = footprint.StageForwardBuffers?.Select((op, stage) => Timed(op, saved[stage].Forward)!).ToArray(),
            StageBackwardBuffers = footprint.StageBackwardBuffers?.Select((op, stage) => Timed(op, saved[stage].Backward)!).ToArray(),
        };
    }

    /// <summary>Makes the short run, saying so first on stderr: it takes seconds to minutes where a profile takes one or two.</summary>
    private static string Traced(ShortRun run, TrainingConfig config, ModelDefinition model, StagePartition partition, BackendPlan backends)
    {
        Console.Error.WriteLine($"cyclic plan: tracing {run.Describe(backends.Name)} for the costs (--costs profile is quicker, --costs PLAN.json replays saved ones)");
        return run.Record(config, model, partition, backends);
    }

    /// <summary>
    /// Times what a worker does around the passes, per stage (for a profile, and for a trace without handling spans): loading
    /// a published version into its replica before F_j, computing a look-ahead point there, and copying
    /// its gradient out after B_j into an array the reducer gave back (<see cref="Actors.Reduce.GradientBuffers"/>).
    /// </summary>
    private static (double[] Load, double[] Lookahead, double[] Handoff) Handling(ModelDefinition model, StagePartition partition, BackendPlan backends)
    {
        using var backend = backends.Create(parentLedger: null);
        using var replica = new ModelReplica(model, partition, backend);
        int stages = partition.StageCount;
        var hyper = new SgdHyperParameters(0.01f, 0.9f, 0f);
        var published = Enumerable.Range(0, stages).Select(stage => new float[replica.Layout.StageSizes[stage]]).ToArray();
        var momentum = Enumerable.Range(0, stages).Select(stage => new float[replica.Layout.StageSizes[stage]]).ToArray();
        var loads = Enumerable.Range(0, stages).Select(_ => new List<double>()).ToArray();
        var lookaheads = Enumerable.Range(0, stages).Select(_ => new List<double>()).ToArray();
        var handoffs = Enumerable.Range(0, stages).Select(_ => new List<double>()).ToArray();

        var handedOff = Enumerable.Range(0, stages).Select(stage => new float[replica.Layout.StageSizes[stage]]).ToArray();
        // Round by round over the stages, as a run's steps hand off every stage's gradient in turn, after untimed rounds.
        for (int round = -HandlingWarmUpRounds; round < Repetitions; round++)
        {
            for (int stage = 0; stage < stages; stage++)
            {
                double loadSeconds = Timed(backend, () => replica.SetStageParameters(stage, published[stage]));
                double lookaheadSeconds = Timed(backend, () => LookaheadPoint.ApplyInPlace(backend, replica.StageParameters(stage), replica.StageGradients(stage), momentum[stage], hyper, replica.Layout.LargestStageSize));
                double handoffSeconds = Timed(backend, () => replica.GetStageGradients(stage, handedOff[stage]));
                if (round >= 0)
                {
                    loads[stage].Add(loadSeconds);
                    lookaheads[stage].Add(lookaheadSeconds);
                    handoffs[stage].Add(handoffSeconds);
                }
            }
        }

        return ([.. loads.Select(Statistics.Median)], [.. lookaheads.Select(Statistics.Median)], [.. handoffs.Select(Statistics.Median)]);
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

        return (Statistics.Median(folds), Statistics.Median(updates));
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

        void Pass(bool keep)
        {
            using var micro = samples.BeginPass(replica);
            for (int stage = 0; stage < stages; stage++)
            {
                double seconds = Timed(() => micro.Forward(stage));
                if (keep)
                {
                    forward[stage].Add(seconds);
                }
            }

            for (int stage = stages - 1; stage >= 0; stage--)
            {
                double seconds = Timed(() => micro.Backward(stage));
                if (keep)
                {
                    backward[stage].Add(seconds);
                }
            }
        }

        // The warm-up passes (caches, the JIT's optimised code, the pool) are not kept.
        var warming = Stopwatch.StartNew();
        do
        {
            Pass(keep: false);
        }
        while (warming.Elapsed < WarmUp);

        for (int pass = 0; pass < Repetitions; pass++)
        {
            Pass(keep: true);
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

        return new MeasuredStageTimes([.. forward.Select(Statistics.Median)], [.. backward.Select(Statistics.Median)], fold, update, Repetitions * 2 * stages);
    }
}
