using System.Runtime.InteropServices;

namespace CyclicActors.GpuCompute.Cuda.Native;

/// <summary>
/// <c>cudnnConvolutionFwdAlgoPerf_t</c>, <c>…BwdDataAlgoPerf_t</c> and <c>…BwdFilterAlgoPerf_t</c>
/// share this layout (cudnn_cnn.h): int algo, int status, float time, size_t memory (8-byte
/// aligned: 4 bytes of padding precede it), int determinism, int mathType, int reserved[3].
/// Sequential layout with <c>nuint</c> reproduces the padding; size 48 bytes, checked by a test.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CudnnConvolutionAlgoPerf
{
    public int Algorithm;
    public CudnnStatus Status;
    public float TimeMilliseconds;
    public nuint Memory;
    public CudnnDeterminism Determinism;
    public CudnnMathType MathType;
    public int Reserved0;
    public int Reserved1;
    public int Reserved2;
}
