using System.Text.RegularExpressions;
using CyclicActors.GpuCompute;
using CyclicActors.GpuDiagnostics;

namespace CyclicActors.Architecture.Tests;

/// <summary>The layers the arrows join, as namespace patterns; each covers a namespace and everything under it.</summary>
internal static class Layer
{
    public static readonly string Host = Under("CyclicActors.Host");
    public static readonly string Actors = Under("CyclicActors.Actors");
    public static readonly string Schedule = Under("CyclicActors.Actors.Schedule");
    public static readonly string Protocol = Under("CyclicActors.Actors.Protocol");
    public static readonly string Compute = Under("CyclicActors.GpuCompute");
    public static readonly string Cuda = Under("CyclicActors.GpuCompute.Cuda");
    public static readonly string Diagnostics = Under("CyclicActors.GpuDiagnostics");
    public static readonly string Akka = Under("Akka");
    public static readonly string WorkersAndReducers = AnyUnder("CyclicActors.Actors.Workers", "CyclicActors.Actors.Reduce", "CyclicActors.Actors.Stages");
    public static readonly string Planning = Under("CyclicActors.Actors.Planning");

    /// <summary>What sits above workers and reducers: the coordinator, the cluster, and the builder that wires them.</summary>
    public static readonly string AboveWorkers = AnyUnder("CyclicActors.Actors.Coordination", "CyclicActors.Actors.Cluster", "CyclicActors.Actors.Runtime");

    /// <summary>The namespaces that hold actors and their wiring, and the serializer built on the protocol records.</summary>
    public static readonly string ActorImplementations = AnyUnder(
        "CyclicActors.Actors.Workers", "CyclicActors.Actors.Reduce", "CyclicActors.Actors.Stages", "CyclicActors.Actors.Coordination", "CyclicActors.Actors.Cluster",
        "CyclicActors.Actors.Transport", "CyclicActors.Actors.Serialization", "CyclicActors.Actors.Logging", "CyclicActors.Actors.Runtime",
        "CyclicActors.Actors.Planning");

    /// <summary>What the CPU oracle, models and training loop are made of: everything the self-test compares, nothing CUDA implements.</summary>
    public static readonly string CpuModelsAndTraining = AnyUnder(
        "CyclicActors.GpuCompute.Cpu", "CyclicActors.GpuCompute.Models", "CyclicActors.GpuCompute.Training",
        "CyclicActors.GpuCompute.Layers", "CyclicActors.GpuCompute.Data", "CyclicActors.GpuCompute.Checkpoints");

    /// <summary>
    /// Backend selection, the one door from the rest of the compute library into CUDA: the factory
    /// probes, the plan creates. Nested (compiler-generated) types of theirs belong to them.
    /// </summary>
    public static readonly string BackendSelection = $@"^{Regex.Escape(typeof(BackendFactory).FullName!)}($|[+/])|^{Regex.Escape(typeof(BackendPlan).FullName!)}($|[+/])";

    /// <summary>The public entry of the GPU diagnostics and the values it returns; everything else there is the harness.</summary>
    public static readonly System.Type[] DiagnosticsEntry = [typeof(DeviceDiagnostics), typeof(GpuTarget), typeof(SelfTestSummary), typeof(BenchmarkRun), typeof(ThroughputResult)];

    private static string Under(string name) => $@"^{Regex.Escape(name)}(\..+)?$";

    private static string AnyUnder(params string[] names) => $@"^({string.Join("|", names.Select(Regex.Escape))})(\..+)?$";
}
