using System.Security.Cryptography;
using CyclicActors.GpuCompute.Checkpoints;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Checkpoints;

/// <summary>
/// A save replaces only what a save made: a missing or empty directory, or an earlier checkpoint and
/// nothing else. Every other directory is refused before anything is touched, and the user's files
/// survive byte for byte.
/// </summary>
public sealed class CheckpointTargetTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Target => _temp.Combine("target");

    [Fact]
    public void A_directory_with_the_users_files_is_refused_and_every_file_survives()
    {
        Directory.CreateDirectory(Path.Combine(Target, "sub", "deeper"));
        File.WriteAllText(Path.Combine(Target, "main.c"), "int main(void) { return 0; }\n");
        File.WriteAllBytes(Path.Combine(Target, "sub", "deeper", "data.bin"), RandomNumberGenerator.GetBytes(4096));
        var before = Snapshot(_temp.Path);

        var error = Assert.Throws<CheckpointTargetException>(() => Save(step: 1));

        Assert.Contains("main.c", error.Message);
        Assert.Contains("sub/", error.Message);
        Assert.Equal(Target, error.Path);
        Assert.Equal(before, Snapshot(_temp.Path));
    }

    [Fact]
    public void A_lone_foreign_model_file_is_not_taken_for_a_checkpoint()
    {
        Directory.CreateDirectory(Target);
        File.WriteAllText(Path.Combine(Target, CheckpointStore.ModelFile), "someone else's weights");
        var before = Snapshot(_temp.Path);

        var error = Assert.Throws<CheckpointTargetException>(() => Save(step: 1));

        Assert.Contains("without a checkpoint manifest", error.Problem);
        Assert.Equal(before, Snapshot(_temp.Path));
    }

    [Fact]
    public void A_checkpoint_with_a_file_of_the_users_beside_it_is_refused()
    {
        Save(step: 1);
        File.WriteAllText(Path.Combine(Target, "notes.txt"), "keep me");
        var before = Snapshot(_temp.Path);

        Assert.Contains("notes.txt", Assert.Throws<CheckpointTargetException>(() => Save(step: 2)).Problem);
        Assert.Equal(before, Snapshot(_temp.Path));
    }

    [Fact]
    public void A_file_or_a_link_is_refused()
    {
        File.WriteAllText(Target, "a file");
        Assert.Contains("is a file", Assert.Throws<CheckpointTargetException>(() => Save(step: 1)).Problem);
        Assert.Equal("a file", File.ReadAllText(Target));

        var linked = _temp.Combine("linked");
        Directory.CreateDirectory(_temp.Combine("real"));
        Directory.CreateSymbolicLink(linked, _temp.Combine("real"));
        Assert.Contains("symbolic link", Assert.Throws<CheckpointTargetException>(() => CheckpointTarget.EnsureReplaceable(linked)).Problem);
    }

    [Fact]
    public void A_missing_an_empty_and_an_earlier_checkpoint_directory_are_accepted()
    {
        Save(step: 1);
        Save(step: 2);
        Assert.Equal(2, CheckpointStore.Load(Target, CheckpointTestData.Model).Metadata.Step);

        var empty = _temp.Combine("empty");
        Directory.CreateDirectory(empty);
        CheckpointStore.Save(empty, CheckpointTestData.Metadata(step: 3), CheckpointTestData.Tensors(0f), momentum: null);
        Assert.Equal(3, CheckpointStore.Load(empty, CheckpointTestData.Model).Metadata.Step);
    }

    [Fact]
    public void Only_siblings_with_our_exact_names_and_files_are_cleared()
    {
        // Look like leftovers of an interrupted save by name only: not ours, so they must survive.
        var usersOld = Target + ".old-backup";
        var usersTmp = Target + ".tmp-0123456789ab";
        Directory.CreateDirectory(usersOld);
        File.WriteAllText(Path.Combine(usersOld, "thesis.tex"), "chapter 1");
        Directory.CreateDirectory(usersTmp);
        File.WriteAllText(Path.Combine(usersTmp, "model.safetensors.bak"), "mine");
        var ours = Target + ".tmp-abcdef012345";
        Directory.CreateDirectory(ours);
        File.WriteAllText(Path.Combine(ours, CheckpointStore.ModelFile), "half written");

        Save(step: 1);

        Assert.Equal("chapter 1", File.ReadAllText(Path.Combine(usersOld, "thesis.tex")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(usersTmp, "model.safetensors.bak")));
        Assert.False(Directory.Exists(ours));
    }

    private void Save(long step) =>
        CheckpointStore.Save(Target, CheckpointTestData.Metadata(step), CheckpointTestData.Tensors(step), CheckpointTestData.Tensors(-step));

    /// <summary>Every file and directory under <paramref name="root"/> with the SHA-256 of each file.</summary>
    private static SortedDictionary<string, string> Snapshot(string root)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            entries[Path.GetRelativePath(root, entry)] = Directory.Exists(entry) ? "dir" : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry)));
        }

        return entries;
    }
}
