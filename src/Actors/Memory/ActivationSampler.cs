using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Memory;

/// <summary>
/// Samples the process-wide live activation bytes in wall-clock time: every period it takes the
/// ledger's window peak (so a short peak between two samples is not missed) and keeps the overall
/// maximum and a per-step maximum. With a device pool it also records what the pool holds (the
/// trace's "reserved bytes" counter), and each sample records the process's CPU time in the trace
/// (<see cref="TraceRecorder.ProcessCpu"/>). Independent of the actors' scheduling: a plain timer thread.
/// </summary>
public sealed class ActivationSampler : IDisposable
{
    private readonly MemoryLedger _ledger;
    private readonly TraceRecorder? _trace;
    private readonly IDevicePool? _pool;
    private readonly Timer _timer;
    private readonly object _gate = new();
    private long _peak;
    private long _stepPeak;
    private long _samples;
    private long? _deviceUsedPeak;

    public ActivationSampler(MemoryLedger ledger, TimeSpan period, TraceRecorder? trace, IDevicePool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        _ledger = ledger;
        _trace = trace;
        _pool = pool;
        _timer = new Timer(_ => Sample(), null, period, period);
    }

    /// <summary>The highest sampled live activation bytes since the sampler started.</summary>
    public long Peak
    {
        get
        {
            lock (_gate)
            {
                return _peak;
            }
        }
    }

    public long SampleCount => Interlocked.Read(ref _samples);

    /// <summary>The highest sampled device-wide use (a GPU's cuMemGetInfo total − free); null on the CPU or without a pool.</summary>
    public long? DeviceUsedPeak
    {
        get
        {
            lock (_gate)
            {
                return _deviceUsedPeak;
            }
        }
    }

    /// <summary>What the device pool holds now; null without a pool.</summary>
    public long? ReservedBytes => _pool?.ReservedBytes;

    /// <summary>The highest sample since the previous call (for a step's metrics).</summary>
    public long TakeStepPeak()
    {
        Sample();
        lock (_gate)
        {
            var peak = _stepPeak;
            _stepPeak = 0;
            return peak;
        }
    }

    /// <summary>Takes one sample now.</summary>
    public void Sample()
    {
        lock (_gate)
        {
            var bytes = _ledger.TakeWindowPeak(MemoryTag.Activations);
            _peak = Math.Max(_peak, bytes);
            _stepPeak = Math.Max(_stepPeak, bytes);
            _samples++;
            _trace?.Counter("live activation bytes", bytes);
            _trace?.ProcessCpu();
            if (_pool is not null)
            {
                _trace?.Counter("reserved bytes", _pool.ReservedBytes);
                if (_pool.DeviceUsedBytes() is { } used)
                {
                    _deviceUsedPeak = Math.Max(_deviceUsedPeak ?? 0, used);
                    _trace?.Counter("device used bytes", used);
                }
            }
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Sample();
    }
}
