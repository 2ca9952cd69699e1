using ArchUnitNET.xUnit;
using Xunit;
using static CyclicActors.Architecture.Tests.ProjectArchitecture;

namespace CyclicActors.Architecture.Tests;

/// <summary>Compute is the bottom layer, and it reaches CUDA through backend selection only; CUDA needs only the backend contract.</summary>
public sealed class ComputeArrowTests
{
    [Fact]
    public void Compute_and_cuda_do_not_depend_on_actors_host_akka_or_diagnostics() =>
        TypesIn(Layer.Compute).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Actors)
            .AndShould().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Host)
            .AndShould().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Akka)
            .AndShould().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Diagnostics)
            .Because("tensors, layers, models and backends (CUDA included) are the bottom layer: the actors and the host use them, " +
                     "and they run in tests and benchmarks without an actor system")
            .Check(Loaded);

    [Fact]
    public void Only_backend_selection_reaches_cuda() =>
        TypesIn(Layer.Compute).And().DoNotResideInNamespaceMatching(Layer.Cuda).And().DoNotHaveFullNameMatching(Layer.BackendSelection)
            .Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.Cuda)
            .Because("BackendFactory (which probes) and BackendPlan (which creates) are the one door into CUDA; " +
                     "everything else sees an IComputeBackend, so it runs the same on the CPU")
            .Check(Loaded);

    [Fact]
    public void Cuda_does_not_depend_on_the_cpu_backend_models_training_or_selection() =>
        TypesIn(Layer.Cuda).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Layer.CpuModelsAndTraining)
            .AndShould().NotDependOnAnyTypesThat().HaveFullNameMatching(Layer.BackendSelection)
            .Because("CUDA implements the backend contract (IComputeBackend, shapes, memory) and nothing more; the CPU-vs-CUDA " +
                     "self-test lives in GpuDiagnostics, since backend selection depends on CUDA and a CUDA back-reference makes a cycle")
            .Check(Loaded);
}
