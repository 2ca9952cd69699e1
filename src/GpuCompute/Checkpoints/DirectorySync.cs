using System.Runtime.InteropServices;

namespace CyclicActors.GpuCompute.Checkpoints;

/// <summary>
/// fsync on a directory, so that renames and new entries in it survive a power loss (POSIX only; .NET
/// cannot open a directory as a stream). On Windows, NTFS journals metadata and there is no equivalent.
/// </summary>
internal static partial class DirectorySync
{
    /// <summary>Returns whether the directory was synced (false where unsupported or refused).</summary>
    public static bool Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return false;
        }

        // Best effort: some file systems (FUSE, network mounts) refuse fsync on a directory; the data files
        // themselves are already flushed, so durability of the rename is all that is lost there.
        int descriptor;
        try
        {
            descriptor = OperatingSystem.IsLinux() ? LinuxOpen(directory, 0) : MacOpen(directory, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // e.g. musl-based Linux, where the C library is not libc.so.6
        }

        if (descriptor < 0)
        {
            return false;
        }

        try
        {
            return (OperatingSystem.IsLinux() ? LinuxFsync(descriptor) : MacFsync(descriptor)) == 0;
        }
        finally
        {
            _ = OperatingSystem.IsLinux() ? LinuxClose(descriptor) : MacClose(descriptor);
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinuxOpen(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "fsync")]
    private static partial int LinuxFsync(int descriptor);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int LinuxClose(int descriptor);

    [LibraryImport("libSystem.dylib", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MacOpen(string path, int flags);

    [LibraryImport("libSystem.dylib", EntryPoint = "fsync")]
    private static partial int MacFsync(int descriptor);

    [LibraryImport("libSystem.dylib", EntryPoint = "close")]
    private static partial int MacClose(int descriptor);
}
