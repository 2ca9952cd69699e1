using System.Diagnostics;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Simulation;

/// <summary>
/// The delayed-gradient simulation of cdp-method.md §3.2 and §9.1 item 9, without actors: for each
/// step and each rank in order, the micro-batch runs with every stage at exactly the parameters the
/// rule requires (DP θ_t; v1 θ_{t−1}; v2 θ_t or θ_{t−1} per (worker, stage); with look-ahead, the
/// look-ahead point for stale ops), the gradients are folded in rank order by
/// <see cref="StageOptimizer"/> and one SGD step per stage makes θ_{t+1}. The actor runtime must
/// match it bitwise, and with rule DP it equals <see cref="ReferenceTrainer"/> bitwise.
/// </summary>
public sealed class DelayedGradientSimulation
{
    private readonly TrainingConfig _config;
    private readonly ModelDefinition _model;
    private readonly StagePartition _partition;
    private readonly CdpSchedule _schedule;
    private readonly DelayCompensation _compensation;
    private readonly IComputeBackend _backend;

    public DelayedGradientSimulation(TrainingConfig config, ModelDefinition model, StagePartition partition, CdpSchedule schedule, DelayCompensation compensation, IComputeBackend backend)
    {
        config.Validate();
        if (schedule.Workers != config.Workers || schedule.Stages != partition.StageCount)
        {
            throw new ArgumentException($"The schedule ({schedule}) does not match {config.Workers} workers and {partition.StageCount} stages.");
        }

        if (compensation == DelayCompensation.Lookahead && schedule.Rule == UpdateRule.Dp)
        {
            throw new ArgumentException("Look-ahead compensation applies to the CDP rules only.");
        }

        _config = config;
        _model = model;
        _partition = partition;
        _schedule = schedule;
        _compensation = compensation;
        _backend = backend;
    }

    public TrainingOutcome Train(IMicroBatchSource data, float[] initialParameters, int totalSteps, Action<StepMetrics>? onStep = null, CancellationToken cancel = default)
    {
        using var replica = new ModelReplica(_model, _partition, _backend);
        int stages = replica.StageCount;
        var sizes = replica.Layout.StageSizes.Select(size => (int)size).ToArray();
        var history = new VersionHistory(SplitStages(initialParameters, sizes), sizes);
        var masters = sizes.Select(size => _backend.Allocate(size, MemoryTag.Parameters)).ToArray();
        var optimizers = sizes.Select(size => new StageOptimizer(_backend, size, _config.Workers)).ToArray();
        using var ownGradient = _backend.Allocate(sizes.Max(), MemoryTag.Gradients);
        var previousGradients = new float[_config.Workers][][];
        int batch = _config.MicroBatch;
        var pixels = new float[batch * data.SampleShape.Elements];
        var oneHot = new float[batch * data.Classes];
        using var input = _backend.Allocate(pixels.Length, MemoryTag.Data);
        using var labels = _backend.Allocate(oneHot.Length, MemoryTag.Data);
        var clock = Stopwatch.StartNew();
        float lastLoss = float.NaN;
        try
        {
            for (int stage = 0; stage < stages; stage++)
            {
                _backend.Upload(history.Parameters(0, stage), masters[stage]);
            }

            for (int step = 0; step < totalSteps; step++)
            {
                cancel.ThrowIfCancellationRequested();
                int epoch = step / data.StepsPerEpoch, stepInEpoch = step % data.StepsPerEpoch;
                float lossSum = 0;
                for (int rank = 0; rank < _config.Workers; rank++)
                {
                    for (int stage = 0; stage < stages; stage++)
                    {
                        int version = _schedule.RequiredVersion(step, rank, stage + 1);
                        replica.SetStageParameters(stage, history.Parameters(version, stage));
                        if (UsesLookahead(step, rank, stage))
                        {
                            var own = ownGradient.Slice(0, sizes[stage]);
                            _backend.Upload(previousGradients[rank][stage], own);
                            LookaheadPoint.ApplyInPlace(_backend, replica.StageParameters(stage), own, history.Momentum(version, stage), _config.SgdAt(version, totalSteps),
                                replica.Layout.LargestStageSize);
                        }
                    }

                    data.Fill(epoch, stepInEpoch, rank, pixels, oneHot);
                    _backend.Upload(pixels, input);
                    _backend.Upload(oneHot, labels);
                    using var pass = replica.BeginPass(input, labels, batch);
                    for (int stage = 0; stage < stages; stage++)
                    {
                        pass.Forward(stage);
                    }

                    previousGradients[rank] ??= new float[stages][];
                    for (int stage = stages - 1; stage >= 0; stage--)
                    {
                        pass.Backward(stage);
                        optimizers[stage].Accumulate(rank, replica.StageGradients(stage));
                        if (_compensation == DelayCompensation.Lookahead)
                        {
                            previousGradients[rank][stage] ??= new float[sizes[stage]];
                            replica.GetStageGradients(stage, previousGradients[rank][stage]);
                        }
                    }

                    lossSum += pass.Loss;
                }

                var next = new float[stages][];
                var momentum = new float[stages][];
                for (int stage = 0; stage < stages; stage++)
                {
                    optimizers[stage].Apply(masters[stage], _config.SgdAt(step, totalSteps));
                    next[stage] = Download(masters[stage]);
                    momentum[stage] = Download(optimizers[stage].Momentum);
                }

                history.Add(step + 1, next, momentum);
                lastLoss = lossSum / _config.Workers;
                if (!float.IsFinite(lastLoss))
                {
                    throw new NonFiniteLossException(step, lastLoss);
                }

                onStep?.Invoke(new StepMetrics(step, epoch, stepInEpoch, data.StepsPerEpoch, totalSteps, lastLoss, 0, 0, clock.Elapsed.TotalSeconds));
            }

            double wall = clock.Elapsed.TotalSeconds;
            return TrainingOutcome.AfterSteps(
                history.Parameters(totalSteps).SelectMany(p => p).ToArray(),
                optimizers.Select(o => Download(o.Momentum)).ToArray(),
                totalSteps,
                data.StepsPerEpoch,
                lastLoss,
                wall,
                _config.GlobalBatch,
                _backend.Ledger.PeakBytes(MemoryTag.Activations));
        }
        finally
        {
            foreach (var optimizer in optimizers)
            {
                optimizer.Dispose();
            }

            foreach (var master in masters)
            {
                master.Dispose();
            }
        }
    }

