namespace CyclicActors.Actors.Plan;

/// <summary>A stretch of time in which a channel carried bytes at a steady rate (a tensor on an unlimited path: an instant).</summary>
public readonly record struct Transmission(double Start, double End, double Bytes);

/// <summary>
/// The transport between machines (<see cref="TransportModel"/>) as flows. Each channel (an ordered
/// machine pair, or a pair and kind where the runtime keeps the kinds apart) sends its tensors one
/// after the other, as the runtime's channel does. The tensors at the heads of all channels are in
/// flight together and share every capacity they cross: the channel's own bandwidth, the sender's
/// outgoing interface and the receiver's incoming one, max-min fairly (progressive filling), as TCP
/// connections through shared bottlenecks roughly do. A tensor larger than the window also waits, after
/// each window of chunks, for an acknowledgement a round trip away (<see cref="WindowStallSeconds"/>). It
/// arrives a latency after its last byte left; an empty one (a parameter-free stage's message) takes the
/// latency alone.
/// </summary>
/// <remarks>
/// An earlier model reserved each tensor's chunks first come, first served on the interfaces at the
/// moment it was offered. On the emulated hosts' 100 Mbit/s links that queued a reducer machine's small
/// gradients behind whole publications and cuts, which TCP interleaves, and put CDP-v1 28 % above its
/// measured step while the wire was the bound (docs/planner.md, calibration).
/// </remarks>
public sealed class FlowNetwork
{
    private readonly EventClock _clock;
    private readonly TransportModel _transport;
    private readonly double[] _egressBytes;
    private readonly double[] _ingressBytes;
    private readonly List<NetworkChannel> _busy = [];
    private double _updatedAt;
    private long _generation;

