namespace CyclicActors.Actors.Plan;

/// <summary>One chunk on a link: when it occupied the wire, and how many bytes.</summary>
public readonly record struct Transmission(double Start, double End, long Bytes);

/// <summary>
/// One direction of a machine's network interface, shared by all its links that way: a chunk
/// occupies it for its time on the wire, so chunks of different links through it go one after the
/// other, in the order they were offered (the model does not interleave them as TCP flows would, so
/// one tensor's chunks may finish earlier and another's later than on a real network; the last byte
/// is the same).
/// </summary>
public sealed class NicModel(double bytesPerSecond)
{
    /// <summary>Bytes per second this direction carries at most.</summary>
    public double BytesPerSecond { get; } = bytesPerSecond > 0 ? bytesPerSecond : throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), bytesPerSecond, "A NIC needs a positive rate.");

    /// <summary>When the interface has carried every chunk offered to it so far.</summary>
    public double FreeAt { get; private set; }

    /// <summary>Seconds the interface has spent carrying chunks.</summary>
    public double BusySeconds { get; private set; }

    /// <summary>A chunk occupies the interface from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public void Carry(double start, double end)
    {
        FreeAt = end;
        BusySeconds += end - start;
    }
}

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

    private readonly NicModel? _egress;
    private readonly NicModel? _ingress;

    /// <param name="egress">The sending machine's outgoing interface, shared with its other links; null: no cap.</param>
    /// <param name="ingress">The receiving machine's incoming interface; null: no cap.</param>
    public LinkModel(int from, int to, TransportModel transport, NicModel? egress = null, NicModel? ingress = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentOutOfRangeException.ThrowIfLessThan(transport.ChunkBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(transport.WindowChunks, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(transport.BandwidthBytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(transport.LatencySeconds);
        From = from;
        To = to;
        _transport = transport;
        _egress = egress;
        _ingress = ingress;
    }

    public int From { get; }

    public int To { get; }

    /// <summary>Every chunk carried so far, in order.</summary>
    public IReadOnlyList<Transmission> Transmissions => _transmissions;

    /// <summary>Payload bytes carried so far.</summary>
    public long Bytes { get; private set; }

    /// <summary>
    /// Offers a tensor of <paramref name="bytes"/> at <paramref name="now"/>; returns when its last chunk arrives.
    /// An empty one (a parameter-free stage's gradient or version) is a message of no size: it takes the latency and no wire time.
    /// </summary>
    public double Send(double now, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (now < _lastOffered)
        {
            throw new InvalidOperationException($"Link {From}->{To}: a tensor offered at {now} s after one at {_lastOffered} s; offers must come in time order.");
        }

        _lastOffered = now;
        if (bytes == 0)
        {
            return now + _transport.LatencySeconds;
        }

        double arrival = now;
        for (long sent = 0; sent < bytes; sent += _transport.ChunkBytes)
        {
            long size = Math.Min(_transport.ChunkBytes, bytes - sent);
            double start = Math.Max(now, _wireFreeAt);
            if (_acknowledgements.Count == _transport.WindowChunks)
            {
                start = Math.Max(start, _acknowledgements.Dequeue());
            }

            // The slowest of the link and the two interfaces sets the pace; the interfaces are busy meanwhile.
            double rate = _transport.BandwidthBytesPerSecond > 0 ? _transport.BandwidthBytesPerSecond : double.PositiveInfinity;
            foreach (var nic in new[] { _egress, _ingress })
            {
                if (nic is not null)
                {
                    start = Math.Max(start, nic.FreeAt);
                    rate = Math.Min(rate, nic.BytesPerSecond);
                }
            }

            double end = start + (double.IsPositiveInfinity(rate) ? 0 : size / rate);
            _wireFreeAt = end;
            _egress?.Carry(start, end);
            _ingress?.Carry(start, end);

            arrival = end + _transport.LatencySeconds;
            _acknowledgements.Enqueue(arrival + _transport.LatencySeconds);
            _transmissions.Add(new Transmission(start, end, size));
        }

        Bytes += bytes;
        return arrival;
    }
}
