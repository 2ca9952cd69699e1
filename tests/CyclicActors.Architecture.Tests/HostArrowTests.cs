using ArchUnitNET.xUnit;
using Xunit;
using static CyclicActors.Architecture.Tests.ProjectArchitecture;

namespace CyclicActors.Architecture.Tests;

/// <summary>Host → Actors and Host → Compute, but never past backend selection into CUDA.</summary>
public sealed class HostArrowTests
{
    [Fact]
    public void Host_reaches_cuda_only_through_backend_selection() =>
        TypesIn(Layer.Host).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Cuda)
            .Because("the host chooses a backend with BackendFactory.Resolve and runs GPU checks through DeviceDiagnostics; " +
                     "a CUDA type built or probed in the host skips the probe's reason and the CPU fallback")
            .Check(Loaded);

    [Fact]
    public void Host_runs_gpu_diagnostics_only_through_their_entry_point() =>
        TypesIn(Layer.Host).Should().NotDependOnAny(TypesIn(Layer.Diagnostics).And().AreNot(Layer.DiagnosticsEntry))
            .Because("selftest-gpu and bench-gpu call DeviceDiagnostics; the parity harness and device checks are its internals")
            .Check(Loaded);
}
