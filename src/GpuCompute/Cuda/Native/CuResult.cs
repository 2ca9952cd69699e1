namespace CyclicActors.GpuCompute.Cuda.Native;

/// <summary>
/// <c>CUresult</c> from <c>cuda.h</c>. Only the codes this project reports by name are listed; any
/// other value is still carried as a number and named through <c>cuGetErrorName</c>.
/// </summary>
internal enum CuResult
{
    Success = 0,
    InvalidValue = 1,
    OutOfMemory = 2,
    NotInitialized = 3,
    Deinitialized = 4,
    StubLibrary = 34,
    DeviceUnavailable = 46,
    NoDevice = 100,
    InvalidDevice = 101,
    InvalidImage = 200,
    InvalidContext = 201,
    NoBinaryForGpu = 209,
    InvalidPtx = 218,
    UnsupportedPtxVersion = 222,
    InvalidHandle = 400,
    NotReady = 600,
    IllegalAddress = 700,
    LaunchFailed = 719,
    NotSupported = 801,
    SystemDriverMismatch = 803,
    Unknown = 999,
}
