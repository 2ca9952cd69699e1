namespace CyclicActors.GpuCompute.Cuda.Native;

/// <summary>
/// Logical library names used in every <c>[LibraryImport]</c>. They are never file names: the
/// assembly's resolver (<see cref="Loading.NativeLibraries"/>) maps each one to the versioned soname
/// or absolute path it preloaded, so an unversioned <c>libcuda.so</c> is never probed.
/// </summary>
internal static class NativeLibraryNames
{
    public const string Driver = "cuda";
    public const string Cudnn = "cudnn";
    public const string Cublas = "cublas";
}
