using System.Globalization;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Planning;

/// <summary>
/// The bytes one device needs at most during a run, by kind: the ledger's tags, predicted before
/// training. Activations and workspace together are the smaller of two bounds that hold for any
/// timing: the schedule's activation peak over the device's workers (N·Σa_j under DP, less under
/// CDP; pacing holds the activations to it) plus every worker in its heaviest op at once (pacing
/// gates the activations an op keeps, not the temporaries it holds while it runs, so in wall-clock
/// time the ops of neighbouring ticks overlap), and N times the most one worker holds during one op
/// (its activations then plus that op's temporaries), DP's own peak. The rest does not depend on the
/// rule except look-ahead's scratch momentum.
/// </summary>
/// <param name="LookaheadScratch">
/// Of <paramref name="OptimizerState"/>, the look-ahead scratch momenta: one of the largest stage's
/// length for every worker that ever looks ahead, as if all of them did at once.
/// </param>
public sealed record MemoryNeed(long Activations, long Parameters, long Gradients, long OptimizerState, long Workspace, long Data, long LookaheadScratch = 0)
{
    public long Total => Activations + Parameters + Gradients + OptimizerState + Workspace + Data;

    /// <summary>
    /// The need of the device that runs <paramref name="workers"/> of the
    /// <paramref name="schedule"/>'s ranks. Each worker holds one replica (parameters and their
    /// gradients) and its micro-batch; with look-ahead, a scratch momentum of the largest stage's length
    /// while it loads a look-ahead point, if it ever does. Temporaries: N times the largest stage's;
    /// the one-worker bound: <see cref="CdpSchedule.MostHeldAtOneOp"/>. With <paramref name="reducersOnDevice"/> the
    /// stage reducers' state counts too: master parameters, the incoming gradient, the folded sum
    /// and momentum (on the CPU backend they share the process's pool; beside a GPU they live in
    /// host memory).
    /// </summary>
    /// <param name="stageParameterCounts">Parameters per stage (floats).</param>
    /// <param name="perStageActivationBytes">a_j at the run's micro-batch.</param>
    public static MemoryNeed Predict(CdpSchedule schedule, IReadOnlyList<int> workers, int totalSteps, IReadOnlyList<long> stageParameterCounts,
        IReadOnlyList<long> perStageActivationBytes, DelayCompensation compensation, OpFootprint footprint, bool reducersOnDevice)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentNullException.ThrowIfNull(stageParameterCounts);
        ArgumentNullException.ThrowIfNull(footprint);
        long parameterBytes = stageParameterCounts.Sum() * sizeof(float);
        long largestStageBytes = stageParameterCounts.Max() * sizeof(float);
        long n = workers.Count;
        long reducers = reducersOnDevice ? 1 : 0;
        // Two bounds on activations plus temporaries; the smaller holds: the schedule's activation peak
        // (pacing keeps the activations to it) plus every worker in its heaviest op, and N times the most
        // one worker holds during one op (DP's own peak, where the first is loose). Measured, cnn CDP-v1 at
        // N = 4: the ledger held 13.1–16.8 MB of temporaries against 9.4 MB at the schedule's busiest tick.
        long activations = schedule.PredictedPeakActivationBytes(perStageActivationBytes, Math.Max(totalSteps, 1), workers);
        long workspace = n * footprint.StageWorkspaceBytes.Max();
        var (oneWorkerActivations, oneWorkerWorkspace) = schedule.MostHeldAtOneOp(perStageActivationBytes, footprint.StageWorkspaceBytes);
        if (n * (oneWorkerActivations + oneWorkerWorkspace) < activations + workspace)
        {
            (activations, workspace) = (n * oneWorkerActivations, n * oneWorkerWorkspace);
        }

        long lookaheadScratch = LookingAhead(schedule, workers, compensation) * largestStageBytes;
        return new MemoryNeed(
            Activations: activations,
            Parameters: (n + reducers) * parameterBytes,
            Gradients: (n + (2 * reducers)) * parameterBytes,
            OptimizerState: (reducers * parameterBytes) + lookaheadScratch,
            Workspace: workspace,
            Data: n * footprint.DataBytes,
            LookaheadScratch: lookaheadScratch);
    }

    /// <summary>
    /// The workers that ever compute at a look-ahead point, each with a scratch momentum of the largest
    /// stage's length while it does (<see cref="LookaheadPoint"/>): under CDP-v2 a worker fresh at every
    /// stage never does (with N = L, the last).
    /// </summary>
    private static int LookingAhead(CdpSchedule schedule, IReadOnlyList<int> workers, DelayCompensation compensation) =>
        workers.Count(rank => Enumerable.Range(1, schedule.Stages).Any(stage => CompensationForRule.UsesLookahead(schedule, compensation, rank, stage, step: 1)));

    /// <summary>"1.23 GiB (activations 0.50, parameters 0.20, ...)".</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{ByteSize.Format(Total)} (activations {ByteSize.Format(Activations)}, parameters {ByteSize.Format(Parameters)}, gradients {ByteSize.Format(Gradients)}, optimizer state {ByteSize.Format(OptimizerState)}, workspace {ByteSize.Format(Workspace)}, data {ByteSize.Format(Data)})");
}
