using System.Diagnostics;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;

namespace CyclicActors.GpuCompute.Training;

/// <summary>
/// The oracle: plain data parallelism in one thread, no actors. Each step runs the N micro-batches
/// one after another on θ_t, folds their gradients in rank order, averages them and takes one SGD
/// step per stage. Same seed → bitwise the same parameters.
/// </summary>
public sealed class ReferenceTrainer
{
    private readonly TrainingConfig _config;
    private readonly ModelDefinition _model;
    private readonly StagePartition _partition;
    private readonly IComputeBackend _backend;

    public ReferenceTrainer(TrainingConfig config, ModelDefinition model, StagePartition partition, IComputeBackend backend)
    {
        config.Validate();
        _config = config;
        _model = model;
        _partition = partition;
        _backend = backend;
    }

    public TrainingOutcome Train(IMicroBatchSource data, float[] initialParameters, Action<StepMetrics>? onStep = null, CancellationToken cancel = default)
    {
        if (data.Workers != _config.Workers || data.MicroBatch != _config.MicroBatch)
        {
            throw new ArgumentException("The data order was built for a different number of workers or micro-batch size.");
        }

        using var replica = new ModelReplica(_model, _partition, _backend);
        replica.SetAllParameters(initialParameters);
        var optimizers = replica.Layout.StageSizes.Select(size => new StageOptimizer(_backend, size, _config.Workers)).ToArray();
        int batch = _config.MicroBatch;
        var pixels = new float[batch * data.SampleShape.Elements];
        var oneHot = new float[batch * data.Classes];
        using var input = _backend.Allocate(pixels.Length, MemoryTag.Data);
        using var labels = _backend.Allocate(oneHot.Length, MemoryTag.Data);

        int totalSteps = _config.TotalSteps(data.StepsPerEpoch);
        var clock = Stopwatch.StartNew();
        float lastLoss = float.NaN;
        int step = 0;
        try
        {
            for (; step < totalSteps; step++)
            {
                cancel.ThrowIfCancellationRequested();
                int epoch = step / data.StepsPerEpoch;
                int stepInEpoch = step % data.StepsPerEpoch;
                double stepStart = clock.Elapsed.TotalSeconds;
                float lossSum = 0;
                for (int rank = 0; rank < _config.Workers; rank++)
                {
                    data.Fill(epoch, stepInEpoch, rank, pixels, oneHot);
                    _backend.Upload(pixels, input);
                    _backend.Upload(oneHot, labels);
                    using var pass = replica.BeginPass(input, labels, batch);
                    for (int stage = 0; stage < replica.StageCount; stage++)
                    {
                        pass.Forward(stage);
                    }

                    for (int stage = replica.StageCount - 1; stage >= 0; stage--)
                    {
                        pass.Backward(stage);
                        if (_config.Workers > 1)
                        {
                            optimizers[stage].Accumulate(rank, replica.StageGradients(stage));
                        }
                    }

                    lossSum += pass.Loss;
                }

                for (int stage = 0; stage < replica.StageCount; stage++)
                {
                    var hyper = _config.SgdAt(step, totalSteps);
                    if (_config.Workers > 1)
                    {
                        optimizers[stage].Apply(replica.StageParameters(stage), hyper);
                    }
                    else
                    {
                        // One worker: the fold would only copy the gradient (bitwise the same result).
                        optimizers[stage].ApplySingle(replica.StageParameters(stage), replica.StageGradients(stage), hyper);
                    }
                }

                lastLoss = lossSum / _config.Workers;
                if (!float.IsFinite(lastLoss))
                {
                    throw new NonFiniteLossException(step, lastLoss);
                }

                double stepSeconds = clock.Elapsed.TotalSeconds - stepStart;
                onStep?.Invoke(new StepMetrics(step, epoch, stepInEpoch, data.StepsPerEpoch, totalSteps, lastLoss,
                    _config.GlobalBatch / Math.Max(stepSeconds, 1e-9), _backend.Ledger.TakeWindowPeak(MemoryTag.Activations), clock.Elapsed.TotalSeconds));
            }

            double wall = clock.Elapsed.TotalSeconds;
            return TrainingOutcome.AfterSteps(
                replica.GetAllParameters(),
                optimizers.Select(o => Download(o.Momentum)).ToArray(),
                step,
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
        }
    }

    private float[] Download(TensorView view)
    {
        var values = new float[view.Length];
        _backend.Download(view, values);
        return values;
    }
}