    /// <param name="machines">Machines the network joins (0 … machines − 1).</param>
    public FlowNetwork(EventClock clock, TransportModel transport, int machines)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentOutOfRangeException.ThrowIfLessThan(transport.ChunkBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(transport.WindowChunks, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(transport.BandwidthBytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(transport.LatencySeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(transport.NicBytesPerSecond);
        if (!(transport.Framing >= 1) || double.IsPositiveInfinity(transport.Framing))
        {
            throw new ArgumentOutOfRangeException(nameof(transport), transport.Framing, "Framing (wire bytes per tensor byte) must be a finite number of at least 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(machines, 1);
        _clock = clock;
        _transport = transport;
        _egressBytes = new double[machines];
        _ingressBytes = new double[machines];
    }

    /// <summary>Per machine: the seconds its busier interface direction would take to carry what it carried at the interface's rate (empty without a cap).</summary>
    public IReadOnlyList<double> InterfaceBusySeconds => _transport.NicBytesPerSecond > 0
        ? [.. _egressBytes.Zip(_ingressBytes, (egress, ingress) => Math.Max(egress, ingress) / _transport.PayloadNic)]
        : [];

    /// <summary>A new channel from one machine to another, its tensors in order.</summary>
    public NetworkChannel Open(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfNegative(to);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(from, _egressBytes.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(to, _ingressBytes.Length);
        return new NetworkChannel(this, from, to);
    }

    /// <summary>A channel's own cap on a tensor: its bandwidth, less the framing.</summary>
    private double OwnCap => _transport.BandwidthBytesPerSecond > 0 ? _transport.PayloadBandwidth : double.PositiveInfinity;

    /// <summary>
    /// What the window adds to a tensor of <paramref name="bytes"/> on top of its bytes' time: after each
    /// window of W chunks the next waits for the first one's acknowledgement, c/B + 2·latency after that
    /// chunk began, of which W·c/B went on the window's own chunks (exact on a channel alone at its bandwidth).
    /// </summary>
    private double WindowStallSeconds(long bytes)
    {
        long chunks = (bytes + _transport.ChunkBytes - 1) / _transport.ChunkBytes;
        long windows = (chunks + _transport.WindowChunks - 1) / _transport.WindowChunks;
        double chunkSeconds = double.IsPositiveInfinity(OwnCap) ? 0 : _transport.ChunkBytes / OwnCap;
        double stall = ((1 - _transport.WindowChunks) * chunkSeconds) + (2 * _transport.LatencySeconds);
        return windows <= 1 || stall <= 0 ? 0 : (windows - 1) * stall;
    }

    private void Start(NetworkChannel channel)
    {
        Advance();
        _busy.Add(channel);
        Reschedule();
    }

    /// <summary>Brings every tensor in flight to now, recording what each channel carried.</summary>
    private void Advance()
    {
        double elapsed = _clock.Now - _updatedAt;
        _updatedAt = _clock.Now;
        if (elapsed <= 0)
        {
            return;
        }

        foreach (var channel in _busy)
        {
            var head = channel.Head!;
            double moved = Math.Min(head.Remaining, head.Rate * elapsed);
            if (moved > 0)
            {
                head.Remaining -= moved;
                channel.Carried(_clock.Now - elapsed, _clock.Now, moved);
                _egressBytes[channel.From] += moved;
                _ingressBytes[channel.To] += moved;
            }
        }
    }

    /// <summary>Max-min fair rates for the heads in flight, then the next completion; an older scheduled check is ignored by its generation.</summary>
    private void Reschedule()
    {
        if (_busy.Count == 0)
        {
            return;
        }

        AssignRates();
        long generation = ++_generation;
        double next = _busy.Min(channel => channel.Head!.Remaining / channel.Head.Rate);
        _clock.At(_clock.Now + next, () =>
        {
            if (generation == _generation)
            {
                Complete();
            }
        });
    }

    /// <summary>
    /// Progressive filling: every unsettled tensor's rate rises together until one meets its own cap or
    /// fills an interface; those are settled at that rate and the rest go on with what is left.
    /// </summary>
    private void AssignRates()
    {
        double nic = _transport.NicBytesPerSecond > 0 ? _transport.PayloadNic : double.PositiveInfinity;
        var egressLeft = new double[_egressBytes.Length];
        var ingressLeft = new double[_ingressBytes.Length];
        Array.Fill(egressLeft, nic);
        Array.Fill(ingressLeft, nic);
        var egressCount = new int[egressLeft.Length];
        var ingressCount = new int[ingressLeft.Length];
        foreach (var channel in _busy)
        {
            egressCount[channel.From]++;
            ingressCount[channel.To]++;
        }

        var unsettled = new List<NetworkChannel>(_busy);
        while (unsettled.Count > 0)
        {
            double Bound(NetworkChannel channel) => Math.Min(OwnCap,
                Math.Min(egressLeft[channel.From] / egressCount[channel.From], ingressLeft[channel.To] / ingressCount[channel.To]));
            double level = unsettled.Min(Bound);
            var settled = unsettled.Where(channel => Bound(channel) <= level * (1 + 1e-12)).ToList();
            foreach (var channel in settled)
            {
                channel.Head!.Rate = level;
                egressLeft[channel.From] -= level;
                ingressLeft[channel.To] -= level;
                egressCount[channel.From]--;
                ingressCount[channel.To]--;
                unsettled.Remove(channel);
            }
        }
    }

    private void Complete()
    {
        Advance();
        // A tensor due now may be a rounding error above zero: done when what is left would take no longer than the clock's own rounding.
        double rounding = Math.Max(1e-12, _clock.Now * 1e-13);
        var finished = _busy.Where(channel => channel.Head!.Remaining <= channel.Head.Rate * rounding || channel.Head.Remaining <= 1e-6).ToList();
        foreach (var channel in finished)
        {
            _busy.Remove(channel);
            double stall = WindowStallSeconds(channel.Head!.Bytes);
            if (stall > 0)
            {
                // The channel sends nothing while it waits for acknowledgements; its next tensor goes after.
                _clock.At(_clock.Now + stall, () =>
                {
                    if (EndHead(channel))
                    {
                        Start(channel);
                    }
                });
            }
            else if (EndHead(channel))
            {
                _busy.Add(channel);
            }
        }

        Reschedule();
    }

    /// <summary>The channel's head tensor has left: it arrives a latency later. Whether another one is next in line.</summary>
    private bool EndHead(NetworkChannel channel)
    {
        _clock.At(_clock.Now + _transport.LatencySeconds, channel.Finish());
        return channel.Head is not null;
    }

    /// <summary>One channel of the network: tensors in the order they were sent, what it carried, and when.</summary>
    public sealed class NetworkChannel
    {
        private readonly FlowNetwork _network;
        private readonly Queue<Tensor> _waiting = new();
        private readonly List<Transmission> _transmissions = [];

        internal NetworkChannel(FlowNetwork network, int from, int to)
        {
            _network = network;
            From = from;
            To = to;
        }

        public int From { get; }

        public int To { get; }

        /// <summary>What the channel carried so far: stretches at a steady rate, in time order.</summary>
        public IReadOnlyList<Transmission> Transmissions => _transmissions;

        /// <summary>Payload bytes sent so far.</summary>
        public long Bytes { get; private set; }

        internal Tensor? Head { get; private set; }

        /// <summary>Sends a tensor of <paramref name="bytes"/> now, after those sent before it; <paramref name="arrived"/> runs when its last byte is there.</summary>
        public void Send(long bytes, Action arrived)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(bytes);
            ArgumentNullException.ThrowIfNull(arrived);
            Bytes += bytes;
            var clock = _network._clock;
            if (bytes == 0)
            {
                clock.At(clock.Now + _network._transport.LatencySeconds, arrived);
                return;
            }

            if (double.IsPositiveInfinity(_network.OwnCap) && _network._transport.NicBytesPerSecond <= 0)
            {
                // Nothing limits it: it is on the wire in no time (so nothing is ever queued on such a channel).
                _transmissions.Add(new Transmission(clock.Now, clock.Now, bytes));
                clock.At(clock.Now + _network._transport.LatencySeconds, arrived);
                return;
            }

            var tensor = new Tensor(bytes, arrived);
            if (Head is not null)
            {
                _waiting.Enqueue(tensor);
                return;
            }

            Head = tensor;
            _network.Start(this);
        }

        internal void Carried(double start, double end, double bytes)
        {
            // A stretch at the rate of the one before it, straight after it, extends it: the rates change only when another tensor starts or ends.
            if (_transmissions.Count > 0 && _transmissions[^1] is var last && last.End == start && last.End > last.Start
                && Math.Abs((last.Bytes / (last.End - last.Start)) - (bytes / (end - start))) <= 1e-9 * (bytes / (end - start)))
            {
                _transmissions[^1] = last with { End = end, Bytes = last.Bytes + bytes };
                return;
            }

            _transmissions.Add(new Transmission(start, end, bytes));
        }

        /// <summary>Ends the head tensor; the next waiting one, if any, becomes the head. Returns what runs when the ended one arrives.</summary>
        internal Action Finish()
        {
            var done = Head!.Arrived;
            Head = _waiting.Count > 0 ? _waiting.Dequeue() : null;
            return done;
        }
    }

    internal sealed class Tensor(long bytes, Action arrived)
    {
        public long Bytes { get; } = bytes;

        public double Remaining { get; set; } = bytes;

        public double Rate { get; set; }

        public Action Arrived { get; } = arrived;
    }
}
