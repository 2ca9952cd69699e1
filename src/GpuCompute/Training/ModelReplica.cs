using CyclicActors.GpuCompute.Layers;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;

namespace CyclicActors.GpuCompute.Training;

/// <summary>
/// One copy of a model on one backend: a flat parameter buffer and a flat gradient buffer per
/// stage (every tensor is a view into them), and stage-by-stage forward and backward passes.
/// Used by one thread at a time.
/// </summary>
public sealed class ModelReplica : IDisposable
{
    private readonly DeviceBuffer?[] _parameters;
    private readonly DeviceBuffer?[] _gradients;
    private readonly TensorView[][] _layerParameters;
    private readonly TensorView[][] _layerGradients;

    /// <param name="residentStages">
    /// The stages this copy holds (0-based; null: all). The model placement's device holds only its own
    /// stages: the others have no parameter or gradient buffer here and cannot run.
    /// </param>
    public ModelReplica(ModelDefinition model, StagePartition partition, IComputeBackend backend, IReadOnlyCollection<int>? residentStages = null)
    {
        Model = model;
        Partition = partition;
        Backend = backend;
        Layout = new ParameterLayout(model, partition);
        bool Resident(int stage) => residentStages is null || residentStages.Contains(stage);
        _parameters = Layout.StageSizes.Select((size, stage) => Resident(stage) ? backend.Allocate(size, MemoryTag.Parameters) : null).ToArray();
        _gradients = Layout.StageSizes.Select((size, stage) => Resident(stage) ? backend.Allocate(size, MemoryTag.Gradients) : null).ToArray();
        FirstLayerWithParameters = model.Layers.Count;
        for (int layer = model.Layers.Count - 1; layer >= 0; layer--)
        {
            if (model.Layers[layer].ParameterElements > 0)
            {
                FirstLayerWithParameters = layer;
            }
        }

        _layerParameters = new TensorView[model.Layers.Count][];
        _layerGradients = new TensorView[model.Layers.Count][];
        for (int layer = 0; layer < model.Layers.Count; layer++)
        {
            var slots = Layout.SlotsOfLayer(layer).ToArray();
            // A stage that is not resident keeps empty views: nothing of it runs on this copy.
            _layerParameters[layer] = slots.Select(s => _parameters[s.Stage]?.Slice(s.Offset, s.Length) ?? default).ToArray();
            _layerGradients[layer] = slots.Select(s => _gradients[s.Stage]?.Slice(s.Offset, s.Length) ?? default).ToArray();
        }
    }

    /// <summary>Whether the stage's parameter buffer is on the device (not released by <see cref="ReleaseStageParameters"/>).</summary>
    public bool HoldsStageParameters(int stage) => _parameters[stage] is not null;

    /// <summary>
    /// Gives the stage's parameter buffer back to the device (the ZeRO placement holds a stage only from
    /// its forward to its backward); <see cref="SetStageParameters"/> allocates it again.
    /// </summary>
    public void ReleaseStageParameters(int stage)
    {
        _parameters[stage]?.Dispose();
        _parameters[stage] = null;
    }

    public ModelDefinition Model { get; }

    public StagePartition Partition { get; }

    public IComputeBackend Backend { get; }

    public ParameterLayout Layout { get; }

    public int StageCount => Partition.StageCount;

    /// <summary>
    /// The first layer that has parameters (the layer count if none has). Backward passes stop there:
    /// it needs no input gradient and the parameter-free layers before it need no backward at all.
    /// </summary>
    public int FirstLayerWithParameters { get; }

    public TensorView StageParameters(int stage) =>
        _parameters[stage] ?? throw new InvalidOperationException($"Stage {stage}'s parameters were released; set them before they are read.");

    public TensorView StageGradients(int stage) =>
        _gradients[stage] ?? throw new InvalidOperationException($"Stage {stage} is not resident on this copy of the model.");

    public void SetStageParameters(int stage, ReadOnlySpan<float> values)
    {
        RequireStageLength(stage, values.Length);
        Backend.Upload(values, _parameters[stage] ?? AcquireStageParameters(stage));
    }

