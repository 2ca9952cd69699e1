namespace CyclicActors.GpuCompute.Memory;

/// <summary>
/// What one device's memory pool really holds: the bytes taken from the OS or the driver and not
/// given back, shared by every backend of the process on that device (its workers and reducers), so
/// a block one worker frees serves the next. The ledgers count what is handed out, per tag; this is
/// what an out-of-memory depends on.
/// </summary>
public interface IDevicePool
{
    /// <summary>"cpu" or "cuda:N".</summary>
    string Device { get; }

    /// <summary>Bytes the pool holds now, handed out or cached.</summary>
    long ReservedBytes { get; }

    /// <summary>The high-water of <see cref="ReservedBytes"/> since creation or the last <see cref="ResetPeak"/>.</summary>
    long ReservedPeakBytes { get; }

    /// <summary>Starts a new high-water at the current reserved bytes (e.g. after set-up).</summary>
    void ResetPeak();

    /// <summary>
    /// What the whole device has in use now, by every process and allocator (on a GPU: cuMemGetInfo's
    /// total − free, sampled; safe to call from any thread); null where there is no such figure (the
    /// CPU) or once the pool is disposed.
    /// </summary>
    long? DeviceUsedBytes();

    /// <summary>What the device has free now (cuMemGetInfo's free); null on the CPU or once disposed. <c>--memory-budget auto</c> uses it.</summary>
    long? DeviceFreeBytes();

    /// <summary>The most bytes the pool reserves while it has cached blocks to give back (<see cref="KeepWithin"/>); null: no limit but the device's.</summary>
    long? Limit { get; }

    /// <summary>
    /// Keeps <see cref="ReservedBytes"/> within <paramref name="bytes"/> as long as cached blocks can
    /// make room: a rent that would pass it reuses a larger cached block or gives cached blocks back
    /// first (a memory budget). Live blocks are never taken away, so a run whose live bytes exceed it
    /// still goes past it. Null removes the limit.
    /// </summary>
    void KeepWithin(long? bytes);
}
