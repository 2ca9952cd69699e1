using System.Text.Encodings.Web;
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
        // Files, not HTML: keep link names like "A->B" readable instead of "A-\u003EB".
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonSerializerOptions Compact = new(Indented) { WriteIndented = false };

    public static void WriteSummary(string path, IReadOnlyDictionary<string, object?> summary) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(summary, Indented) + "\n");
}
