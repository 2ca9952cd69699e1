namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// What <see cref="StreamAwareBlockPool{TBlock, TStream, TEvent}"/> needs from a device: memory
/// blocks, streams (identified by reference) and events that capture a stream's queued work. The
/// CUDA implementation is <see cref="CudaDriverMemory"/>; tests implement it with a fake device that
/// records every wait, so the pool's cross-stream rule is checked without a GPU.
/// </summary>
/// <typeparam name="TBlock">One device allocation.</typeparam>
/// <typeparam name="TStream">A stream; two streams are the same only if they are the same object.</typeparam>
/// <typeparam name="TEvent">A reusable event.</typeparam>
internal interface IStreamOrderedDevice<TBlock, TStream, TEvent>
    where TBlock : class
    where TStream : class
    where TEvent : class
{
    /// <summary>cuMemAlloc: a fresh block of exactly <paramref name="bytes"/>; throws when the device is full.</summary>
    TBlock Allocate(long bytes);

    /// <summary>Whether <paramref name="error"/> thrown by <see cref="Allocate"/> means "out of memory" (worth trimming and retrying).</summary>
    bool IsOutOfMemory(Exception error);

    /// <summary>cuMemFree. The pool calls it only once no stream's queued work can still touch the block.</summary>
    void Free(TBlock block);

    TEvent CreateEvent();

    void DestroyEvent(TEvent evt);

    /// <summary>cuEventRecord: the event now captures everything queued on <paramref name="stream"/> so far.</summary>
    void Record(TEvent evt, TStream stream);

    /// <summary>cuEventQuery: whether the captured work has finished (never blocks).</summary>
    bool HasCompleted(TEvent evt);

    /// <summary>cuStreamWaitEvent: work queued on <paramref name="stream"/> from now on waits for the captured work (the host does not block).</summary>
    void MakeWait(TStream stream, TEvent evt);

    /// <summary>cuEventSynchronize: blocks the host until the captured work has finished.</summary>
    void Synchronize(TEvent evt);

    /// <summary>cuMemGetInfo: device-wide free and total bytes (every process, every allocator, the context itself).</summary>
    (long Free, long Total) MemoryInfo();
}