    public void GetStageGradients(int stage, Span<float> destination) => Backend.Download(StageGradients(stage), destination);

    /// <summary>Sets all parameters from one array in model order (stage 0 first).</summary>
    public void SetAllParameters(ReadOnlySpan<float> values)
    {
        if (values.Length != Layout.TotalSize)
        {
            throw new ArgumentException($"Expected {Layout.TotalSize} parameters, got {values.Length}.");
        }

        int offset = 0;
        for (int stage = 0; stage < StageCount; stage++)
        {
            int size = (int)Layout.StageSizes[stage];
            SetStageParameters(stage, values.Slice(offset, size));
            offset += size;
        }
    }

    public float[] GetAllParameters()
    {
        var values = new float[Layout.TotalSize];
        int offset = 0;
        for (int stage = 0; stage < StageCount; stage++)
        {
            int size = (int)Layout.StageSizes[stage];
            Backend.Download(StageParameters(stage), values.AsSpan(offset, size));
            offset += size;
        }

        return values;
    }

    /// <summary>Starts a training pass of one micro-batch; the caller owns (and keeps alive) both inputs.</summary>
    public MicroBatchPass BeginPass(TensorView input, TensorView oneHotLabels, int batch) => new(this, input, oneHotLabels, batch);

    /// <summary>
    /// Starts a pass of one micro-batch through stages <paramref name="firstStage"/>..<paramref name="lastStage"/>
    /// only, from <paramref name="input"/> (the data, or the previous device's output); the labels are read
    /// only when the range ends with the model's last stage.
    /// </summary>
    public MicroBatchPass BeginStagePass(int firstStage, int lastStage, TensorView input, TensorView oneHotLabels, int batch) =>
        new(this, firstStage, lastStage, input, oneHotLabels, batch);

    /// <summary>Forward pass without keeping activations; returns the logits [batch, classes] on the host.</summary>
    public float[] PredictLogits(TensorView input, int batch)
    {
        var current = input;
        var tapes = new List<LayerTape>();
        try
        {
            for (int layer = 0; layer < Model.Layers.Count; layer++)
            {
                var tape = Model.Layers[layer].Forward(Context(layer, batch, withGradients: false), current);
                tapes.Add(tape);
                current = tape.Output;
                if (tapes.Count > 2)
                {
                    // Only the previous output is still an input; older ones can go back to the pool.
                    tapes[^3].Release();
                }
            }

            var logits = new float[batch * Model.Classes];
            Backend.Download(current, logits);
            return logits;
        }
        finally
        {
            foreach (var tape in tapes.TakeLast(2))
            {
                tape.Release();
            }
        }
    }

    internal LayerContext Context(int layer, int batch, bool withGradients = true) =>
        new(Backend, batch, _layerParameters[layer], withGradients ? _layerGradients[layer] : []);

    public void Dispose()
    {
        foreach (var buffer in _parameters.Concat(_gradients))
        {
            buffer?.Dispose();
        }
    }

    private DeviceBuffer AcquireStageParameters(int stage)
    {
        var buffer = Backend.Allocate(Layout.StageSizes[stage], MemoryTag.Parameters);
        _parameters[stage] = buffer;
        // Every layer view into the released buffer is rebuilt on the new one.
        for (int layer = 0; layer < Model.Layers.Count; layer++)
        {
            var slots = Layout.SlotsOfLayer(layer).ToArray();
            for (int i = 0; i < slots.Length; i++)
            {
                if (slots[i].Stage == stage)
                {
                    _layerParameters[layer][i] = buffer.Slice(slots[i].Offset, slots[i].Length);
                }
            }
        }

        return buffer;
    }

    private void RequireStageLength(int stage, int length)
    {
        if (length != Layout.StageSizes[stage])
        {
            throw new ArgumentException($"Stage {stage} has {Layout.StageSizes[stage]} parameters, got {length}.");
        }
    }
}
