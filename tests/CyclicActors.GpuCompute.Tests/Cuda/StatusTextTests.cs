using Xunit;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Tests.Cuda;

public sealed class StatusTextTests
{
    [Theory]
    [InlineData(0, "CUDA_SUCCESS")]
    [InlineData(2, "CUDA_ERROR_OUT_OF_MEMORY")]
    [InlineData(34, "CUDA_ERROR_STUB_LIBRARY")]
    [InlineData(100, "CUDA_ERROR_NO_DEVICE")]
    [InlineData(209, "CUDA_ERROR_NO_BINARY_FOR_GPU")]
    [InlineData(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION")]
    [InlineData(12345, "CUDA_ERROR_12345")]
    public void Cuda_names(int code, string name) => Assert.Equal(name, StatusText.CudaName(code));

    [Theory]
    [InlineData(1002, "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH")]
    [InlineData(2000, "CUDNN_STATUS_BAD_PARAM")]
    [InlineData(2002, "CUDNN_STATUS_BAD_PARAM_NULL_POINTER")]
    [InlineData(3007, "CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH")]
    [InlineData(4003, "CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED")]
    [InlineData(5000, "CUDNN_STATUS_EXECUTION_FAILED")]
    public void Cudnn_names(int code, string name) => Assert.Equal(name, StatusText.CudnnName(code));

    [Theory]
    [InlineData(3, "CUBLAS_STATUS_ALLOC_FAILED")]
    [InlineData(7, "CUBLAS_STATUS_INVALID_VALUE")]
    [InlineData(13, "CUBLAS_STATUS_EXECUTION_FAILED")]
    public void Cublas_names(int code, string name) => Assert.Equal(name, StatusText.CublasName(code));

    [Fact]
    public void Check_throws_typed_exceptions_naming_the_call_and_the_status()
    {
        // Without the libraries the texts fall back to "(no description)", but names and calls remain.
        var cudnn = Assert.Throws<CudnnException>(() => Check.Cudnn(CudnnStatus.BadParam));
        Assert.StartsWith("CudnnStatus.BadParam failed: CUDNN_STATUS_BAD_PARAM (2000): ", cudnn.Message);
        Assert.Equal("CudnnStatus.BadParam", cudnn.Call);

        var cublas = Assert.Throws<CublasException>(() => Check.Cublas(CublasStatus.InvalidValue));
        Assert.StartsWith("CublasStatus.InvalidValue failed: CUBLAS_STATUS_INVALID_VALUE (7): ", cublas.Message);

        var cuda = Assert.Throws<CudaException>(() => Check.Cuda(CuResult.OutOfMemory));
        Assert.True(cuda.IsOutOfMemory);
        Assert.StartsWith("CuResult.OutOfMemory failed: CUDA_ERROR_OUT_OF_MEMORY (2): ", cuda.Message);
    }

    [Fact]
    public void Success_does_not_throw()
    {
        Check.Cuda(CuResult.Success);
        Check.Cudnn(CudnnStatus.Success);
        Check.Cublas(CublasStatus.Success);
    }

    [Fact]
    public void Versions_are_formatted_in_their_encodings()
    {
        Assert.Equal("13.0", ProbeResult.FormatCudaVersion(13000));
        Assert.Equal("12.8", ProbeResult.FormatCudaVersion(12080));
        Assert.Equal("9.10.2", ProbeResult.FormatCudnnVersion(91002));
    }
}
