using System.Buffers;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Transport;

/// <summary>A chunk's outcome and, when it completed its transfer, the tensor (now the caller's).</summary>
public readonly record struct ReassemblyStep(ChunkResult Result, TransferLabel Label, PooledTensor? Tensor);

/// <summary>
/// The receiving side of one link: routes chunks to their transfer, starts transfers on first
/// sight (chunks may arrive in any order), and forgets a transfer once its tensor is handed out.
/// Completed transfer ids are remembered (a bounded number) so a late duplicate is reported as a
/// duplicate instead of starting a ghost transfer. Bounds on elements per tensor and concurrent
/// transfers keep a hostile or corrupt header from making the node rent unbounded memory.
/// </summary>
public sealed class TensorReassemblyTable : IDisposable
{
    private readonly Dictionary<long, TensorReassembler> _active = [];
    private readonly HashSet<long> _completed = [];
    private readonly Queue<long> _completedOrder = new();
    private readonly ArrayPool<float> _pool;
    private readonly int _maxElements;
    private readonly int _maxActiveTransfers;
    private readonly int _rememberedCompletions;

    public TensorReassemblyTable(ArrayPool<float> pool, int maxElements, int maxActiveTransfers, int rememberedCompletions = 4096)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfNegative(maxElements);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxActiveTransfers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rememberedCompletions, 1);
        _pool = pool;
        _maxElements = maxElements;
        _maxActiveTransfers = maxActiveTransfers;
        _rememberedCompletions = rememberedCompletions;
    }

    /// <summary>Every chunk offered so far, whatever its outcome: the cumulative count the receiver acknowledges.</summary>
    public long ReceivedChunks { get; private set; }

    public int ActiveTransfers => _active.Count;

    public ReassemblyStep Accept(TensorChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ReceivedChunks++;
        var label = new TransferLabel(chunk.Step, chunk.Stage, chunk.Rank);
        if (_completed.Contains(chunk.TransferId))
        {
            return new(ChunkResult.Duplicate($"chunk {chunk.Sequence} of transfer {chunk.TransferId} arrived after the transfer completed."), label, null);
        }

        if (!_active.TryGetValue(chunk.TransferId, out var reassembler))
        {
            if (_active.Count >= _maxActiveTransfers)
            {
                return new(ChunkResult.Rejected($"chunk {chunk.Sequence} of transfer {chunk.TransferId} would start a transfer beyond the limit of {_maxActiveTransfers} in progress."), label, null);
            }

            reassembler = TensorReassembler.Start(chunk, _maxElements, _pool, out var first);
            if (reassembler is null)
            {
                return new(first, label, null);
            }

            _active.Add(chunk.TransferId, reassembler);
            return Finish(reassembler, first);
        }

        return Finish(reassembler, reassembler.Accept(chunk));
    }

    /// <summary>Gives up on a transfer (its sender died, or it timed out): frees its buffer and says what was missing.</summary>
    public string? Abandon(long transferId)
    {
        if (!_active.Remove(transferId, out var reassembler))
        {
            return null;
        }

        var gaps = reassembler.DescribeGaps();
        reassembler.Dispose();
        return gaps;
    }

    /// <summary>The gaps of every unfinished transfer, for logging when a link closes.</summary>
    public IReadOnlyList<string> DescribeIncomplete() => _active.Values.Select(reassembler => reassembler.DescribeGaps()).ToArray();

    public void Dispose()
    {
        foreach (var reassembler in _active.Values)
        {
            reassembler.Dispose();
        }

        _active.Clear();
    }

    private ReassemblyStep Finish(TensorReassembler reassembler, ChunkResult result)
    {
        if (result.Outcome != ChunkOutcome.Completed)
        {
            return new(result, reassembler.Label, null);
        }

        _active.Remove(reassembler.TransferId);
        RememberCompleted(reassembler.TransferId);
        return new(result, reassembler.Label, reassembler.TakeTensor());
    }

    private void RememberCompleted(long transferId)
    {
        _completed.Add(transferId);
        _completedOrder.Enqueue(transferId);
        if (_completedOrder.Count > _rememberedCompletions)
        {
            _completed.Remove(_completedOrder.Dequeue());
        }
    }
}
