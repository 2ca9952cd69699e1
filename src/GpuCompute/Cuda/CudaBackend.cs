using CyclicActors.GpuCompute.Cuda.Loading;
using CyclicActors.GpuCompute.Cuda.Native;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// <see cref="IComputeBackend"/> on one NVIDIA GPU through the CUDA driver API, cuDNN 9 and cuBLAS.
/// One instance = one worker: its own non-blocking stream, cuDNN and cuBLAS handles bound to that
/// stream, and its own ledger. Its memory comes from a <see cref="CudaDevicePool"/>: the one the
/// <see cref="BackendPlan"/> shares between every backend on the device, or a private one when none
/// is given. Several instances may share a device (they share the device's primary context, which
/// the driver reference-counts).
///
/// Every entry point makes the context current first (<see cref="Enter"/>), because the current
/// context belongs to the OS thread and actors may move between threads. All work is queued on the
/// backend's stream; <see cref="Download"/>, <see cref="SoftmaxCrossEntropy"/> and
/// <see cref="Synchronize"/> wait for it.
/// </summary>
public sealed partial class CudaBackend : IComputeBackend
{
    private readonly CudaBackendOptions _options;
    private PrimaryContextHandle? _context;
    private CudaStreamHandle? _stream;
    private CudaDevicePool? _ownedPool;
    private StreamAllocator<DeviceMemoryHandle, CudaStreamHandle, CudaEventHandle>? _allocator;
    private CudnnHandle? _cudnn;
    private CublasHandle? _cublas;
    private CudnnDescriptorCache? _descriptors;
    private DeviceBuffer? _cublasWorkspace;
    private DeviceBuffer? _ones;
    private PinnedHostMemoryHandle? _staging;
    private bool _stagingInFlight;
    private CudaEventHandle? _timingStart;
    private CudaEventHandle? _timingStop;
    private bool _disposed;

    /// <summary>
    /// Creates the backend; throws <see cref="BackendUnavailableException"/> or a native exception when
    /// CUDA cannot be used. With <paramref name="pool"/> (which must be on the same device) the backend
    /// draws from it and the caller disposes it after the backend; without, it owns a private pool.
    /// </summary>
    public CudaBackend(CudaBackendOptions? options = null, MemoryLedger? ledger = null, CudaDevicePool? pool = null)
    {
        _options = options ?? CudaBackendOptions.Default;
        Ledger = ledger ?? new MemoryLedger();
        string? failure = NativeLibraries.EnsureDriver() ?? NativeLibraries.EnsureMathLibraries();
        if (failure is not null)
        {
            throw new BackendUnavailableException(failure, NativeLibraries.Trace);
        }

        if (pool is not null && pool.DeviceOrdinal != _options.DeviceOrdinal)
        {
            throw new ArgumentException($"The backend is for cuda:{_options.DeviceOrdinal} but was given the pool of {pool.Device}.", nameof(pool));
        }

        try
        {
            Check.Cuda(CudaDriverApi.cuInit(0));
            Check.Cuda(CudaDriverApi.cuDeviceGet(out int device, _options.DeviceOrdinal));
            DeviceName = DeviceInfo.Name(device);
            _context = PrimaryContextHandle.Retain(device);
            _context.EnsureCurrent();
            nint context = _context.Value;
            _stream = CudaStreamHandle.CreateNonBlocking(context);
            Pool = pool ?? (_ownedPool = new CudaDevicePool(_options.DeviceOrdinal));
            _allocator = Pool.Attach(_stream, Ledger);
            _cudnn = CudnnHandle.Create(context, _stream);
            _cublas = CublasHandle.Create(context, _stream, _options.AllowTf32);
            if (_options.CublasWorkspaceBytes > 0)
            {
                _cublasWorkspace = Allocate(ConvolutionArithmetic.WorkspaceFloats(_options.CublasWorkspaceBytes), MemoryTag.Workspace);
                Check.Cublas(CublasApi.cublasSetWorkspace_v2(_cublas.Value, Ptr(_cublasWorkspace), (nuint)_options.CublasWorkspaceBytes));
            }

            _descriptors = new CudnnDescriptorCache();
            _timingStart = CudaEventHandle.CreateTiming(context);
            _timingStop = CudaEventHandle.CreateTiming(context);
            _ones = CreateOnes(Math.Max(1, _options.OnesCapacity));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name => $"cuda:{_options.DeviceOrdinal} {DeviceName}";

    public string DeviceName { get; } = "?";

    public CudaBackendOptions Options => _options;

    public MemoryLedger Ledger { get; }

    /// <summary>The device pool this backend draws from (shared with the other backends of its plan, or its own).</summary>
    public CudaDevicePool? Pool { get; private set; }

    /// <summary>Bytes the device pool holds, handed out or cached, over every backend that shares it.</summary>
    public long ReservedBytes => Pool?.ReservedBytes ?? 0;

    public long PeakReservedBytes => Pool?.ReservedPeakBytes ?? 0;

    /// <summary>cuMemAlloc calls of the device pool so far; a warm training step should add none.</summary>
    public long DeviceAllocations => Pool?.DeviceAllocations ?? 0;

    /// <summary>Convolution shapes planned so far (descriptors + algorithms cached).</summary>
    public int ConvolutionPlans => _descriptors?.PlanCount ?? 0;

    /// <summary>
    /// Native handles alive in this process, over every backend; a leak check compares it before
    /// and after a backend's life (the handle types themselves stay internal to this namespace).
    /// </summary>
    public static long LiveNativeHandles => NativeHandle.LiveCount;

    public DeviceBuffer Allocate(long length, MemoryTag tag)
    {
        Enter();
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long bytes = length * sizeof(float);
        DeviceMemoryHandle block = _allocator!.Rent(bytes, tag);
        return new CudaBuffer(_allocator, block, length, tag, this);
    }

    public void Upload(ReadOnlySpan<float> source, TensorView destination)
    {
        Enter();
        destination.RequireLength(source.Length, "Upload");
        ulong target = Ptr(destination);
        if (source.IsEmpty)
        {
            return;
        }

        Span<float> staging = Staging(source.Length);
        source.CopyTo(staging);
        unsafe
        {
            fixed (float* host = staging)
            {
                Check.Cuda(CudaDriverApi.cuMemcpyHtoDAsync_v2(target, host, Bytes(source.Length), _stream!.Value));
            }
        }

        // The staging buffer must not be overwritten before the stream has read it.
        _stagingInFlight = true;
    }

    public void Download(TensorView source, Span<float> destination)
    {
        Enter();
        if (destination.Length < source.Length)
        {
            throw new ArgumentException($"Download of {source.Length} elements into a span of {destination.Length}.");
        }

        ulong origin = Ptr(source);
        int count = checked((int)source.Length);
        if (count == 0)
        {
            return;
        }

        Span<float> staging = Staging(count);
        unsafe
        {
            fixed (float* host = staging)
            {
                Check.Cuda(CudaDriverApi.cuMemcpyDtoHAsync_v2(host, origin, Bytes(count), _stream!.Value));
            }
        }

        _stream!.Synchronize();
        _stagingInFlight = false;
        staging.CopyTo(destination);
    }

    public void Fill(TensorView destination, float value)
    {
        Enter();
        if (destination.Length > 0)
        {
            Check.Cuda(CudaDriverApi.cuMemsetD32Async(Ptr(destination), BitConverter.SingleToUInt32Bits(value), (nuint)destination.Length, _stream!.Value));
        }
    }

    public void Copy(TensorView source, TensorView destination)
    {
        Enter();
        destination.RequireLength(source.Length, "Copy");
        if (source.Length > 0)
        {
            Check.Cuda(CudaDriverApi.cuMemcpyDtoDAsync_v2(Ptr(destination), Ptr(source), Bytes(source.Length), _stream!.Value));
        }
    }

    public void Synchronize()
    {
        Enter();
        _stream!.Synchronize();
        _stagingInFlight = false;
    }

    /// <summary>Device-wide free and total memory (includes other processes and library reservations).</summary>
    public (long Free, long Total) DeviceMemory()
    {
        Enter();
        Check.Cuda(CudaDriverApi.cuMemGetInfo_v2(out nuint free, out nuint total));
        return ((long)free, (long)total);
    }

    /// <summary>Releases everything in reverse order of creation, then the primary-context retain.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            _context?.EnsureCurrent();
            _stream?.Synchronize();
        }
        catch (GpuComputeException)
        {
            // A failed stream (e.g. an earlier illegal address) must not stop the release below.
        }

        _ones?.Dispose();
        _timingStop?.Dispose();
        _timingStart?.Dispose();
        _descriptors?.Dispose();
        _cublas?.Dispose();          // before its workspace: cuBLAS may use it until destroyed
        _cublasWorkspace?.Dispose();
        _cudnn?.Dispose();
        try
        {
            _allocator?.Dispose();   // gives every block still held back to the pool, before the stream goes
        }
        catch (GpuComputeException)
        {
            // A broken stream cannot record the free events; the pool has freed those blocks instead.
        }

        _staging?.Dispose();
        _stream?.Dispose();
        _ownedPool?.Dispose();       // a private pool frees its blocks; a shared one stays with its plan
        _context?.Dispose();
    }

