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

    /// <summary>Routes a chunk to its transfer and copies its payload into the tensor.</summary>
    public ReassemblyStep Accept(TensorChunk chunk)
    {
        var header = ChunkHeader.Of(chunk);
        if (!TryReserve(header, out var destination, out var refusal))
        {
            return refusal;
        }

        chunk.Payload.Span.CopyTo(destination.Span);
        return Commit(header);
    }

    /// <summary>
    /// Checks a chunk header (starting its transfer on first sight) and gives the tensor bytes its
    /// payload belongs in; false, with the outcome, when the payload must be discarded instead.
    /// Every header offered counts once towards <see cref="ReceivedChunks"/>. After writing the
    /// payload, <see cref="Commit"/> the header.
    /// </summary>
    public bool TryReserve(ChunkHeader header, out Memory<byte> destination, out ReassemblyStep refusal)
    {
        ReceivedChunks++;
        destination = default;
        if (_completed.Contains(header.TransferId))
        {
            refusal = new(ChunkResult.Duplicate($"chunk {header.Sequence} of transfer {header.TransferId} arrived after the transfer completed."), header.Label, null);
            return false;
        }

        if (!_active.TryGetValue(header.TransferId, out var reassembler))
        {
            if (_active.Count >= _maxActiveTransfers)
            {
                refusal = new(ChunkResult.Rejected($"chunk {header.Sequence} of transfer {header.TransferId} would start a transfer beyond the limit of {_maxActiveTransfers} in progress."), header.Label, null);
                return false;
            }

            reassembler = TensorReassembler.Start(header, _maxElements, _pool, out var error);
            if (reassembler is null)
            {
                refusal = new(ChunkResult.Rejected(error!), header.Label, null);
                return false;
            }

            _active.Add(header.TransferId, reassembler);
        }

        var refused = reassembler.Reserve(header, out destination);
        refusal = refused is { } result ? new(result, header.Label, null) : default;
        return refused is null;
    }

    /// <summary>Marks a reserved chunk as written; when it completes its transfer, hands out the tensor.</summary>
    public ReassemblyStep Commit(ChunkHeader header)
    {
        if (!_active.TryGetValue(header.TransferId, out var reassembler))
        {
            throw new InvalidOperationException($"Transfer {header.TransferId} has no reserved chunk {header.Sequence}.");
        }

        var result = reassembler.Commit(header);
        if (result.Outcome != ChunkOutcome.Completed)
        {
            return new(result, reassembler.Label, null);
        }

        _active.Remove(reassembler.TransferId);
        RememberCompleted(reassembler.TransferId);
        return new(result, reassembler.Label, reassembler.TakeTensor());
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
