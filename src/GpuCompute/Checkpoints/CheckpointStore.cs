using System.Security.Cryptography;
using System.Text.Json;

namespace CyclicActors.GpuCompute.Checkpoints;

/// <summary>
/// Saves and loads checkpoints. A checkpoint is a directory:
/// <list type="bullet">
/// <item><c>model.safetensors</c>: the parameters, one tensor per model parameter, named by the model;</item>
/// <item><c>optimizer.safetensors</c> (only when there is optimizer state): the momentum buffers, one per
/// parameter, named <c>momentum.</c> + the parameter's name, same shapes;</item>
/// <item><c>checkpoint.json</c>: format version, <see cref="CheckpointMetadata"/>, the momentum prefix, and the
/// SHA-256, length and tensor count of each tensor file. Written last.</item>
/// </list>
/// Saving is atomic: everything is written and fsynced in a sibling <c>&lt;dir&gt;.tmp-&lt;random&gt;</c>, an
/// existing checkpoint is renamed aside to <c>&lt;dir&gt;.old-&lt;random&gt;</c>, the new one is renamed into
/// place, and only then is the old one deleted. A crash therefore leaves either the old or the new
/// checkpoint complete: <see cref="Load"/> falls back to a <c>.old-*</c> sibling when the directory itself is
/// missing, and the next <see cref="Save"/> restores it and clears leftovers. One writer per directory.
/// Only a missing or empty directory or an earlier checkpoint is replaced (<see cref="CheckpointTarget"/>),
/// and only siblings with our exact names and files are cleared, so no file of the user's is ever deleted.
/// </summary>
public static class CheckpointStore
{
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string ManifestFile = "checkpoint.json";
    public const string ResumeFile = "resume.safetensors";
    public const string MomentumPrefix = "momentum.";

    private const string TemporaryMarker = ".tmp-";
    private const string PreviousMarker = ".old-";

    /// <summary>
    /// Writes a checkpoint to <paramref name="directory"/>, replacing any checkpoint there atomically.
    /// <paramref name="momentum"/> holds one buffer per weight (same names and shapes), or is empty when the
    /// optimizer keeps no state.
    /// </summary>
    public static void Save(
        string directory, CheckpointMetadata metadata, IReadOnlyList<NamedTensor> weights, IReadOnlyList<NamedTensor>? momentum) =>
        Save(directory, metadata, weights, momentum, resume: null, onStage: null);

    /// <summary>
    /// As above, with <paramref name="resume"/>: the further tensors an exact resume reads (the
    /// previous parameter version, look-ahead state), written to resume.safetensors under the names given.
    /// </summary>
    public static void Save(
        string directory, CheckpointMetadata metadata, IReadOnlyList<NamedTensor> weights, IReadOnlyList<NamedTensor>? momentum, IReadOnlyList<NamedTensor>? resume) =>
        Save(directory, metadata, weights, momentum, resume, onStage: null);

    /// <summary>As the public overload; <paramref name="onStage"/> lets tests inject a failure after each stage.</summary>
    internal static void Save(
        string directory,
        CheckpointMetadata metadata,
        IReadOnlyList<NamedTensor> weights,
        IReadOnlyList<NamedTensor>? momentum,
        IReadOnlyList<NamedTensor>? resume,
        Action<CheckpointSaveStage>? onStage)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(weights);
        metadata.Validate();
        momentum ??= [];
        ValidateTensorsToSave(weights, momentum);
        resume ??= [];
        if (resume.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() != resume.Count)
        {
            throw new ArgumentException("Resume tensor names must be unique.", nameof(resume));
        }

        CheckpointTarget.EnsureReplaceable(directory);

