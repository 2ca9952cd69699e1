using System.Text.Json;
using System.Text.Json.Serialization;

namespace CyclicActors.Host.Reporting;

internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static readonly JsonSerializerOptions Compact = new(Indented) { WriteIndented = false };

    public static void WriteSummary(string path, IReadOnlyDictionary<string, object?> summary) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(summary, Indented) + "\n");
}
