namespace CyclicActors.GpuCompute.Cuda.Native;

// Values from cublas_api.h / library_types.h (CUDA 12 and 13 agree).

internal enum CublasOperation
{
    N = 0,
    T = 1,
}

internal enum CublasPointerMode
{
    Host = 0,
    Device = 1,
}

/// <summary>DEFAULT keeps SGEMM in FP32; TF32_TENSOR_OP opts in to TF32 on Ampere and later.</summary>
internal enum CublasMath
{
    Default = 0,
    Pedantic = 2,
    Tf32TensorOp = 3,
}

/// <summary><c>libraryPropertyType</c>.</summary>
internal enum LibraryProperty
{
    MajorVersion = 0,
    MinorVersion = 1,
    PatchLevel = 2,
}