        var target = NormalizeDirectory(directory);
        var parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"Cannot checkpoint into a root directory '{target}'.");
        Directory.CreateDirectory(parent);
        RecoverInterruptedSave(target);

        var temporary = target + TemporaryMarker + RandomSuffix();
        string? previous = null;
        Directory.CreateDirectory(temporary);
        try
        {
            var files = new Dictionary<string, StoredFile>(StringComparer.Ordinal);
            var fileMetadata = new Dictionary<string, string>
            {
                ["format"] = "pt", // what transformers-style loaders check; the tensors are plain PyTorch-layout F32
                ["model"] = metadata.ModelName,
                ["step"] = metadata.Step.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };

            files[ModelFile] = WriteTensorFile(Path.Combine(temporary, ModelFile), weights, fileMetadata);
            onStage?.Invoke(CheckpointSaveStage.ModelWritten);
            if (momentum.Count > 0)
            {
                var prefixed = momentum.Select(m => new NamedTensor(MomentumPrefix + m.Name, m.Shape, m.Data)).ToList();
                files[OptimizerFile] = WriteTensorFile(Path.Combine(temporary, OptimizerFile), prefixed, fileMetadata);
                onStage?.Invoke(CheckpointSaveStage.OptimizerWritten);
            }

            if (resume.Count > 0)
            {
                files[ResumeFile] = WriteTensorFile(Path.Combine(temporary, ResumeFile), resume, fileMetadata);
            }

            WriteManifest(Path.Combine(temporary, ManifestFile), new CheckpointDocument
            {
                FormatVersion = CheckpointDocument.CurrentFormatVersion,
                Metadata = metadata,
                MomentumTensorPrefix = MomentumPrefix,
                Files = files,
            });
            _ = DirectorySync.Flush(temporary); // best effort, see DirectorySync
            onStage?.Invoke(CheckpointSaveStage.ManifestWritten);

            if (Directory.Exists(target))
            {
                previous = target + PreviousMarker + RandomSuffix();
                Directory.Move(target, previous);
                onStage?.Invoke(CheckpointSaveStage.PreviousMovedAside);
            }

            Directory.Move(temporary, target);
            _ = DirectorySync.Flush(parent);
            onStage?.Invoke(CheckpointSaveStage.Renamed);
        }
        catch
        {
            if (previous is not null && !Directory.Exists(target) && Directory.Exists(previous))
            {
                Directory.Move(previous, target);
                previous = null;
            }

            DeleteIfExists(temporary);
            throw;
        }

        if (previous is not null)
        {
            DeleteIfExists(previous);
        }
    }

    /// <summary>
    /// Loads and validates the checkpoint in <paramref name="directory"/>. When <paramref name="expectedTensors"/>
    /// is given (the model's parameters), the weights (and momentum buffers, if any) must match it exactly:
    /// no missing or unexpected tensor, same shapes. Errors are <see cref="CheckpointFormatException"/>s
    /// naming the file and the problem.
    /// </summary>
    public static Checkpoint Load(string directory, IReadOnlyList<TensorSpec>? expectedTensors)
    {
        var target = ExistingCheckpointDirectory(directory);
        var manifestPath = Path.Combine(target, ManifestFile);
        var document = ReadManifest(manifestPath);
        if (!document.Files.ContainsKey(ModelFile))
        {
            throw new CheckpointFormatException(manifestPath, $"does not list {ModelFile}");
        }

        var unknown = document.Files.Keys.FirstOrDefault(name => name is not ModelFile and not OptimizerFile and not ResumeFile);
        if (unknown is not null)
        {
            throw new CheckpointFormatException(manifestPath, $"lists an unknown file '{unknown}'");
        }

        var weights = ReadTensorFile(target, ModelFile, document.Files[ModelFile]);
        var weightSpecs = weights.Values.Select(t => t.Spec).ToList();
        CheckTensors(Path.Combine(target, ModelFile), weights, expectedTensors ?? weightSpecs, prefix: "", reference: "the model");

        var momentum = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        if (document.Files.TryGetValue(OptimizerFile, out var optimizerRecord))
        {
            var optimizerPath = Path.Combine(target, OptimizerFile);
            var stored = ReadTensorFile(target, OptimizerFile, optimizerRecord);
            CheckTensors(optimizerPath, stored, expectedTensors ?? weightSpecs, document.MomentumTensorPrefix,
                reference: expectedTensors is null ? ModelFile : "the model");
            foreach (var tensor in stored.Values)
            {
                var name = tensor.Name[document.MomentumTensorPrefix.Length..];
                momentum[name] = new NamedTensor(name, tensor.Shape, tensor.Data);
            }
        }

        var resume = document.Files.TryGetValue(ResumeFile, out var resumeRecord)
            ? ReadTensorFile(target, ResumeFile, resumeRecord)
            : new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        return new Checkpoint(document.Metadata, weights, momentum) { Resume = resume };
    }

    /// <summary>
    /// The metadata of the checkpoint in <paramref name="directory"/>, from its manifest alone: what a
    /// caller needs to rebuild the model before loading the tensors against it with <see cref="Load"/>.
    /// </summary>
    public static CheckpointMetadata ReadMetadata(string directory) =>
        ReadManifest(Path.Combine(ExistingCheckpointDirectory(directory), ManifestFile)).Metadata;

    private static string ExistingCheckpointDirectory(string directory)
    {
        var target = NormalizeDirectory(directory);
        if (File.Exists(target) && !Directory.Exists(target))
        {
            throw new CheckpointFormatException(target, "is a file; a checkpoint is a directory written by train --save");
        }

        // Missing: a save may have been interrupted between moving the old checkpoint aside and renaming the new one in.
        return Directory.Exists(target)
            ? target
            : FindPrevious(target) ?? throw new CheckpointFormatException(target, "checkpoint directory not found");
    }

    private static void ValidateTensorsToSave(IReadOnlyList<NamedTensor> weights, IReadOnlyList<NamedTensor> momentum)
    {
        if (weights.Count == 0)
        {
            throw new ArgumentException("A checkpoint needs at least one weight tensor.", nameof(weights));
        }

        var byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (var weight in weights)
        {
            if (!byName.TryAdd(weight.Name, weight))
            {
                throw new ArgumentException($"Weight tensor '{weight.Name}' appears twice.", nameof(weights));
            }
        }

        if (momentum.Count == 0)
        {
            return;
        }

        if (momentum.Count != weights.Count || momentum.Select(m => m.Name).Distinct(StringComparer.Ordinal).Count() != momentum.Count)
        {
            throw new ArgumentException($"Need exactly one momentum buffer per weight ({weights.Count}), got {momentum.Count}.", nameof(momentum));
        }

        foreach (var buffer in momentum)
        {
            if (!byName.TryGetValue(buffer.Name, out var weight) || !weight.Spec.HasShape(buffer.Shape))
            {
                throw new ArgumentException($"Momentum buffer {buffer.Spec} matches no weight of that name and shape.", nameof(momentum));
            }
        }
    }

    private static StoredFile WriteTensorFile(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var (sha256, bytes) = SafeTensorsFile.WriteHashed(path, tensors, metadata);
        return new StoredFile(sha256, bytes, tensors.Count);
    }

    private static void WriteManifest(string path, CheckpointDocument document)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        JsonSerializer.Serialize(stream, document, CheckpointDocument.JsonOptions);
        stream.Flush(flushToDisk: true);
    }

    private static CheckpointDocument ReadManifest(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, "missing file: the checkpoint has no manifest (incomplete or not a checkpoint)");
        }

        CheckpointDocument? document;
        try
        {
            using var stream = RegularFile.OpenRead(path);
            document = JsonSerializer.Deserialize<CheckpointDocument>(stream, CheckpointDocument.JsonOptions);
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, $"malformed JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(path, $"cannot be read: {RegularFile.Problem(e)}", e);
        }

        if (document is null)
        {
            throw new CheckpointFormatException(path, "malformed JSON: the document is null");
        }

        if (document.Files.FirstOrDefault(entry => entry.Value is null || entry.Value.Sha256 is null) is { Key: not null } empty)
        {
            throw new CheckpointFormatException(path, $"the entry for '{empty.Key}' under \"files\" is null or has no sha256");
        }

        if (document.FormatVersion is < CheckpointDocument.OldestReadableFormatVersion or > CheckpointDocument.CurrentFormatVersion)
        {
            throw new CheckpointFormatException(path,
                $"unsupported format version {document.FormatVersion}; this build reads versions {CheckpointDocument.OldestReadableFormatVersion} to {CheckpointDocument.CurrentFormatVersion}");
        }

        try
        {
            document.Metadata.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException(path, $"invalid metadata: {e.Message}", e);
        }

        return document;
    }

    private static Dictionary<string, NamedTensor> ReadTensorFile(string directory, string fileName, StoredFile record)
    {
        var path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, $"missing file (listed in {ManifestFile})");
        }

        var tensors = SafeTensorsFile.Read(path);
        var (sha256, bytes) = HashFile(path);
        if (!string.Equals(sha256, record.Sha256, StringComparison.OrdinalIgnoreCase) || bytes != record.Bytes)
        {
            throw new CheckpointFormatException(path,
                $"hash mismatch: {ManifestFile} records sha256 {record.Sha256} ({record.Bytes} bytes), the file has {sha256} ({bytes} bytes); it was modified or is corrupt");
        }

        return tensors.ToDictionary(StringComparer.Ordinal);
    }

    /// <summary>Checks the stored tensors against <paramref name="expected"/>, which comes from <paramref name="reference"/> (the model, or the model file).</summary>
    private static void CheckTensors(string path, IReadOnlyDictionary<string, NamedTensor> stored, IReadOnlyList<TensorSpec> expected, string prefix, string reference)
    {
        var expectedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in expected)
        {
            var name = prefix + spec.Name;
            expectedNames.Add(name);
            if (!stored.TryGetValue(name, out var tensor))
            {
                throw new CheckpointFormatException(path, $"missing tensor '{name}' ({reference} expects shape {TensorSpec.Format(spec.Shape)})");
            }

            if (!spec.HasShape(tensor.Shape))
            {
                throw new CheckpointFormatException(path,
                    $"tensor '{name}' has shape {TensorSpec.Format(tensor.Shape)} but {reference} expects {TensorSpec.Format(spec.Shape)}");
            }
        }

        var unexpected = stored.Keys.Where(name => !expectedNames.Contains(name)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0)
        {
            throw new CheckpointFormatException(path, $"unexpected tensor{(unexpected.Count > 1 ? "s" : "")} {string.Join(", ", unexpected.Select(n => $"'{n}'"))} (not in {reference})");
        }
    }

    /// <summary>Restores a checkpoint left aside by a crashed save and deletes leftovers of earlier saves (only siblings of ours).</summary>
    private static void RecoverInterruptedSave(string target)
    {
        if (!Directory.Exists(target) && FindPrevious(target) is { } previous)
        {
            Directory.Move(previous, target);
        }

        foreach (var leftover in Siblings(target, TemporaryMarker).Concat(Siblings(target, PreviousMarker)))
        {
            DeleteIfExists(leftover);
        }
    }

    /// <summary>The most recent complete checkpoint moved aside by an interrupted save, if any.</summary>
    private static string? FindPrevious(string target) =>
        Siblings(target, PreviousMarker)
            .Where(d => File.Exists(Path.Combine(d, ManifestFile)))
            .OrderByDescending(Directory.GetLastWriteTimeUtc)
            .FirstOrDefault();

    private static IEnumerable<string> Siblings(string target, string marker)
    {
        var parent = Path.GetDirectoryName(target);
        if (parent is null || !Directory.Exists(parent))
        {
            return [];
        }

        var prefix = Path.GetFileName(target) + marker;
        return Directory.EnumerateDirectories(parent, prefix + "*").Where(d => CheckpointTarget.IsOurSibling(target, marker, d)).ToList();
    }

    private static (string Sha256, long Bytes) HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return (Convert.ToHexStringLower(SHA256.HashData(stream)), stream.Length);
    }

    private static string NormalizeDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
    }

    private static string RandomSuffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    private static void DeleteIfExists(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>Points in <see cref="CheckpointStore.Save(string, CheckpointMetadata, IReadOnlyList{NamedTensor}, IReadOnlyList{NamedTensor}?)"/> where tests inject failures.</summary>
internal enum CheckpointSaveStage
{
    ModelWritten,
    OptimizerWritten,
    ManifestWritten,
    PreviousMovedAside,
    Renamed,
}
