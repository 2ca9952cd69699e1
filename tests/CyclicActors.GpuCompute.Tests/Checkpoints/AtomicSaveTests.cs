using CyclicActors.GpuCompute.Checkpoints;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Checkpoints;

/// <summary>A save that fails at any point never leaves a half-written checkpoint and never loses the previous one.</summary>
public sealed class AtomicSaveTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Target => _temp.Combine("run", "checkpoint");

    [Theory]
    [InlineData(CheckpointSaveStage.ModelWritten)]
    [InlineData(CheckpointSaveStage.OptimizerWritten)]
    [InlineData(CheckpointSaveStage.ManifestWritten)]
    [InlineData(CheckpointSaveStage.PreviousMovedAside)]
    internal void Failure_before_the_rename_keeps_the_previous_checkpoint(CheckpointSaveStage failAt)
    {
        SaveStep(1);

        var error = Assert.Throws<IOException>(() => SaveStep(2, failAt));

        Assert.Equal($"injected at {failAt}", error.Message);
        Assert.Equal(1, CheckpointStore.Load(Target, CheckpointTestData.Model).Metadata.Step);
        Assert.Equal([Target], Directory.GetDirectories(Path.GetDirectoryName(Target)!));
    }

    [Fact]
    public void Failure_of_a_first_save_leaves_nothing()
    {
        Assert.Throws<IOException>(() => SaveStep(1, CheckpointSaveStage.OptimizerWritten));

        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(Target)!));
        Assert.Throws<CheckpointFormatException>(() => CheckpointStore.Load(Target, CheckpointTestData.Model));
    }

    [Fact]
    public void Failure_after_the_rename_keeps_the_new_checkpoint_and_the_next_save_cleans_up()
    {
        SaveStep(1);
        Assert.Throws<IOException>(() => SaveStep(2, CheckpointSaveStage.Renamed));

        Assert.Equal(2, CheckpointStore.Load(Target, CheckpointTestData.Model).Metadata.Step);
        SaveStep(3);
        Assert.Equal(3, CheckpointStore.Load(Target, CheckpointTestData.Model).Metadata.Step);
        Assert.Equal([Target], Directory.GetDirectories(Path.GetDirectoryName(Target)!));
    }

    [Fact]
    public void After_a_crash_between_the_renames_the_previous_checkpoint_is_found_and_restored()
    {
        // What a process killed after moving the old checkpoint aside leaves behind.
        SaveStep(1);
        var parent = Path.GetDirectoryName(Target)!;
        Directory.Move(Target, Target + ".old-0123456789ab");
        Directory.CreateDirectory(Target + ".tmp-ba9876543210");
        File.WriteAllBytes(Path.Combine(Target + ".tmp-ba9876543210", CheckpointStore.ModelFile), [1, 2, 3]);

        Assert.Equal(1, CheckpointStore.Load(Target, CheckpointTestData.Model).Metadata.Step);

        SaveStep(2);
        Assert.Equal(2, CheckpointStore.Load(Target, CheckpointTestData.Model).Metadata.Step);
        Assert.Equal([Target], Directory.GetDirectories(parent));
    }

    private void SaveStep(long step, CheckpointSaveStage? failAt = null) =>
        CheckpointStore.Save(
            Target,
            CheckpointTestData.Metadata(step),
            CheckpointTestData.Tensors(step),
            CheckpointTestData.Tensors(-step),
            resume: null,
            stage =>
            {
                if (stage == failAt)
                {
                    throw new IOException($"injected at {stage}");
                }
            });
}

public sealed class DirectorySyncTests
{
    [Fact]
    public void Flushing_a_directory_succeeds_where_supported_and_is_harmless_elsewhere()
    {
        using var temp = new TempDirectory();
        Assert.Equal(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), DirectorySync.Flush(temp.Path));
        Assert.False(DirectorySync.Flush(temp.Combine("does-not-exist"))); // best effort: a failed open is reported, not thrown
    }
}
