using System.Runtime.InteropServices;

namespace CyclicActors.GpuCompute.Cuda.Native;

/// <summary>
/// cuDNN 9 legacy API through the shim <c>libcudnn.so.9</c>. Signatures checked against the cuDNN 9
/// headers (cudnn_graph.h: handle, version, errors; cudnn_ops.h: tensor/filter/activation/pooling/
/// softmax/AddTensor; cudnn_cnn.h: convolution). Descriptors and handles are opaque pointers (nint);
/// alpha/beta are host float pointers because our tensors are FLOAT.
/// </summary>
internal static unsafe partial class CudnnApi
{
    private const string Lib = NativeLibraryNames.Cudnn;

    // --- cudnn_graph.h -------------------------------------------------------------------------
    [LibraryImport(Lib)]
    public static partial nuint cudnnGetVersion();

    [LibraryImport(Lib)]
    public static partial nuint cudnnGetCudartVersion();

    [LibraryImport(Lib)]
    public static partial byte* cudnnGetErrorString(CudnnStatus status);

    [LibraryImport(Lib)]
    public static partial void cudnnGetLastErrorString(byte* message, nuint maxSize);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnCreate(out nint handle);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnDestroy(nint handle);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnSetStream(nint handle, nint stream);

    // --- cudnn_ops.h: descriptors --------------------------------------------------------------
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnCreateTensorDescriptor(out nint descriptor);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnSetTensor4dDescriptor(nint descriptor, CudnnTensorFormat format, CudnnDataType dataType, int n, int c, int h, int w);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnDestroyTensorDescriptor(nint descriptor);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnCreateFilterDescriptor(out nint descriptor);

    // Note the argument order: data type before format (the tensor descriptor has format first).
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnSetFilter4dDescriptor(nint descriptor, CudnnDataType dataType, CudnnTensorFormat format, int k, int c, int h, int w);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnDestroyFilterDescriptor(nint descriptor);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnCreateActivationDescriptor(out nint descriptor);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnSetActivationDescriptor(nint descriptor, CudnnActivationMode mode, CudnnNanPropagation reluNanOpt, double coef);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnDestroyActivationDescriptor(nint descriptor);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnCreatePoolingDescriptor(out nint descriptor);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnSetPooling2dDescriptor(nint descriptor, CudnnPoolingMode mode, CudnnNanPropagation maxpoolingNanOpt, int windowHeight, int windowWidth, int verticalPadding, int horizontalPadding, int verticalStride, int horizontalStride);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnDestroyPoolingDescriptor(nint descriptor);

    // --- cudnn_ops.h: operations ---------------------------------------------------------------
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnAddTensor(nint handle, float* alpha, nint aDesc, ulong a, float* beta, nint cDesc, ulong c);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnActivationForward(nint handle, nint activationDesc, float* alpha, nint xDesc, ulong x, float* beta, nint yDesc, ulong y);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnActivationBackward(nint handle, nint activationDesc, float* alpha, nint yDesc, ulong y, nint dyDesc, ulong dy, nint xDesc, ulong x, float* beta, nint dxDesc, ulong dx);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnPoolingForward(nint handle, nint poolingDesc, float* alpha, nint xDesc, ulong x, float* beta, nint yDesc, ulong y);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnPoolingBackward(nint handle, nint poolingDesc, float* alpha, nint yDesc, ulong y, nint dyDesc, ulong dy, nint xDesc, ulong x, float* beta, nint dxDesc, ulong dx);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnSoftmaxForward(nint handle, CudnnSoftmaxAlgorithm algorithm, CudnnSoftmaxMode mode, float* alpha, nint xDesc, ulong x, float* beta, nint yDesc, ulong y);

    // --- cudnn_cnn.h ---------------------------------------------------------------------------
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnCreateConvolutionDescriptor(out nint descriptor);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnSetConvolution2dDescriptor(nint descriptor, int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, CudnnConvolutionMode mode, CudnnDataType computeType);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnSetConvolutionMathType(nint descriptor, CudnnMathType mathType);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnDestroyConvolutionDescriptor(nint descriptor);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolution2dForwardOutputDim(nint convDesc, nint inputDesc, nint filterDesc, out int n, out int c, out int h, out int w);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionForwardAlgorithmMaxCount(nint handle, out int count);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionBackwardDataAlgorithmMaxCount(nint handle, out int count);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(nint handle, out int count);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionForwardAlgorithm_v7(nint handle, nint xDesc, nint wDesc, nint convDesc, nint yDesc, int requestedCount, out int returnedCount, CudnnConvolutionAlgoPerf* results);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionBackwardDataAlgorithm_v7(nint handle, nint wDesc, nint dyDesc, nint convDesc, nint dxDesc, int requestedCount, out int returnedCount, CudnnConvolutionAlgoPerf* results);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionBackwardFilterAlgorithm_v7(nint handle, nint xDesc, nint dyDesc, nint convDesc, nint dwDesc, int requestedCount, out int returnedCount, CudnnConvolutionAlgoPerf* results);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionForwardWorkspaceSize(nint handle, nint xDesc, nint wDesc, nint convDesc, nint yDesc, int algorithm, out nuint bytes);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionBackwardDataWorkspaceSize(nint handle, nint wDesc, nint dyDesc, nint convDesc, nint dxDesc, int algorithm, out nuint bytes);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionBackwardFilterWorkspaceSize(nint handle, nint xDesc, nint dyDesc, nint convDesc, nint dwDesc, int algorithm, out nuint bytes);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnConvolutionForward(nint handle, float* alpha, nint xDesc, ulong x, nint wDesc, ulong w, nint convDesc, int algorithm, ulong workspace, nuint workspaceBytes, float* beta, nint yDesc, ulong y);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnConvolutionBackwardData(nint handle, float* alpha, nint wDesc, ulong w, nint dyDesc, ulong dy, nint convDesc, int algorithm, ulong workspace, nuint workspaceBytes, float* beta, nint dxDesc, ulong dx);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnConvolutionBackwardFilter(nint handle, float* alpha, nint xDesc, ulong x, nint dyDesc, ulong dy, nint convDesc, int algorithm, ulong workspace, nuint workspaceBytes, float* beta, nint dwDesc, ulong dw);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnConvolutionBackwardBias(nint handle, float* alpha, nint dyDesc, ulong dy, float* beta, nint dbDesc, ulong db);
}
