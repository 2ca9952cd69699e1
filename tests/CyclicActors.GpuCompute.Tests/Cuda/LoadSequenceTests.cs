using Xunit;
using CyclicActors.GpuCompute.Cuda.Loading;

namespace CyclicActors.GpuCompute.Tests.Cuda;

public sealed class LoadSequenceTests
{
    private static Func<string, LoadAttempt> Loader(params string[] loadable) =>
        path => loadable.Contains(path) ? LoadAttempt.Success(path.Length) : LoadAttempt.Failure($"{path}: cannot open shared object file: No such file or directory");

    [Fact]
    public void Records_every_attempt_and_takes_the_first_candidate_that_loads()
    {
        var sequence = new LoadSequence(Loader("/b/libcublas.so.13"));

        string? failure = sequence.Run([new LoadStep("libcublas.so.13", ["/a/libcublas.so.13", "/b/libcublas.so.13", "libcublas.so.13"], true, "cuBLAS")]);

        Assert.Null(failure);
        Assert.Equal("/b/libcublas.so.13".Length, sequence.Loaded["libcublas.so.13"]);
        Assert.Equal(
            "  libcublas.so.13 (required)\n    /a/libcublas.so.13 -> /a/libcublas.so.13: cannot open shared object file: No such file or directory\n    /b/libcublas.so.13 -> loaded\n",
            sequence.Trace.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Optional_failures_continue_and_the_first_required_failure_stops_with_a_reason()
    {
        var sequence = new LoadSequence(Loader("libcublasLt.so.13"));
        LoadStep[] steps =
        [
            new("libcublasLt.so.13", ["libcublasLt.so.13"], true, "cuBLASLt"),
            new("libnvrtc.so.13", ["libnvrtc.so.13"], false, "NVRTC"),
            new("libcudnn.so.9", ["/x/libcudnn.so.9", "libcudnn.so.9"], true, "cuDNN 9"),
            new("libcudnn_never.so.9", ["never"], true, "not reached"),
        ];

        string? failure = sequence.Run(steps);

        Assert.Equal("libcudnn.so.9 (cuDNN 9) not loadable; tried: /x/libcudnn.so.9, libcudnn.so.9", failure);
        Assert.Contains("libnvrtc.so.13 (optional)", sequence.Trace);
        Assert.DoesNotContain("libcudnn_never", sequence.Trace);
    }

    [Fact]
    public void A_step_without_candidates_says_so()
    {
        var sequence = new LoadSequence(Loader());
        Assert.NotNull(sequence.Run([new LoadStep("libnvrtc-builtins.so.13.*", [], true, "builtins")]));
        Assert.Contains("no candidate found", sequence.Trace);
    }

    [Fact]
    public void A_failed_optional_library_is_retried_after_the_rest_is_loaded()
    {
        var loaded = new HashSet<string>();
        LoadAttempt Load(string path)
        {
            // The engines library "needs" the ops library, which comes later in the order.
            if (path == "libengines.so.9" && !loaded.Contains("libops.so.9"))
            {
                return LoadAttempt.Failure("libops.so.9: cannot open shared object file");
            }

            loaded.Add(path);
            return LoadAttempt.Success(1);
        }

        var sequence = new LoadSequence(Load);
        string? failure = sequence.Run([new LoadStep("libengines.so.9", ["libengines.so.9"], false, "engines"), new LoadStep("libops.so.9", ["libops.so.9"], true, "ops")]);

        Assert.Null(failure);
        Assert.True(sequence.Loaded.ContainsKey("libengines.so.9"));
        Assert.Contains("retry after the others:   libengines.so.9 (optional)", sequence.Trace);
    }
}
