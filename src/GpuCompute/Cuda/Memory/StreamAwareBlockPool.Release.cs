namespace CyclicActors.GpuCompute.Cuda;

// Giving memory back to the device: on request or out of memory (cached blocks only), and at the end (everything).
internal sealed partial class StreamAwareBlockPool<TBlock, TStream, TEvent>
{
    /// <summary>Frees every cached (not handed-out) block, each after its free event; used after an out-of-memory error and by Trim.</summary>
    public void ReleaseCached()
    {
        List<CachedBlock> victims;
        lock (_gate)
        {
            victims = _free.Values.SelectMany(list => list).ToList();
            _free.Clear();
        }

        foreach (CachedBlock victim in victims)
        {
            SynchronizeAndFree(victim);
        }
    }

    /// <summary>Frees every block, cached or handed out (buffers still held become unusable), and every event.</summary>
    public void Dispose()
    {
        lock (_lifetime)
        {
            List<CachedBlock> cached;
            List<KeyValuePair<TBlock, long>> handedOut;
            List<TEvent> spare;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                cached = _free.Values.SelectMany(list => list).ToList();
                handedOut = _handedOut.ToList();
                spare = _spareEvents.ToList();
                _free.Clear();
                _handedOut.Clear();
                _spareEvents.Clear();
            }

            // Everything is released even if a call fails (a broken context); the first failure is rethrown after.
            Exception? failure = null;
            void Attempt(Action release)
            {
                try
                {
                    release();
                }
                catch (Exception e)
                {
                    failure ??= e;
                }
            }

            foreach (CachedBlock block in cached)
            {
                Attempt(() => SynchronizeAndFree(block));
            }

            foreach ((TBlock block, long blockBytes) in handedOut)
            {
                Attempt(() => FreeBlock(block, blockBytes));
            }

            foreach (TEvent evt in spare)
            {
                Attempt(() => _device.DestroyEvent(evt));
            }

            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
        }
    }

    private void SynchronizeAndFree(CachedBlock cached)
    {
        try
        {
            _device.Synchronize(cached.FreedAt);
        }
        finally
        {
            _device.DestroyEvent(cached.FreedAt);
            FreeBlock(cached.Block, cached.Bytes);
        }
    }

    private void FreeBlock(TBlock block, long blockBytes)
    {
        Interlocked.Add(ref _reserved, -blockBytes);
        _device.Free(block);
    }
}
