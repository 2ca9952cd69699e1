using CyclicActors.GpuCompute.Layers;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Training;

/// <summary>
/// One micro-batch going forward through stages 0..L−1 and backward through L−1..0, one stage per
/// call, exactly as a worker executes its schedule. A stage's activations are allocated by its
/// forward and returned to the pool at the end of its backward, so the memory ledger sees the
/// "held from F_j until B_j" lifetime the CDP analysis assumes.
/// </summary>
public sealed class MicroBatchPass : IDisposable
{
    private readonly ModelReplica _replica;
    private readonly int _batch;
    private readonly TensorView _oneHotLabels;
    private readonly List<LayerTape>?[] _stageTapes;
    private TensorView _nextInput;
    private DeviceBuffer? _pendingGradient;
    private int _nextForward;
    private int _nextBackward;

    internal MicroBatchPass(ModelReplica replica, TensorView input, TensorView oneHotLabels, int batch)
    {
        _replica = replica;
        _batch = batch;
        _oneHotLabels = oneHotLabels;
        _nextInput = input;
        _stageTapes = new List<LayerTape>?[replica.StageCount];
        _nextBackward = replica.StageCount - 1;
        input.RequireLength((long)batch * replica.Model.InputShape.Elements, "The micro-batch input");
        oneHotLabels.RequireLength((long)batch * replica.Model.Classes, "The one-hot labels");
    }

    /// <summary>Mean cross-entropy of the micro-batch; known once the last stage's forward has run.</summary>
    public float Loss { get; private set; } = float.NaN;

    public bool IsComplete => _nextBackward < 0;

    public void Forward(int stage)
    {
        if (stage != _nextForward || stage >= _replica.StageCount)
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
        if (stage != _nextBackward || _nextForward != _replica.StageCount
            || (_pendingGradient is null && _replica.Partition.LayerRange(stage).End.Value - 1 >= _replica.FirstLayerWithParameters))
        {
            throw new InvalidOperationException($"Backward of stage {stage} out of order: the next backward is stage {_nextBackward} and {_nextForward} of {_replica.StageCount} forwards ran.");
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