    private bool UsesLookahead(int step, int rank, int stage) =>
        CompensationForRule.UsesLookahead(_schedule, _compensation, rank, stage + 1, step);

    private static float[][] SplitStages(float[] all, int[] sizes)
    {
        if (all.Length != sizes.Sum())
        {
            throw new ArgumentException($"Expected {sizes.Sum()} parameters, got {all.Length}.");
        }

        var result = new float[sizes.Length][];
        int offset = 0;
        for (int stage = 0; stage < sizes.Length; stage++)
        {
            result[stage] = all.AsSpan(offset, sizes[stage]).ToArray();
            offset += sizes[stage];
        }

        return result;
    }

    private float[] Download(TensorView view)
    {
        var values = new float[view.Length];
        _backend.Download(view, values);
        return values;
    }

    /// <summary>θ_v and the momentum buffer as it was when θ_v was made (v_{v−1}; zeros for v = 0), for the last few versions.</summary>
    private sealed class VersionHistory
    {
        private readonly Dictionary<int, (float[][] Parameters, float[][] Momentum)> _versions = new();

        public VersionHistory(float[][] initial, int[] sizes) =>
            _versions[0] = (initial, sizes.Select(size => new float[size]).ToArray());

        public float[] Parameters(int version, int stage) => Get(version).Parameters[stage];

        public float[][] Parameters(int version) => Get(version).Parameters;

        public float[] Momentum(int version, int stage) => Get(version).Momentum[stage];

        public void Add(int version, float[][] parameters, float[][] momentum)
        {
            _versions[version] = (parameters, momentum);
            // No rule reads anything older than θ_{t−1} at step t.
            _versions.Remove(version - 3);
        }

        private (float[][] Parameters, float[][] Momentum) Get(int version) =>
            _versions.TryGetValue(version, out var entry) ? entry : throw new InvalidOperationException($"Version {version} is not kept.");
    }
}
