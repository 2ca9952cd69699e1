namespace CyclicActors.Actors.Plan;

/// <summary>One chunk on a link: when it occupied the wire, and how many bytes.</summary>
public readonly record struct Transmission(double Start, double End, long Bytes);

/// <summary>
/// One link of the transport (see <see cref="TransportModel"/>), FIFO: a tensor is cut into chunks;
/// a chunk leaves once the link has carried the chunks before it (no burst above the bandwidth) and
/// once the chunk <c>window</c> places before it has been acknowledged; it arrives a latency after
/// it has left, and its acknowledgement comes back a latency after that. Because the link is FIFO
/// and tensors are offered in time order, a tensor's arrival is known the moment it is offered.
/// </summary>
public sealed class LinkModel
{
    private readonly TransportModel _transport;
    private readonly Queue<double> _acknowledgements = new();
    private readonly List<Transmission> _transmissions = [];
    private double _wireFreeAt;
    private double _lastOffered;

    public LinkModel(int from, int to, TransportModel transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentOutOfRangeException.ThrowIfLessThan(transport.ChunkBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(transport.WindowChunks, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(transport.BandwidthBytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(transport.LatencySeconds);
        From = from;
        To = to;
        _transport = transport;
    }

    public int From { get; }

    public int To { get; }

    /// <summary>Every chunk carried so far, in order.</summary>
    public IReadOnlyList<Transmission> Transmissions => _transmissions;

    /// <summary>Payload bytes carried so far.</summary>
    public long Bytes { get; private set; }

    /// <summary>Offers a tensor of <paramref name="bytes"/> at <paramref name="now"/>; returns when its last chunk arrives.</summary>
    public double Send(double now, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        if (now < _lastOffered)
        {
            throw new InvalidOperationException($"Link {From}->{To}: a tensor offered at {now} s after one at {_lastOffered} s; offers must come in time order.");
        }

        _lastOffered = now;
        double arrival = now;
        for (long sent = 0; sent < bytes; sent += _transport.ChunkBytes)
        {
            long size = Math.Min(_transport.ChunkBytes, bytes - sent);
            double start = Math.Max(now, _wireFreeAt);
            if (_acknowledgements.Count == _transport.WindowChunks)
            {
                start = Math.Max(start, _acknowledgements.Dequeue());
            }

            double end = start + (_transport.BandwidthBytesPerSecond > 0 ? size / _transport.BandwidthBytesPerSecond : 0);
            _wireFreeAt = end;
            arrival = end + _transport.LatencySeconds;
            _acknowledgements.Enqueue(arrival + _transport.LatencySeconds);
            _transmissions.Add(new Transmission(start, end, size));
        }

        Bytes += bytes;
        return arrival;
    }
}
