using System.Buffers;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Transport;

/// <summary>
/// Collects the chunks of one transfer, in any order, straight into one rented buffer: each
/// payload is copied once, from the transport's receive buffer to its place in the tensor (or, with
/// <see cref="Reserve"/> and <see cref="Commit"/>, read straight into that place).
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
    private Memory<byte> _bufferBytes;
    private int _receivedCount;
    private bool _taken;

    private TensorReassembler(ChunkHeader first, ChunkLayout layout, int maxElements, ArrayPool<float> pool)
    {
        TransferId = first.TransferId;
        Label = first.Label;
        Layout = layout;
        _maxElements = maxElements;
        _pool = pool;
        _received = new bool[layout.ChunkCount];
        _buffer = pool.Rent(layout.TotalElements);
        _bufferBytes = new FloatByteMemory(_buffer).Memory;
    }

    public long TransferId { get; }

    public TransferLabel Label { get; }

    public ChunkLayout Layout { get; }

    public bool IsComplete => _receivedCount == _received.Length;

    /// <summary>
    /// Starts a transfer from the header of its first arriving chunk (any sequence), renting the
    /// tensor's buffer; null, with the reason, when that header is malformed. The chunk itself is
    /// not accepted yet: pass it to <see cref="Accept"/> (or reserve and commit it).
    /// </summary>
    public static TensorReassembler? Start(ChunkHeader first, int maxElements, ArrayPool<float> pool, out string? error)
    {
        ArgumentNullException.ThrowIfNull(pool);
        error = ChunkHeaderValidator.Validate(first, maxElements, out var layout);
        return error is null ? new TensorReassembler(first, layout, maxElements, pool) : null;
    }

    /// <summary>Starts a transfer from its first arriving chunk and accepts it (see the other overload).</summary>
    public static TensorReassembler? Start(TensorChunk first, int maxElements, ArrayPool<float> pool, out ChunkResult result)
    {
        var reassembler = Start(ChunkHeader.Of(first), maxElements, pool, out var error);
        result = reassembler is null ? ChunkResult.Rejected(error!) : reassembler.Accept(first);
        return reassembler;
    }

    /// <summary>Writes the chunk's payload into its place in the tensor: the one copy on this path.</summary>
    public ChunkResult Accept(TensorChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var header = ChunkHeader.Of(chunk);
        var refusal = Reserve(header, out var destination);
        if (refusal is { } refused)
        {
            return refused;
        }

        chunk.Payload.Span.CopyTo(destination.Span);
        return Commit(header);
    }

    /// <summary>
    /// Checks a chunk header before its payload is read and gives the exact bytes of the tensor the
    /// payload belongs in, so a reader can fill them straight from the socket; null when the chunk
    /// may be written, else why not (nothing may be written then). <see cref="Commit"/> it after.
    /// </summary>
    public ChunkResult? Reserve(ChunkHeader header, out Memory<byte> destination)
    {
        destination = default;
        if (_taken)
        {
            return ChunkResult.Duplicate($"chunk {header.Sequence} of transfer {TransferId} arrived after the transfer completed.");
        }

        if (_buffer is null)
        {
            throw new ObjectDisposedException(nameof(TensorReassembler));
        }

        var error = ChunkHeaderValidator.Validate(header, _maxElements, out var layout) ?? Mismatch(header, layout);
        if (error is not null)
        {
            return ChunkResult.Rejected(error);
        }

        if (_received[header.Sequence])
        {
            return ChunkResult.Duplicate($"chunk {header.Sequence} of transfer {TransferId} arrived twice.");
        }

        destination = _bufferBytes.Slice(header.Offset * sizeof(float), header.PayloadBytes);
        return null;
    }

    /// <summary>Marks a reserved chunk as written: Accepted, or Completed when it was the last.</summary>
    public ChunkResult Commit(ChunkHeader header)
    {
        if (_taken || _buffer is null || header.TransferId != TransferId || header.Sequence < 0 || header.Sequence >= _received.Length || _received[header.Sequence])
        {
            throw new InvalidOperationException($"Chunk {header.Sequence} of transfer {header.TransferId} was not reserved in transfer {TransferId}.");
        }

        _received[header.Sequence] = true;
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
        _bufferBytes = default;
        return new PooledTensor(buffer, Layout.TotalElements, _pool);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = null;
        _bufferBytes = default;
        if (buffer is not null)
        {
            _pool.Return(buffer);
        }
    }

    private string? Mismatch(ChunkHeader chunk, ChunkLayout layout)
    {
        if (chunk.TransferId != TransferId)
        {
            return $"chunk {chunk.Sequence} belongs to transfer {chunk.TransferId}, not {TransferId}.";
        }

        var label = chunk.Label;
        if (label != Label || layout != Layout)
        {
            return $"chunk {chunk.Sequence} of transfer {TransferId} describes step {label.Step}, stage {label.Stage}, rank {label.Rank}, "
                + $"{layout.TotalElements} elements in chunks of {layout.ChunkElements}; the transfer is step {Label.Step}, stage {Label.Stage}, "
                + $"rank {Label.Rank}, {Layout.TotalElements} elements in chunks of {Layout.ChunkElements}.";
        }

        return null;
    }
}
