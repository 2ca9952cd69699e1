using System.Reflection;
using System.Text.RegularExpressions;
using ArchUnitNET.Fluent.Syntax.Elements.Types;
using ArchUnitNET.Loader;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuDiagnostics;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace CyclicActors.Architecture.Tests;

/// <summary>The four assemblies the arrows are about, loaded once (loading is the slow part).</summary>
internal static class ProjectArchitecture
{
    public static readonly ArchUnitNET.Domain.Architecture Loaded = new ArchLoader().LoadAssemblies(
        Assembly.Load("cyclic"),
        typeof(CdpSchedule).Assembly,
        typeof(IComputeBackend).Assembly,
        typeof(DeviceDiagnostics).Assembly).Build();

    public static GivenTypesConjunction TypesIn(string namespacePattern) => Types().That().ResideInNamespaceMatching(namespacePattern);
}
