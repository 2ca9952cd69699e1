using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Planning;

/// <summary>How <see cref="ActorTrainer"/> runs: the arithmetic (config, rule, compensation) and where it runs.</summary>
public sealed record ActorTrainingOptions
{
    public TrainingConfig Training { get; init; } = new();

    public UpdateRule Rule { get; init; } = UpdateRule.Dp;

    /// <summary>CDP-v2's fresh set; ignored by the other rules.</summary>
    public V2FreshnessRule Freshness { get; init; } = V2FreshnessRule.Schedule;

    /// <summary>none or lookahead; look-ahead needs a CDP rule.</summary>
    public DelayCompensation Compensation { get; init; } = DelayCompensation.None;

    /// <summary>
    /// Builds worker <c>rank</c>'s backend, whose ledger must have the given process-wide ledger as
    /// parent. Called on the worker's own thread. Default: a <see cref="CpuBackend"/>.
    /// </summary>
    public Func<int, MemoryLedger, IComputeBackend> BackendFactory { get; init; } = DefaultBackend;

    /// <summary>
    /// Builds the backend on which a stage reducer keeps its master parameters and momentum, with
    /// the given process-wide ledger as its ledger's parent. Default: a <see cref="CpuBackend"/>.
    /// </summary>
    public Func<MemoryLedger, IComputeBackend> ReducerBackendFactory { get; init; } = DefaultReducerBackend;

    /// <summary>
    /// The memory pool the backends of this process draw from (the device's, shared by workers and
    /// reducers), whose reserved bytes and high-water the run reports; null reports none.
    /// </summary>
    public IDevicePool? DevicePool { get; init; }

    /// <summary>data (replicas, broadcast), model (stages on shared devices) or zero (parameters passed worker to worker).</summary>
    public Parallelism Parallelism { get; init; } = Parallelism.Data;

    /// <summary>
    /// Shards per stage reducer (--reducer-shards; 1: one reducer per stage). Data placement only; in a
    /// cluster, shard k of a stage runs on a different reducer holder for each k (see <see cref="Reduce.ReducerShards"/>).
    /// </summary>
    public int ReducerShards { get; init; } = 1;

    /// <summary>The model placement's cap on its devices (--devices); null: as many as the schedule needs.</summary>
    public int? Devices { get; init; }

    /// <summary>How each device's workers keep the schedule's order in wall-clock time (<see cref="PacingMode"/>).</summary>
    public PacingMode Pacing { get; init; } = PacingMode.None;

    /// <summary>
    /// Start from this cut instead of the initial parameters: the run trains its steps from
    /// <see cref="TrainingCut.Step"/> on, bitwise as the uninterrupted run would. Null starts at step 0.
    /// </summary>
    public TrainingCut? Resume { get; init; }

    /// <summary>Take a cut at every step boundary that is a multiple of this (0: none); each goes to <see cref="OnCut"/>.</summary>
    public int CutEvery { get; init; }

    /// <summary>
    /// Also take a cut at every step boundary below the last that is a multiple of this (0: none), for
    /// evaluating the parameters during training (--eval-every); cuts never change the run.
    /// </summary>
    public int EvaluateEvery { get; init; }

    /// <summary>Also take the cut at the run's last boundary (what an end-of-run checkpoint holds to be resumable).</summary>
    public bool FinalCut { get; init; }

    /// <summary>
    /// Gets each complete cut, on the coordinator's thread, in step order: it must return quickly
    /// (hand the cut to a writer), since the coordinator takes no report while it runs.
    /// </summary>
    public Action<TrainingCut>? OnCut { get; init; }

    /// <summary>What a NaN or infinite loss, gradient or update does: stop the run (default) or skip that step.</summary>
    public NonFiniteAction OnNonFinite { get; init; } = NonFiniteAction.Stop;

    /// <summary>
    /// Steps whose update every stage skips: their contributions are not folded (they may be NaN) and
    /// the version they would make equals the one before, momentum unchanged. A run with
    /// --on-nonfinite skip that met a bad step k ends bitwise as a run given {k} here from the start.
    /// </summary>
    public IReadOnlySet<int> SkippedSteps { get; init; } = new HashSet<int>();

    /// <summary>Write a Chrome trace (Perfetto) of the run to this file; null for none.</summary>
    public string? TracePath { get; init; }

    /// <summary>HOCON laid over hocon/reference.conf (e.g. profile or command-line overrides); null for none.</summary>
    public string? ConfigOverrides { get; init; }

    /// <summary>
    /// Test hook: put a <see cref="CyclicActors.Actors.Reduce.ContributionShuffler"/> seeded with this value (plus the
    /// stage) in front of every reducer, so contributions arrive in scrambled order.
    /// </summary>
    internal int? ContributionShuffleSeed { get; init; }

    public static IComputeBackend DefaultBackend(int rank, MemoryLedger processLedger) => new CpuBackend(new MemoryLedger(processLedger));

    public static IComputeBackend DefaultReducerBackend(MemoryLedger processLedger) => new CpuBackend(new MemoryLedger(processLedger));
}
