using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// A device allocation handed out by a <see cref="CudaBackend"/>; disposing it returns the block to the
/// device's shared pool through the backend's allocator, ordered after the work the backend's stream
/// has queued on it.
/// </summary>
internal sealed class CudaBuffer : DeviceBuffer
{
    private readonly StreamAllocator<DeviceMemoryHandle, CudaStreamHandle, CudaEventHandle> _allocator;

    internal CudaBuffer(StreamAllocator<DeviceMemoryHandle, CudaStreamHandle, CudaEventHandle> allocator, DeviceMemoryHandle block, long length, MemoryTag tag, object owner)
        : base(length, tag)
    {
        _allocator = allocator;
        Block = block;
        Owner = owner;
    }

    internal DeviceMemoryHandle Block { get; }

    /// <summary>The backend that handed the buffer out; another backend must not use it.</summary>
    internal object Owner { get; }

    internal ulong Pointer => Block.Pointer;

    protected override void Release() => _allocator.Return(Block, Bytes, Tag);
}