    /// <summary>Entry check of every public operation: not disposed, context current on this thread.</summary>
    private void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _context!.EnsureCurrent();
    }

    /// <summary>The device address of a view; rejects buffers of other backends and returned buffers.</summary>
    private ulong Ptr(TensorView view)
    {
        if (view.Buffer is not CudaBuffer buffer || !ReferenceEquals(buffer.Owner, this))
        {
            throw new ArgumentException($"The CUDA backend was given a {view.Buffer.GetType().Name} it did not allocate.");
        }

        buffer.ThrowIfDisposed();
        return buffer.Pointer + ((ulong)view.Offset * sizeof(float));
    }

    private static nuint Bytes(long elements) => (nuint)(elements * sizeof(float));

    /// <summary>Pinned host staging of at least <paramref name="count"/> floats, free to overwrite.</summary>
    private Span<float> Staging(int count)
    {
        if (_stagingInFlight)
        {
            _stream!.Synchronize();
            _stagingInFlight = false;
        }

        long bytes = (long)count * sizeof(float);
        if (_staging is null || _staging.Bytes < bytes)
        {
            _staging?.Dispose();
            _staging = null;
            _staging = PinnedHostMemoryHandle.Allocate((long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(bytes, 1L << 20)), _context!.Value);
        }

        return _staging.AsFloats(count);
    }

    private DeviceBuffer CreateOnes(int length)
    {
        DeviceBuffer ones = Allocate(length, MemoryTag.Workspace);
        Fill(ones, 1.0f);
        return ones;
    }

    /// <summary>A device vector of at least <paramref name="count"/> ones (for bias add and bias gradients).</summary>
    private ulong Ones(int count)
    {
        if (_ones!.Length < count)
        {
            // Returning the old vector is stream-ordered, so queued work that reads it is unaffected.
            _ones.Dispose();
            _ones = CreateOnes(count);
        }

        return Ptr(_ones);
    }

    private static int Int(long value, string what) =>
        value <= int.MaxValue ? (int)value : throw new ArgumentOutOfRangeException(what, $"{what} = {value} exceeds the 32-bit sizes cuBLAS/cuDNN take.");
}
