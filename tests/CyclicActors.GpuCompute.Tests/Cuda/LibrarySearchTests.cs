using Xunit;
using CyclicActors.GpuCompute.Cuda.Loading;

namespace CyclicActors.GpuCompute.Tests.Cuda;

public sealed class LibrarySearchTests
{
    private const string Venv = "/opt/torch/.venv/lib/python3.12/site-packages/nvidia";

    private static readonly string[] CudnnFiles = LibrarySearch.CudnnLibraries.Select(l => l.Soname).ToArray();

    private static Func<string, string?> Env(params (string Key, string Value)[] values) =>
        key => values.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void Venv_layout_of_the_gpu_machine_resolves_every_library_by_absolute_path()
    {
        var files = new List<string>
        {
            $"{Venv}/cu13/lib/libcublas.so.13",
            $"{Venv}/cu13/lib/libcublasLt.so.13",
            $"{Venv}/cu13/lib/libnvrtc.so.13",
            $"{Venv}/cu13/lib/libnvrtc-builtins.so.13.0",
        };
        files.AddRange(CudnnFiles.Select(f => $"{Venv}/cudnn/lib/{f}"));
        var search = new LibrarySearch(Env(), new FakeFileSystem(files.ToArray()));

        IReadOnlyList<LoadStep> steps = search.MathLibrarySteps();

        Assert.Equal(
            ["libcublasLt.so.13", "libcublas.so.13", "libnvrtc-builtins.so.13.*", "libnvrtc.so.13",
             "libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9", "libcudnn_engines_runtime_compiled.so.9",
             "libcudnn_heuristic.so.9", "libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_adv.so.9", "libcudnn.so.9"],
            steps.Select(s => s.Soname));
        Assert.Equal($"{Venv}/cu13/lib/libcublas.so.13", steps[1].Candidates[0]);
        Assert.Equal($"{Venv}/cu13/lib/libnvrtc-builtins.so.13.0", Assert.Single(steps[2].Candidates));
        Assert.All(steps.Skip(4), s => Assert.StartsWith($"{Venv}/cudnn/lib/", s.Candidates[0]));
        Assert.All(steps.Where(s => s.Soname != "libnvrtc-builtins.so.13.*"), s => Assert.Equal(s.Soname, s.Candidates[^1]));
    }

    [Fact]
    public void Environment_variables_come_before_venvs_in_the_documented_order()
    {
        var fs = new FakeFileSystem(
            "/env/cudnn/lib/libcudnn.so.9",
            "/env/libs1/libcublas.so.13",
            "/env/libs2/x",
            "/home/u/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9",
            $"{Venv}/cu13/lib/libcublas.so.13");
        var search = new LibrarySearch(
            Env(("CUDNN_PATH", "/env/cudnn"), ("CUDA_LIB_PATH", "/env/libs1:/env/libs2"), ("VIRTUAL_ENV", "/home/u/venv")),
            fs);

        Assert.Equal(
            ["/env/cudnn", "/env/cudnn/lib", "/env/libs1", "/env/libs2", "/home/u/venv/lib/python3.11/site-packages/nvidia/cudnn/lib", $"{Venv}/cu13/lib"],
            search.LibraryDirectories());
    }

    [Fact]
    public void All_cudnn_libraries_come_from_the_directory_holding_the_shim()
    {
        var files = new List<string> { "/a/libcudnn_ops.so.9" }; // a stray sub-library of another release
        files.AddRange(CudnnFiles.Select(f => $"/b/{f}"));
        var search = new LibrarySearch(Env(("CUDA_LIB_PATH", "/a:/b")), new FakeFileSystem(files.ToArray()));

        LoadStep ops = search.MathLibrarySteps().Single(s => s.Soname == "libcudnn_ops.so.9");

        Assert.Equal(["/b/libcudnn_ops.so.9", "libcudnn_ops.so.9"], ops.Candidates);
    }

    [Fact]
    public void Driver_candidates_start_with_the_override_then_the_soname_and_never_a_stub()
    {
        var fs = new FakeFileSystem("/usr/local/nvidia/lib64/libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1");
        var search = new LibrarySearch(Env(("CUDA_DRIVER_LIB", "/usr/local/cuda/lib64/stubs/libcuda.so.1")), fs);

        LoadStep driver = search.DriverStep();

        Assert.Equal(["libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/local/nvidia/lib64/libcuda.so.1"], driver.Candidates);
        Assert.True(driver.Required);

        var explicitDriver = new LibrarySearch(Env(("CUDA_DRIVER_LIB", "/drivers/libcuda.so.1")), new FakeFileSystem()).DriverStep();
        Assert.Equal(["/drivers/libcuda.so.1", "libcuda.so.1"], explicitDriver.Candidates);
    }

    [Fact]
    public void Nothing_installed_leaves_only_bare_sonames()
    {
        var search = new LibrarySearch(Env(), new FakeFileSystem());
        Assert.Empty(search.LibraryDirectories());
        Assert.All(search.MathLibrarySteps().Where(s => s.Soname != "libnvrtc-builtins.so.13.*"), s => Assert.Equal([s.Soname], s.Candidates));
    }
}
