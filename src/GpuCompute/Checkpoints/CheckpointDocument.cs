using System.Text.Json;
using System.Text.Json.Serialization;

namespace CyclicActors.GpuCompute.Checkpoints;

/// <summary>The content of checkpoint.json.</summary>
internal sealed record CheckpointDocument
{
    /// <summary>2 adds resume.safetensors and the run fields of the metadata; version 1 checkpoints still load.</summary>
    public const int CurrentFormatVersion = 2;

    public const int OldestReadableFormatVersion = 1;

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public required int FormatVersion { get; init; }

    public required CheckpointMetadata Metadata { get; init; }

    /// <summary>Prefix of the momentum tensors' names in the optimizer file, e.g. "momentum.conv1.weight".</summary>
    public required string MomentumTensorPrefix { get; init; }

    /// <summary>The tensor files, by file name, with their SHA-256 and length.</summary>
    public required Dictionary<string, StoredFile> Files { get; init; }
}

/// <summary>A tensor file's integrity record in checkpoint.json.</summary>
internal sealed record StoredFile(string Sha256, long Bytes, int Tensors);
