using System.Buffers;
using System.Runtime.InteropServices;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Transport;

/// <summary>
/// Collects the chunks of one transfer, in any order, straight into one rented buffer: each
/// payload is copied once, from the transport's receive buffer to its place in the tensor.
/// Duplicates, chunks inconsistent with the transfer and malformed chunks are reported, never
/// written. The tensor is handed out exactly once (<see cref="TakeTensor"/>); disposing an
/// incomplete or untaken transfer returns the buffer.
/// </summary>
public sealed class TensorReassembler : IDisposable
{
    private readonly ArrayPool<float> _pool;
    private readonly int _maxElements;
    private readonly bool[] _received;
    private float[]? _buffer;
    private int _receivedCount;
    private bool _taken;

    private TensorReassembler(TensorChunk first, ChunkLayout layout, int maxElements, ArrayPool<float> pool)
    {
        TransferId = first.TransferId;
        Label = new TransferLabel(first.Step, first.Stage, first.Rank);
        Layout = layout;
        _maxElements = maxElements;
        _pool = pool;
        _received = new bool[layout.ChunkCount];
        _buffer = pool.Rent(layout.TotalElements);
    }

    public long TransferId { get; }

    public TransferLabel Label { get; }

    public ChunkLayout Layout { get; }

    public bool IsComplete => _receivedCount == _received.Length;

    /// <summary>
    /// Starts a transfer from its first arriving chunk (any sequence) and accepts it; null, with
    /// the reason in <paramref name="result"/>, when that chunk is malformed.
    /// </summary>
    public static TensorReassembler? Start(TensorChunk first, int maxElements, ArrayPool<float> pool, out ChunkResult result)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var error = ChunkHeaderValidator.Validate(first, maxElements, out var layout);
        if (error is not null)
        {
            result = ChunkResult.Rejected(error);
            return null;
        }

        var reassembler = new TensorReassembler(first, layout, maxElements, pool);
        result = reassembler.Accept(first);
        return reassembler;
    }

    public ChunkResult Accept(TensorChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (_taken)
        {
            return ChunkResult.Duplicate($"chunk {chunk.Sequence} of transfer {TransferId} arrived after the transfer completed.");
        }

        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(TensorReassembler));
        var error = ChunkHeaderValidator.Validate(chunk, _maxElements, out var layout) ?? Mismatch(chunk, layout);
        if (error is not null)
        {
            return ChunkResult.Rejected(error);
        }

        if (_received[chunk.Sequence])
        {
            return ChunkResult.Duplicate($"chunk {chunk.Sequence} of transfer {TransferId} arrived twice.");
        }

        var target = MemoryMarshal.AsBytes(buffer.AsSpan(chunk.Offset, chunk.PayloadElements));
        chunk.Payload.Span.CopyTo(target);
        _received[chunk.Sequence] = true;
        _receivedCount++;
        return IsComplete ? ChunkResult.Completed : ChunkResult.Accepted;
    }

    /// <summary>The chunk sequences not received yet, ascending.</summary>
    public IReadOnlyList<int> MissingSequences()
    {
        var missing = new List<int>();
        for (var sequence = 0; sequence < _received.Length; sequence++)
        {
            if (!_received[sequence])
            {
                missing.Add(sequence);
            }
        }

        return missing;
    }

    /// <summary>A message naming the gaps, for a transfer that timed out or was abandoned.</summary>
    public string DescribeGaps()
    {
        var missing = MissingSequences();
        var shown = string.Join(", ", missing.Take(16)) + (missing.Count > 16 ? ", …" : string.Empty);
        return $"transfer {TransferId} (step {Label.Step}, stage {Label.Stage}, rank {Label.Rank}) is missing {missing.Count} of {_received.Length} chunks: {shown}.";
    }

    /// <summary>The complete tensor, handed to the caller who now owns (and disposes) it. Once only.</summary>
    public PooledTensor TakeTensor()
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException($"Cannot take an incomplete tensor: {DescribeGaps()}");
        }

        if (_taken)
        {
            throw new InvalidOperationException($"The tensor of transfer {TransferId} was already taken.");
        }

        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(TensorReassembler));
        _taken = true;
        _buffer = null;
        return new PooledTensor(buffer, Layout.TotalElements, _pool);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = null;
        if (buffer is not null)
        {
            _pool.Return(buffer);
        }
    }

    private string? Mismatch(TensorChunk chunk, ChunkLayout layout)
    {
        if (chunk.TransferId != TransferId)
        {
            return $"chunk {chunk.Sequence} belongs to transfer {chunk.TransferId}, not {TransferId}.";
        }

        var label = new TransferLabel(chunk.Step, chunk.Stage, chunk.Rank);
        if (label != Label || layout != Layout)
        {
            return $"chunk {chunk.Sequence} of transfer {TransferId} describes step {label.Step}, stage {label.Stage}, rank {label.Rank}, "
                + $"{layout.TotalElements} elements in chunks of {layout.ChunkElements}; the transfer is step {Label.Step}, stage {Label.Stage}, "
                + $"rank {Label.Rank}, {Layout.TotalElements} elements in chunks of {Layout.ChunkElements}.";
        }

        return null;
    }
}
