using CyclicActors.GpuCompute.Layers;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Training;

/// <summary>
/// One micro-batch going forward through stages 0..L−1 and backward through L−1..0, one stage per
/// call, exactly as a worker executes its schedule. A stage's activations are allocated by its
/// forward and returned to the pool at the end of its backward, so the memory ledger sees the
/// "held from F_j until B_j" lifetime the CDP analysis assumes. A pass may also cover only stages
/// first..last (the model placement, where a device runs some stages of every micro-batch): its input
/// is then the previous device's output, its <see cref="Output"/> goes to the next device, whose
/// gradient comes back through <see cref="SetOutputGradient"/>, and <see cref="TakeInputGradient"/>
/// is what goes back to the previous device.
/// </summary>
public sealed class MicroBatchPass : IDisposable
{
    private readonly ModelReplica _replica;
    private readonly int _batch;
    private readonly TensorView _oneHotLabels;
    private readonly List<LayerTape>?[] _stageTapes;
    private readonly int _firstStage;
    private readonly int _lastStage;
    private TensorView _nextInput;
    private DeviceBuffer? _pendingGradient;
    private int _nextForward;
    private int _nextBackward;

    internal MicroBatchPass(ModelReplica replica, TensorView input, TensorView oneHotLabels, int batch)
        : this(replica, 0, replica.StageCount - 1, input, oneHotLabels, batch)
    {
        input.RequireLength((long)batch * replica.Model.InputShape.Elements, "The micro-batch input");
    }

    /// <param name="oneHotLabels">Read only when <paramref name="lastStage"/> is the model's last stage (the loss).</param>
    internal MicroBatchPass(ModelReplica replica, int firstStage, int lastStage, TensorView input, TensorView oneHotLabels, int batch)
    {
        if (firstStage < 0 || lastStage < firstStage || lastStage >= replica.StageCount)
        {
            throw new ArgumentOutOfRangeException(nameof(firstStage), $"Stages {firstStage}..{lastStage} are not a range of the model's {replica.StageCount}.");
        }

        _replica = replica;
        _batch = batch;
        _oneHotLabels = oneHotLabels;
        _nextInput = input;
        _firstStage = firstStage;
        _lastStage = lastStage;
        _nextForward = firstStage;
        _stageTapes = new List<LayerTape>?[replica.StageCount];
        _nextBackward = lastStage;
        if (lastStage == replica.StageCount - 1)
        {
            oneHotLabels.RequireLength((long)batch * replica.Model.Classes, "The one-hot labels");
        }
    }

    /// <summary>The last stage's output (the next device's input), once every forward of the pass has run.</summary>
    public TensorView Output => _nextForward > _lastStage
        ? _nextInput
        : throw new InvalidOperationException($"The pass has run forwards up to stage {_nextForward - 1}, not yet its last stage {_lastStage}.");

    /// <summary>Mean cross-entropy of the micro-batch; known once the last stage's forward has run.</summary>
    public float Loss { get; private set; } = float.NaN;

    public bool IsComplete => _nextBackward < _firstStage;

    /// <summary>The gradient of the loss with respect to <see cref="Output"/>, from the next device; the pass owns it from here.</summary>
    public void SetOutputGradient(DeviceBuffer gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        if (_nextForward <= _lastStage || _nextBackward != _lastStage || _pendingGradient is not null)
        {
            throw new InvalidOperationException($"The output gradient of stage {_lastStage} arrives after its forward and before its backward, once.");
        }

        gradient.View().RequireLength(Output.Length, "The output gradient");
        _pendingGradient = gradient;
    }

    /// <summary>
    /// After the backward of the first stage: the gradient with respect to the pass's input (the previous
    /// device's output gradient), which the caller now owns; null when no layer before has parameters.
    /// </summary>
    public DeviceBuffer? TakeInputGradient()
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException($"The input gradient is known after the backward of stage {_firstStage}.");
        }

        var gradient = _pendingGradient;
        _pendingGradient = null;
        return gradient;
    }

    public void Forward(int stage)
    {
        if (stage != _nextForward || stage > _lastStage)
        {
            throw new InvalidOperationException($"Forward of stage {stage} out of order: the next forward is stage {_nextForward}.");
        }

        var tapes = new List<LayerTape>();
        var range = _replica.Partition.LayerRange(stage);
        for (int layer = range.Start.Value; layer < range.End.Value; layer++)
        {
            var tape = _replica.Model.Layers[layer].Forward(_replica.Context(layer, _batch), _nextInput);
            tapes.Add(tape);
            _nextInput = tape.Output;
        }

        _stageTapes[stage] = tapes;
        _nextForward++;
        if (_nextForward == _replica.StageCount)
        {
            var logitsGradient = _replica.Backend.Allocate((long)_batch * _replica.Model.Classes, MemoryTag.Workspace);
            Loss = _replica.Backend.SoftmaxCrossEntropy(_nextInput, _oneHotLabels, logitsGradient, _batch, _replica.Model.Classes);
            _pendingGradient = logitsGradient;
        }
    }

    /// <summary>Writes this stage's parameter gradients into the replica's gradient buffer for the stage.</summary>
    public void Backward(int stage)
    {
        if (stage != _nextBackward || _nextForward != _lastStage + 1
            || (_pendingGradient is null && _replica.Partition.LayerRange(stage).End.Value - 1 >= _replica.FirstLayerWithParameters))
        {
            throw new InvalidOperationException($"Backward of stage {stage} out of order: the next backward is stage {_nextBackward}, forwards ran up to stage {_nextForward - 1} of {_firstStage}..{_lastStage}, and its output gradient {(_pendingGradient is null ? "has not arrived" : "is there")}.");
        }

        var tapes = _stageTapes[stage]!;
        var range = _replica.Partition.LayerRange(stage);
        int firstWithParameters = _replica.FirstLayerWithParameters;
        for (int i = tapes.Count - 1; i >= 0; i--)
        {
            int layer = range.Start.Value + i;
            if (layer < firstWithParameters)
            {
                // Nothing below this point has parameters (e.g. the Flatten in front of an MLP):
                // no gradient has to flow further, as in PyTorch where the input needs no grad.
                break;
            }

            bool needInputGradient = layer > firstWithParameters;
            var inputGradient = _replica.Model.Layers[layer].Backward(_replica.Context(layer, _batch), tapes[i], _pendingGradient!, needInputGradient);
            _pendingGradient!.Dispose();
            _pendingGradient = inputGradient;
        }

        foreach (var tape in tapes)
        {
            tape.Release();
        }

        _stageTapes[stage] = null;
        _nextBackward--;
    }

    public void Dispose()
    {
        _pendingGradient?.Dispose();
        _pendingGradient = null;
        foreach (var tapes in _stageTapes)
        {
            tapes?.ForEach(tape => tape.Release());
        }

        Array.Clear(_stageTapes);
    }
}
