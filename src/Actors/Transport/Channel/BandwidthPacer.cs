namespace CyclicActors.Actors.Transport.Channel;

/// <summary>
/// Caps a link's payload rate (bytes per second) with a token bucket: each send reserves its bytes
/// and is told how long to wait first. With a burst of one byte (what links use) every send waits
/// its own size / rate behind the sends before it, as on a link of that bandwidth. Used to share a link with
/// other traffic and to rehearse a slow network on a fast one: unlike a throttle on the whole
/// connection, it delays only tensor payload, never the small protocol messages. A rate of 0
/// means unlimited. Pure: the caller supplies the clock, so the arithmetic is tested exactly.
/// </summary>
public sealed class BandwidthPacer
{
    private readonly double _bytesPerSecond;
    private readonly double _burstBytes;
    private double _tokens;
    private double _lastSeconds;
    private bool _started;

    public BandwidthPacer(long bytesPerSecond, long burstBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burstBytes, 1);
        _bytesPerSecond = bytesPerSecond;
        _burstBytes = burstBytes;
        _tokens = burstBytes;
    }

    public bool IsUnlimited => _bytesPerSecond == 0;

    /// <summary>Takes <paramref name="bytes"/> at <paramref name="nowSeconds"/>; returns the seconds to wait before sending them.</summary>
    public double Reserve(long bytes, double nowSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (IsUnlimited)
        {
            return 0;
        }

        if (_started)
        {
            _tokens = Math.Min(_burstBytes, _tokens + ((nowSeconds - _lastSeconds) * _bytesPerSecond));
        }

        _started = true;
        _lastSeconds = nowSeconds;

        // A debt (negative tokens) is paid back by waiting; later sends queue behind it.
        _tokens -= bytes;
        return _tokens >= 0 ? 0 : -_tokens / _bytesPerSecond;
    }
}
