namespace CyclicActors.GpuCompute.Cuda.Native;

/// <summary><c>cublasStatus_t</c> from <c>cublas_api.h</c> (the gaps are historical and intentional).</summary>
internal enum CublasStatus
{
    Success = 0,
    NotInitialized = 1,
    AllocFailed = 3,
    InvalidValue = 7,
    ArchMismatch = 8,
    MappingError = 11,
    ExecutionFailed = 13,
    InternalError = 14,
    NotSupported = 15,
    LicenseError = 16,
}
