namespace CyclicActors.GpuCompute.Cuda.Loading;

/// <summary>
/// Where to look for the CUDA driver, cuBLAS, NVRTC and cuDNN, as a pure function of the
/// environment and a file system (gpu-bindings.md §6):
/// 1. <c>CUDA_DRIVER_LIB</c> (full path of libcuda.so.1);
/// 2. <c>CUDNN_PATH</c> (a directory with libcudnn*.so.9, or one with a lib/ sub-folder);
/// 3. <c>CUDA_LIB_PATH</c> (colon-separated directories with libcublas.so.13, libnvrtc.so.13, …);
/// 4. Python venvs: <c>$VIRTUAL_ENV</c>, then /opt/torch/.venv, each lib/python3*/site-packages/nvidia/
///    {cu13/lib, cudnn/lib, cublas/lib, cuda_nvrtc/lib, cuda_runtime/lib};
/// 5. bare sonames (loader cache, LD_LIBRARY_PATH).
/// </summary>
internal sealed class LibrarySearch
{
    public const string DriverSoname = "libcuda.so.1";
    public const string CudnnSoname = "libcudnn.so.9";

    /// <summary>Venv sub-folders holding the CUDA 13 wheels (cu13 puts everything in nvidia/cu13/lib).</summary>
    public static readonly string[] VenvLibraryFolders =
        ["nvidia/cu13/lib", "nvidia/cudnn/lib", "nvidia/cublas/lib", "nvidia/cuda_nvrtc/lib", "nvidia/cuda_runtime/lib"];

    /// <summary>Driver locations used by distributions and by containers with an injected driver.</summary>
    public static readonly string[] DriverDirectories =
        ["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/wsl/lib"];

    public const string DefaultVenv = "/opt/torch/.venv";

    private readonly Func<string, string?> _environment;
    private readonly ILibraryFileSystem _files;

    public LibrarySearch(Func<string, string?> environment, ILibraryFileSystem files)
    {
        _environment = environment;
        _files = files;
    }

    public static LibrarySearch ForThisProcess() => new(Environment.GetEnvironmentVariable, RealLibraryFileSystem.Instance);

    /// <summary>Candidates for libcuda.so.1. Toolkit stubs are never offered (cuInit would return STUB_LIBRARY).</summary>
    public LoadStep DriverStep()
    {
        var candidates = new List<string>();
        string? explicitPath = _environment("CUDA_DRIVER_LIB");
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            candidates.Add(explicitPath.Trim());
        }

        candidates.Add(DriverSoname);
        foreach (string directory in DriverDirectories)
        {
            string path = Path.Combine(directory, DriverSoname);
            if (_files.FileExists(path))
            {
                candidates.Add(path);
            }
        }

        return new LoadStep(DriverSoname, candidates.Where(c => !IsStub(c)).Distinct().ToArray(), Required: true, "CUDA driver API");
    }

    /// <summary>Existing directories to search for the math libraries, in priority order, without duplicates.</summary>
    public IReadOnlyList<string> LibraryDirectories()
    {
        var directories = new List<string>();
        string? cudnnPath = _environment("CUDNN_PATH");
        if (!string.IsNullOrWhiteSpace(cudnnPath))
        {
            directories.Add(cudnnPath.Trim());
            directories.Add(Path.Combine(cudnnPath.Trim(), "lib"));
        }

        string? libPath = _environment("CUDA_LIB_PATH");
        if (!string.IsNullOrWhiteSpace(libPath))
        {
            directories.AddRange(libPath.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        string? virtualEnv = _environment("VIRTUAL_ENV");
        if (!string.IsNullOrWhiteSpace(virtualEnv))
        {
            directories.AddRange(VenvDirectories(virtualEnv.Trim()));
        }

        directories.AddRange(VenvDirectories(DefaultVenv));
        return directories.Where(_files.DirectoryExists).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// The preload order of gpu-bindings.md §6: cuBLASLt → cuBLAS → NVRTC builtins → NVRTC → the seven
    /// cuDNN sub-libraries → the cuDNN shim. cuDNN's shim dlopens its sub-libraries by bare soname;
    /// glibc satisfies those with the objects already loaded here, and all eight come from the same
    /// directory (the one holding libcudnn.so.9) so they are one release.
    /// </summary>
    public IReadOnlyList<LoadStep> MathLibrarySteps()
    {
        IReadOnlyList<string> directories = LibraryDirectories();
        string? cudnnDirectory = directories.FirstOrDefault(d => _files.FileExists(Path.Combine(d, CudnnSoname)));
        IReadOnlyList<string> cudnnDirectories = cudnnDirectory is null ? directories : [cudnnDirectory];

        var steps = new List<LoadStep>
        {
            Step("libcublasLt.so.13", directories, required: true, "cuBLASLt, needed by cuBLAS"),
            Step("libcublas.so.13", directories, required: true, "cuBLAS: dense layers, SGD"),
        };

        string? builtins = directories.SelectMany(d => _files.Files(d, "libnvrtc-builtins.so.13*")).FirstOrDefault();
        steps.Add(new LoadStep("libnvrtc-builtins.so.13.*", builtins is null ? [] : [builtins], Required: false, "NVRTC builtins, for cuDNN's runtime-compiled engines"));
        steps.Add(Step("libnvrtc.so.13", directories, required: false, "NVRTC, for cuDNN's runtime-compiled engines"));

        foreach ((string soname, bool required) in CudnnLibraries)
        {
            steps.Add(Step(soname, cudnnDirectories, required, "cuDNN 9"));
        }

        return steps;
    }

    /// <summary>cuDNN 9 sub-libraries in dependency order (graph first: cnn links to it), the shim last.</summary>
    public static readonly (string Soname, bool Required)[] CudnnLibraries =
    [
        ("libcudnn_graph.so.9", true),
        ("libcudnn_engines_precompiled.so.9", false),
        ("libcudnn_engines_runtime_compiled.so.9", false),
        ("libcudnn_heuristic.so.9", false),
        ("libcudnn_ops.so.9", true),
        ("libcudnn_cnn.so.9", true),
        ("libcudnn_adv.so.9", false),
        (CudnnSoname, true),
    ];

    private LoadStep Step(string soname, IReadOnlyList<string> directories, bool required, string why)
    {
        var candidates = directories.Select(d => Path.Combine(d, soname)).Where(_files.FileExists).ToList();
        candidates.Add(soname);
        return new LoadStep(soname, candidates, required, why);
    }

    private IEnumerable<string> VenvDirectories(string venv)
    {
        foreach (string python in _files.Directories(Path.Combine(venv, "lib"), "python3*"))
        {
            foreach (string folder in VenvLibraryFolders)
            {
                yield return Path.Combine(python, "site-packages", folder);
            }
        }
    }

    private static bool IsStub(string path) => path.Contains("/stubs/", StringComparison.Ordinal);
}
