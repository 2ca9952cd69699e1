using System.Runtime.InteropServices;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// Base of every owned native CUDA/cuDNN/cuBLAS object. Counts live handles process-wide so tests
/// and the self-test can assert that a disposed backend left nothing behind (lesson 8).
///
/// Release runs wherever Dispose is called. Handles that need a CUDA context make the owning
/// context current first (the driver allows that from any thread), so a release from another
/// thread is still correct. A leaked handle's finalizer may still try; if the context is gone the
/// call simply fails and nothing is thrown from the finalizer.
/// </summary>
internal abstract class NativeHandle : SafeHandle
{
    private static long s_live;

    protected NativeHandle(nint value)
        : base(0, ownsHandle: true)
    {
        SetHandle(value);
        if (value != 0)
        {
            Interlocked.Increment(ref s_live);
        }
    }

    /// <summary>Owned native handles created and not yet released, over the whole process.</summary>
    public static long LiveCount => Interlocked.Read(ref s_live);

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw value for a native call; the owner keeps this object alive meanwhile.</summary>
    public nint Value => handle;

    protected sealed override bool ReleaseHandle()
    {
        Interlocked.Decrement(ref s_live);
        return Free();
    }

    /// <summary>Destroys the native object; returns false when the native call failed.</summary>
    protected abstract bool Free();
}
